import SieveCore
import SieveFiles
import SieveIO

/// Per-document metadata kept beside a shard's tokens, for instance-level mixing.
public struct ShardDocument: Sendable, Equatable {
    public var id: String
    public var source: String
    /// Tokens in the shard, the end-of-text id included.
    public var tokens: Int
    /// NaN when the pipeline did not compute it.
    public var languageScore: Float
    public var quality: Float
    public var domainScore: Float
    /// Documents of its dedup cluster (`dedup_cluster_size`; 1 without duplicates or
    /// without a dedup stage), what rehydration weighs.
    public var clusterSize: Int

    public init(id: String, source: String, tokens: Int, languageScore: Float = .nan, quality: Float = .nan,
                domainScore: Float = .nan, clusterSize: Int = 1) {
        self.id = id
        self.source = source
        self.tokens = tokens
        self.languageScore = languageScore
        self.quality = quality
        self.domainScore = domainScore
        self.clusterSize = clusterSize
    }
}

/// One written file of a shard, as the manifest records it.
public struct ShardFile: Sendable, Equatable {
    /// `.bin`, `.idx` or `.docs`.
    public var suffix: String
    public var bytes: Int
    public var xxh64: String
}

/// The sidecar `.docs` file: a fixed-width record per document (in `.bin` order) and a
/// string heap. Layout in `docs/shards.md`; version 2 added the cluster size, and
/// version 1 files (written before it) still read, every cluster size 1.
public enum DocumentTable {
    static let magic = Array("SIEVEDOC".utf8)
    static let headerSize = 32
    static let version = 2
    static let recordSize = 36
    /// Record size of each version.
    static let recordSizes = [1: 32, 2: 36]

    static func encode(_ documents: [ShardDocument]) -> [UInt8] {
        var heap: [UInt8] = []
        var out = magic
        appendLE(&out, UInt32(version))
        appendLE(&out, UInt32(recordSize))
        appendLE(&out, UInt64(documents.count))
        appendLE(&out, UInt64(headerSize + documents.count * recordSize))
        for document in documents {
            appendLE(&out, UInt64(heap.count))
            heap.append(contentsOf: document.id.utf8)
            heap.append(contentsOf: document.source.utf8)
            appendLE(&out, UInt32(document.id.utf8.count))
            appendLE(&out, UInt32(document.source.utf8.count))
            appendLE(&out, UInt32(document.tokens))
            appendLE(&out, document.languageScore.bitPattern)
            appendLE(&out, document.quality.bitPattern)
            appendLE(&out, document.domainScore.bitPattern)
            appendLE(&out, UInt32(clamping: document.clusterSize))
        }
        return out + heap
    }

    /// Reads a `.docs` file.
    public static func read(path: String) throws -> [ShardDocument] {
        let file = try MappedFile(path: path)
        let b = file.bytes
        func fail(_ message: String) -> FileError { FileError(path: path, message: message) }
        guard b.count >= headerSize, Array(b[0..<8]) == magic else { throw fail("not a Sieve document table") }
        func u32(_ at: Int) -> Int { Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
        func u64(_ at: Int) -> Int { Int(UInt64(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt64.self))) }
        func f32(_ at: Int) -> Float { Float(bitPattern: UInt32(u32(at))) }
        let version = u32(8), recordSize = u32(12)
        guard let expected = recordSizes[version] else { throw fail("unsupported version \(version)") }
        guard recordSize == expected else { throw fail("version \(version) has records of \(expected) bytes, not \(recordSize)") }
        let count = u64(16), heap = u64(24)
        guard count < 1 << 40, heap == headerSize + count * recordSize, heap <= b.count else { throw fail("truncated") }
        return try (0..<count).map { i in
            let r = headerSize + i * recordSize
            let start = heap + u64(r), idLength = u32(r + 8), sourceLength = u32(r + 12)
            guard start + idLength + sourceLength <= b.count else { throw fail("truncated string heap") }
            return ShardDocument(
                id: String(decoding: b[start..<start + idLength], as: UTF8.self),
                source: String(decoding: b[start + idLength..<start + idLength + sourceLength], as: UTF8.self),
                tokens: u32(r + 16), languageScore: f32(r + 20), quality: f32(r + 24), domainScore: f32(r + 28),
                clusterSize: version >= 2 ? u32(r + 32) : 1)
        }
    }
}

