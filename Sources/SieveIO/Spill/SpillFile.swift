import Foundation
import SieveCore
import SieveFiles

/// The documents that a run's first pass leaves for its second, one file per work unit
/// (`.sieve/spill/NNNNN.spill`): what reached the dedup stage, batch by batch as the
/// dedup stage numbers them, with what the stages before it dropped and counted, so
/// that the second pass runs only the stages from dedup on (docs/pipeline.md).
///
/// Layout: `SIEVESPILL2\n`, the key (UInt32 length + UTF-8), then records of one kind
/// byte, a UInt32 length, the XXH64 of the frame and a zstd frame: 1, a batch's
/// documents; 2, the documents the first stages dropped from the batch before it (only
/// when the run keeps them); 3, the unit's statistics, last; then the offset of record 3
/// as a UInt64. Little-endian. The key names the settings, the unit's byte ranges and its
/// inputs' hashes: a file with another key is not used, nor one whose records do not
/// check out (`isValid` reads them all), so a damaged file costs a recomputed unit, not
/// a failed run.
public enum SpillFile {
    static let magic = Array("SIEVESPILL2\n".utf8)
    /// Kind, length, hash.
    static let recordHeaderBytes = 13

    enum Kind: UInt8 {
        case documents = 1, rejected = 2, stats = 3
    }

    /// `DIRECTORY/NNNNN.spill`.
    public static func path(directory: String, unit: Int) -> String {
        OutputLayout.unitFile(directory, unit: unit, fileExtension: "spill")
    }

    /// Whether `path` is a complete spill file written under `key` whose every record
    /// matches its hash.
    public static func isValid(_ path: String, key: String) -> Bool {
        guard let file = try? SpillReader(path: path), file.key == key else { return false }
        do {
            while try file.next() != nil {}
            return true
        } catch {
            return false
        }
    }

    /// One record: kind, length, hash, the payload compressed into one zstd frame.
    static func record(_ kind: Kind, _ payload: [UInt8]) -> [UInt8] {
        let frame = payload.withUnsafeBytes { Zstd.compressFrame($0, level: 1) }
        var out: [UInt8] = [kind.rawValue]
        out.reserveCapacity(frame.count + recordHeaderBytes)
        out.appendLittleEndian(UInt32(frame.count))
        out.appendLittleEndian(frame.withUnsafeBytes { XXHash64.hash($0) })
        out += frame
        return out
    }

    static func header(key: String) -> [UInt8] {
        var out = magic
        let bytes = Array(key.utf8)
        out.appendLittleEndian(UInt32(bytes.count))
        return out + bytes
    }

    /// The statistics record's payload: the first stages' `RunStats` with its per-input
    /// counts (which `RunStats`' own coding leaves out).
    struct Statistics: Codable {
        var stats: RunStats
        var inputs: [String: InputCounts]
    }
}
