#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SieveCore

/// Which work units of a task are finished, for resuming a killed run.
///
/// An append-only file of JSON lines: first `{"fingerprint":…}`, then one
/// `{"unit":N,"stats":{…}}` per finished unit, appended and flushed to disk after the
/// unit's output was renamed into place. A line cut off by a kill is ignored, and the
/// unit it named is simply done again (its output is rewritten identically).
public final class ResumeLog {
    public let path: String
    /// Finished units with their statistics.
    public private(set) var finished: [Int: RunStats] = [:]
    private let fd: Int32

    /// Opens or creates the log. Throws when it belongs to a run with another
    /// fingerprint (other inputs or settings), which must not be mixed with this one.
    public init(path: String, fingerprint: String) throws {
        self.path = path
        let header = try Self.line(["fingerprint": fingerprint])
        if let data = FileManager.default.contents(atPath: path), !data.isEmpty {
            let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
            guard let first = lines.first, Array(first) + [0x0A] == header else {
                throw FileError(path: path, message: "the output directory holds a run with other inputs or settings; "
                                + "remove it or choose another output directory")
            }
            for line in lines.dropFirst() {
                if let entry = try? JSONDecoder().decode(Entry.self, from: Data(line)) {
                    finished[entry.unit] = entry.stats
                }
            }
        }
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError.errno(path) }
        // A torn last line would glue onto the next entry: start on a fresh line.
        if let data = FileManager.default.contents(atPath: path), !data.isEmpty, data.last != 0x0A {
            try append([0x0A])
        }
        if finished.isEmpty && (FileManager.default.contents(atPath: path)?.isEmpty ?? true) {
            try append(header)
        }
    }

    deinit { close(fd) }

    private struct Entry: Codable {
        var unit: Int
        var stats: RunStats
    }

    /// Records a finished unit durably.
    public func markFinished(unit: Int, stats: RunStats) throws {
        try append(Self.line(Entry(unit: unit, stats: stats)))
        finished[unit] = stats
    }

    private func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try AtomicFile.writeAll(fd, $0, path: path) }
        guard fsync(fd) == 0 else { throw FileError.errno(path) }
    }

    private static func line<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value)) + [0x0A]
    }
}
