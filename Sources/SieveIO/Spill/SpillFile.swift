import Foundation
import SieveCore
import SieveFiles

/// The documents that a run's first pass leaves for its second, one file per work unit
/// (`.sieve/spill/NNNNN.spill`): what reached the dedup stage, batch by batch as the
/// dedup stage numbers them, with what the stages before it dropped and counted, so
/// that the second pass runs only the stages from dedup on (docs/pipeline.md).
///
/// Layout: `SIEVESPILL1\n`, the key (UInt32 length + UTF-8), then records of one kind
/// byte, a UInt32 length and a zstd frame: 1, a batch's documents; 2, the documents the
/// first stages dropped from the batch before it (only when the run keeps them); 3, the
/// unit's statistics, last; then the offset of record 3 as a UInt64. Little-endian.
/// The key names the settings, the unit's byte ranges and its inputs' hashes: a file
/// with another key is not used.
public enum SpillFile {
    static let magic = Array("SIEVESPILL1\n".utf8)

    enum Kind: UInt8 {
        case documents = 1, rejected = 2, stats = 3
    }

    /// `DIRECTORY/NNNNN.spill`.
    public static func path(directory: String, unit: Int) -> String {
        OutputLayout.unitFile(directory, unit: unit, fileExtension: "spill")
    }

    /// Whether `path` is a complete spill file written under `key`.
    public static func isValid(_ path: String, key: String) -> Bool {
        guard let file = try? SpillReader(path: path) else { return false }
        return file.key == key
    }

    /// One record: kind, length, the payload compressed into one zstd frame.
    static func record(_ kind: Kind, _ payload: [UInt8]) -> [UInt8] {
        let frame = payload.withUnsafeBytes { Zstd.compressFrame($0, level: 1) }
        var out: [UInt8] = [kind.rawValue]
        out.reserveCapacity(frame.count + 5)
        withUnsafeBytes(of: UInt32(frame.count).littleEndian) { out.append(contentsOf: $0) }
        out += frame
        return out
    }

    static func header(key: String) -> [UInt8] {
        var out = magic
        let bytes = Array(key.utf8)
        withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { out.append(contentsOf: $0) }
        return out + bytes
    }

    /// The statistics record's payload: the first stages' `RunStats` with its per-input
    /// counts (which `RunStats`' own coding leaves out).
    struct Statistics: Codable {
        var stats: RunStats
        var inputs: [String: InputCounts]
    }
}