/// Writes one Megatron `IndexedDataset` pair, `PREFIX.bin` and `PREFIX.idx`, one
/// sequence per `append`, one document per sequence. Both files are written under
/// temporary names and renamed into place by `finish`, which returns their sizes and
/// checksums.
final class IndexedDatasetWriter {
    let prefix: String
    private let bin: AtomicFile
    private var binHash = XXHash64()
    private var buffer: [UInt8] = []
    private(set) var binBytes = 0
    private(set) var lengths: [Int32] = []

    init(prefix: String) throws {
        self.prefix = prefix
        if let slash = prefix.lastIndex(of: "/") { try makeDirectories(String(prefix[..<slash])) }
        bin = try AtomicFile(path: prefix + ".bin")
        buffer.reserveCapacity(1 << 18)
    }

    /// Appends one sequence: int32 little-endian token ids.
    func append(_ tokens: UnsafeRawBufferPointer) throws {
        if buffer.count + tokens.count > 1 << 18 { try flush() }
        if tokens.count > 1 << 18 {
            binHash.update(tokens)
            try bin.write(tokens)
        } else {
            buffer.append(contentsOf: tokens)
        }
        binBytes += tokens.count
        lengths.append(Int32(tokens.count / 4))
    }

    private func flush() throws {
        binHash.update(buffer)
        try bin.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func finish() throws -> [ShardFile] {
        let (records, files) = try write()
        try AtomicFile.commit(files)
        return records
    }

    /// Writes the rest of `.bin` and the whole `.idx`; returns their records and the two
    /// files, not yet committed (`AtomicFile.commit(_:)`), so that a caller writing many
    /// shards can commit them together.
    func write() throws -> (records: [ShardFile], files: [AtomicFile]) {
        try flush()
        let idx = IndexedDataset.index(sequenceLengths: lengths, documentIndices: (0...lengths.count).map(Int64.init))
        let idxFile = try AtomicFile(path: prefix + ".idx")
        try idxFile.write(idx)
        return ([ShardFile(suffix: ".bin", bytes: binBytes, xxh64: XXHash64.hex(binHash.digest())),
                 ShardFile(suffix: ".idx", bytes: idx.count, xxh64: XXHash64.hex(idx.withUnsafeBytes { XXHash64.hash($0) }))],
                [bin, idxFile])
    }
}

/// Writes one shard: the `IndexedDataset` pair, one sequence per document, and the
/// `.docs` sidecar, each renamed into place when its caller commits them.
final class ShardWriter {
    private let tokens: IndexedDatasetWriter
    private(set) var documents: [ShardDocument] = []
    private(set) var textBytes = 0

    init(prefix: String) throws {
        tokens = try IndexedDatasetWriter(prefix: prefix)
    }

    var prefix: String { tokens.prefix }
    var binBytes: Int { tokens.binBytes }

    /// Appends one document: its tokens, which end with the end-of-text id.
    func append(_ document: ShardDocument, tokens bytes: UnsafeRawBufferPointer, textBytes: Int) throws {
        precondition(bytes.count == document.tokens * 4)
        try tokens.append(bytes)
        documents.append(document)
        self.textBytes += textBytes
    }

    /// Writes the rest; returns the three files' records and the files, not yet committed
    /// (`AtomicFile.commit(_:)`).
    func write() throws -> (records: [ShardFile], files: [AtomicFile]) {
        let docs = DocumentTable.encode(documents)
        let (records, files) = try tokens.write()
        let docsFile = try AtomicFile(path: prefix + ".docs")
        try docsFile.write(docs)
        return (records + [ShardFile(suffix: ".docs", bytes: docs.count, xxh64: XXHash64.hex(docs.withUnsafeBytes { XXHash64.hash($0) }))],
                files + [docsFile])
    }
}
