import SieveCore
import SieveFiles

/// Reads units back from their spill files (`SpillFile`) as processed batches: the same
/// batches, in the same order, that the first pass's dedup stage received, each with
/// what the first `stagesDone` stages dropped, and the unit's statistics of those
/// stages on its first batch (so they merge in the order they would have).
public struct SpillSource: BatchSource {
    private let units: [(index: Int, bytes: Int)]
    private let directory: String
    private let stagesDone: Int
    private var current = 0
    private var reader: SpillReader?
    private var lookahead: (kind: SpillFile.Kind, frame: [UInt8], bytes: Int)?
    private var batches = 0
    private var bytesReported = 0

    /// - Parameter units: the units to read, in order, with their input bytes (for progress).
    public init(units: [(index: Int, bytes: Int)], directory: String, stagesDone: Int) {
        self.units = units
        self.directory = directory
        self.stagesDone = stagesDone
    }

    public mutating func next() throws -> SourceItem? {
        guard current < units.count else { return nil }
        let unit = units[current]
        if reader == nil {
            reader = try SpillReader(path: SpillFile.path(directory: directory, unit: unit.index))
            batches = 0
            bytesReported = 0
        }
        let reader = reader!
        guard let documents = try lookahead.take() ?? reader.next() else {
            // Statistics go with the first batch; a unit without batches ends with them.
            let stats = batches == 0 ? Self.stats(reader.statistics) : RunStats()
            self.reader = nil
            current += 1
            return .unitEnd(unit: unit.index, stats: stats)
        }
        guard documents.kind == .documents else { throw SpillError(path: reader.path, message: "dropped documents without their batch") }
        var rejectedFrame: [UInt8]?
        if let following = try reader.next() {
            if following.kind == .rejected {
                rejectedFrame = following.frame
            } else {
                lookahead = following
            }
        }
        // Progress: the unit's input bytes in proportion to the spill bytes read.
        let span = reader.recordsEnd - reader.recordsStart
        let read = reader.position - reader.recordsStart - (lookahead?.bytes ?? 0)
        let total = span == 0 ? unit.bytes : Int(Double(unit.bytes) * Double(read) / Double(span))
        let inputBytes = max(0, total - bytesReported)
        bytesReported += inputBytes
        let stats = batches == 0 ? Self.stats(reader.statistics) : RunStats()
        batches += 1
        let path = reader.path
        return .batch(SourceBatch(unit: unit.index, inputBytes: inputBytes, stagesDone: stagesDone) { [frame = documents.frame, rejected = rejectedFrame] in
            func decode(_ frame: [UInt8]) throws -> [Document] {
                guard let bytes = frame.withUnsafeBytes({ Zstd.decompressFrame($0) }),
                      let documents = try? SpillCodec.decode(bytes) else {
                    throw SpillError(path: path, message: "a damaged batch")
                }
                return documents
            }
            return ProcessedBatch(documents: try decode(frame), rejected: try rejected.map(decode) ?? [], stats: stats)
        })
    }

    private static func stats(_ statistics: SpillFile.Statistics) -> RunStats {
        var stats = statistics.stats
        stats.inputs = statistics.inputs
        return stats
    }
}
