import Foundation

/// What a run did: written as `report.json` in the output directory and printed as a
/// table at the end. The format is described in `docs/report.md`.
public struct RunReport: Codable, Sendable {
    public var sieveVersion = Sieve.version
    public var command: String
    public var startedAt: String
    public var seconds: Double
    public var threads: Int
    public var taskIndex: Int
    public var taskCount: Int
    public var inputFiles: Int
    public var inputBytes: Int
    public var units: Int
    /// Units skipped because an earlier, interrupted run had finished them.
    public var unitsResumed: Int
    /// With a dedup stage: units whose documents this run read back from the spill files
    /// (`.sieve/spill`) instead of running the stages before dedup on their inputs again.
    public var unitsFromSpill: Int?
    public var outputs: [String]
    public var stats: RunStats

    public init(command: String, startedAt: Date, seconds: Double, threads: Int, taskIndex: Int = 0,
                taskCount: Int = 1, inputFiles: Int, inputBytes: Int, units: Int, unitsResumed: Int = 0,
                outputs: [String], stats: RunStats) {
        self.command = command
        self.startedAt = ISO8601DateFormatter().string(from: startedAt)
        self.seconds = seconds
        self.threads = threads
        self.taskIndex = taskIndex
        self.taskCount = taskCount
        self.inputFiles = inputFiles
        self.inputBytes = inputBytes
        self.units = units
        self.unitsResumed = unitsResumed
        self.outputs = outputs
        self.stats = stats
    }

    enum CodingKeys: String, CodingKey {
        case sieveVersion = "sieve_version", command, startedAt = "started_at", seconds, threads
        case taskIndex = "task_index", taskCount = "task_count", inputFiles = "input_files"
        case inputBytes = "input_bytes", units, unitsResumed = "units_resumed", unitsFromSpill = "units_from_spill", outputs, stats
    }

    /// Pretty-printed JSON with sorted keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// The per-stage table and the drop, repair and error counts, for a terminal.
    public func table() -> String {
        var rows = [["stage", "docs in", "docs out", "dropped", "MB in", "MB out", "seconds"]]
        for s in stats.stages {
            rows.append([s.name, "\(s.documentsIn)", "\(s.documentsOut)", "\(s.drops.values.reduce(0, +))",
                         String(format: "%.2f", Double(s.bytesIn) / 1e6), String(format: "%.2f", Double(s.bytesOut) / 1e6),
                         String(format: "%.2f", s.seconds)])
        }
        var out = Self.render(rows)
        for (title, counts) in [("dropped", stats.drops), ("repaired", stats.repairs), ("input errors", stats.errors)]
            where !counts.isEmpty {
            out += "\n\(title):\n"
            for (reason, n) in counts.sorted(by: { $0.key < $1.key }) { out += "  \(reason)  \(n)\n" }
        }
        if !stats.incidents.isEmpty {
            out += "\nexamples:\n"
            for incident in stats.incidents.prefix(10) {
                out += "  \(incident.reason)  \(incident.location)  \(incident.message)\n"
            }
        }
        let rate = seconds > 0 ? Double(inputBytes) / seconds / 1e6 : 0
        out += String(format: "\n%d input files, %.2f MB in %.2f s (%.1f MB/s), %d threads",
                      inputFiles, Double(inputBytes) / 1e6, seconds, rate, threads)
        if unitsResumed > 0 { out += ", \(unitsResumed) of \(units) units done by an earlier run" }
        return out + "\n"
    }

    static func render(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max()! }
        return rows.map { row in
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return c == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}

/// Facts about the build.
public enum Sieve {
    public static let version = "0.1.0"
}
