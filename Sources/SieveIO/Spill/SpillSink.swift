import Foundation
import SieveCore
import SieveFiles

/// Writes the spill file of each unit it has a key for (`SpillFile`), renamed into place
/// when the unit ends; other units pass through untouched. Paired with the first pass's
/// own sink by a `TeeSink`.
public final class SpillSink: BatchSink, @unchecked Sendable {
    private let directory: String
    private let keys: [Int: String]
    private let keepsRejected: Bool
    // Used by the writer thread only, one unit at a time.
    private var file: (unit: Int, file: AtomicFile, bytes: Int)?

    /// - Parameters:
    ///   - keys: the units to spill, with their keys.
    ///   - keepsRejected: whether the run keeps dropped documents (then they are spilled too).
    public init(directory: String, keys: [Int: String], keepsRejected: Bool) {
        self.directory = directory
        self.keys = keys
        self.keepsRejected = keepsRejected
    }

    public func encode(_ documents: [Document], unit: Int) -> [UInt8] {
        keys[unit] == nil ? [] : SpillFile.record(.documents, SpillCodec.encode(documents))
    }

    public func write(_ encoded: [UInt8], unit: Int) throws {
        guard keys[unit] != nil else { return }
        try append(encoded, unit: unit)
    }

    public var wantsRejected: Bool { keepsRejected }

    public func encodeRejected(_ documents: [Document], unit: Int) -> [UInt8] {
        keys[unit] == nil ? [] : SpillFile.record(.rejected, SpillCodec.encode(documents))
    }

    public func writeRejected(_ encoded: [UInt8], unit: Int) throws {
        guard keys[unit] != nil else { return }
        try append(encoded, unit: unit)
    }

    public func endUnit(_ unit: Int, stats: RunStats) throws {
        guard keys[unit] != nil else { return }
        try append([], unit: unit)
        guard let (_, output, offset) = file else { return }
        // The first pass's own sink is no stage of the run.
        let first = stats.removing(stage: "write")
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = try encoder.encode(SpillFile.Statistics(stats: first, inputs: first.inputs))
        try output.write(SpillFile.record(.stats, Array(json)))
        var trailer: [UInt8] = []
        trailer.appendLittleEndian(UInt64(offset))
        try output.write(trailer)
        try output.commit()
        file = nil
    }

    private func append(_ bytes: [UInt8], unit: Int) throws {
        if file?.unit != unit {
            let output = try AtomicFile(path: SpillFile.path(directory: directory, unit: unit))
            let header = SpillFile.header(key: keys[unit]!)
            try output.write(header)
            file = (unit, output, header.count)
        }
        try file!.file.write(bytes)
        file!.bytes += bytes.count
    }
}
