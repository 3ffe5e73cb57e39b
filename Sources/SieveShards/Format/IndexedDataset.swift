#if canImport(Glibc)
import Glibc
#endif
import SieveCore
import SieveFiles
import SieveIO

/// Megatron-LM's `IndexedDataset` pair (`megatron/core/datasets/indexed_dataset.py`),
/// int32 tokens only. Layout, byte by byte, in `docs/shards.md`:
/// `.bin` is the token ids back to back; `.idx` is `MMIDIDX\0\0`, version 1 (u64),
/// dtype code 4 (u8), sequence count (u64), document count + 1 (u64), then the sequence
/// lengths (int32), the sequences' byte offsets in `.bin` (int64) and the document
/// indices (int64: the sequence index where each document starts, then the total).
public enum IndexedDataset {
    static let magic: [UInt8] = Array("MMIDIDX".utf8) + [0, 0]
    /// Megatron's `DType.int32`: Qwen's vocabulary does not fit uint16, and the format
    /// has no unsigned 32-bit code.
    static let int32Code: UInt8 = 4
    static let headerSize = 34

    /// The `.idx` bytes for sequences of the given lengths, one document per entry of
    /// `documentIndices` (Megatron's convention: starts with 0, ends with the count).
    static func index(sequenceLengths: [Int32], documentIndices: [Int64]) -> [UInt8] {
        var out = magic
        out.reserveCapacity(headerSize + sequenceLengths.count * 12 + documentIndices.count * 8)
        appendLE(&out, UInt64(1))
        out.append(int32Code)
        appendLE(&out, UInt64(sequenceLengths.count))
        appendLE(&out, UInt64(documentIndices.count))
        for length in sequenceLengths { appendLE(&out, UInt32(bitPattern: length)) }
        var pointer: Int64 = 0
        for length in sequenceLengths {
            appendLE(&out, UInt64(bitPattern: pointer))
            pointer += Int64(length) * 4
        }
        for index in documentIndices { appendLE(&out, UInt64(bitPattern: index)) }
        return out
    }
}

@inline(__always) func appendLE<T: FixedWidthInteger>(_ out: inout [UInt8], _ value: T) {
    withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
}

/// Reads an `IndexedDataset` pair and checks that the two files agree; used by
/// `sieve shards pack`, `verify` and the tests.
public struct IndexedDatasetReader {
    public let prefix: String
    public let sequenceLengths: [Int32]
    public let sequencePointers: [Int64]
    public let documentIndices: [Int64]
    private let bin: MappedFile

    public init(prefix: String) throws {
        self.prefix = prefix
        let idxPath = prefix + ".idx"
        let idx = try MappedFile(path: idxPath)
        let bytes = idx.bytes
        func fail(_ message: String) -> FileError { FileError(path: idxPath, message: message) }
        guard bytes.count >= IndexedDataset.headerSize, Array(bytes[0..<9]) == IndexedDataset.magic else {
            throw fail("not a Megatron index (no MMIDIDX header)")
        }
        let version = bytes.loadUnaligned(fromByteOffset: 9, as: UInt64.self)
        guard UInt64(littleEndian: version) == 1 else { throw fail("index version \(version), expected 1") }
        guard bytes[17] == IndexedDataset.int32Code else { throw fail("dtype code \(bytes[17]), expected 4 (int32)") }
        let sequences = Int(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 18, as: UInt64.self)))
        let documents = Int(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 26, as: UInt64.self)))
        let expected = IndexedDataset.headerSize + sequences * 12 + documents * 8
        guard sequences < 1 << 40, documents < 1 << 40, bytes.count == expected else {
            throw fail("size \(bytes.count) bytes, but the header describes \(expected) (truncated or corrupt)")
        }
        var offset = IndexedDataset.headerSize
        func read<T: FixedWidthInteger>(_ n: Int, _ type: T.Type) -> [T] {
            let values = (0..<n).map { T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + $0 * MemoryLayout<T>.size, as: T.self)) }
            offset += n * MemoryLayout<T>.size
            return values
        }
        sequenceLengths = read(sequences, Int32.self)
        sequencePointers = read(sequences, Int64.self)
        documentIndices = read(documents, Int64.self)
        bin = try MappedFile(path: prefix + ".bin")
        let tokens = sequenceLengths.reduce(0) { $0 + Int($1) }
        guard bin.bytes.count == tokens * 4 else {
            throw FileError(path: prefix + ".bin", message: "size \(bin.bytes.count) bytes, but the index describes \(tokens * 4)")
        }
    }

    public var sequenceCount: Int { sequenceLengths.count }

    /// The tokens of sequence `i`.
    public func sequence(_ i: Int) -> [Int32] {
        let start = Int(sequencePointers[i])
        return (0..<Int(sequenceLengths[i])).map {
            Int32(littleEndian: bin.bytes.loadUnaligned(fromByteOffset: start + $0 * 4, as: Int32.self))
        }
    }

    /// All token bytes, for streaming without copying.
    public var tokenBytes: UnsafeRawBufferPointer { bin.bytes }

    /// Lets go of the mapped pages before token byte `offset`, which a reader streaming
    /// through the file has done with: they leave the process's resident memory (the page
    /// cache keeps them), so a pass over a 1 GiB shard does not hold 1 GiB.
    public func release(before offset: Int) {
        bin.release(before: offset)
    }
}

/// A read-only memory mapping of a whole file.
final class MappedFile {
    let bytes: UnsafeRawBufferPointer

    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError.errno(path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError.errno(path) }
        let size = Int(st.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else { throw FileError.errno(path) }
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    func release(before offset: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let end = min(offset, bytes.count) / page * page
        guard let base = bytes.baseAddress, end > 0 else { return }
        madvise(UnsafeMutableRawPointer(mutating: base), end, MADV_DONTNEED)
    }
}
