#if canImport(Glibc)
import Glibc
#endif

/// Reads fastText's model files as fastText 0.9 writes them (`FastText::saveModel`):
/// a magic number and version, the training arguments, the dictionary (every word and
/// label with its count and type, then the pruned n-gram index), the input matrix (dense,
/// or product-quantized in `.ftz`) and the output matrix. Little-endian, as fastText
/// writes on x86-64 and arm64.
struct FastTextFile {
    static let magic: Int32 = 793_712_314
    static let newestVersion: Int32 = 12

    struct Arguments {
        var dim: Int32 = 0, ws: Int32 = 0, epoch: Int32 = 0, minCount: Int32 = 0, neg: Int32 = 0
        var wordNgrams: Int32 = 0, loss: Int32 = 0, model: Int32 = 0, bucket: Int32 = 0
        var minn: Int32 = 0, maxn: Int32 = 0, lrUpdateRate: Int32 = 0
        var t: Double = 0
    }

    struct Entry {
        var word: String
        var count: Int64
        var isLabel: Bool
    }

    var version: Int32 = 0
    var arguments = Arguments()
    var entries: [Entry] = []
    var wordCount = 0, labelCount = 0
    /// Pruned n-gram bucket -> row after the words; nil when the dictionary was not pruned
    /// (fastText's pruneidx_size_ of -1).
    var pruneIndex: [Int32: Int32]?
    var input: FastTextMatrix?
    var output: FastTextMatrix?

    /// Reads `path`; any inconsistency is a `ModelError` naming the file and the part.
    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ModelError("\(path): cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ModelError("\(path): cannot stat: \(String(cString: strerror(errno)))") }
        let size = Int(st.st_size)
        // Populated at once: predictions touch rows all over the matrices.
        guard size > 0, let base = mmap(nil, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0), base != MAP_FAILED else {
            throw ModelError("\(path): empty or unreadable, not a fastText model")
        }
        var reader = Reader(bytes: UnsafeRawBufferPointer(start: base, count: size), path: path,
                            mapping: Mapping(base: base, size: size))
        try read(&reader)
    }

    private mutating func read(_ r: inout Reader) throws {
        r.part = "the header"
        guard try r.int32() == Self.magic else { throw ModelError("\(r.path): not a fastText model (wrong magic number)") }
        version = try r.int32()
        guard version <= Self.newestVersion else {
            throw ModelError("\(r.path): fastText file version \(version); this sieve reads up to \(Self.newestVersion)")
        }
        r.part = "the arguments"
        var a = Arguments()
        a.dim = try r.int32(); a.ws = try r.int32(); a.epoch = try r.int32(); a.minCount = try r.int32()
        a.neg = try r.int32(); a.wordNgrams = try r.int32(); a.loss = try r.int32(); a.model = try r.int32()
        a.bucket = try r.int32(); a.minn = try r.int32(); a.maxn = try r.int32(); a.lrUpdateRate = try r.int32()
        a.t = try r.float64()
        // fastText's own rule: supervised models of version 11 had no character n-grams.
        if version == 11 && a.model == 3 { a.maxn = 0 }
        guard a.dim > 0, a.dim <= 1 << 16, a.bucket >= 0, a.minn >= 0, a.maxn >= 0, a.wordNgrams >= 0 else {
            throw ModelError("\(r.path): damaged arguments (dim \(a.dim), bucket \(a.bucket), minn \(a.minn), maxn \(a.maxn))")
        }
        arguments = a

        r.part = "the dictionary"
        let size = Int(try r.int32()), words = Int(try r.int32()), labels = Int(try r.int32())
        _ = try r.int64()  // tokens seen in training
        let pruned = try r.int64()
        guard size >= 0, words >= 0, labels >= 0, words + labels == size, pruned >= -1, size <= r.remaining else {
            throw ModelError("\(r.path): damaged dictionary header (\(size) entries, \(words) words, \(labels) labels)")
        }
        entries.reserveCapacity(size)
        for i in 0..<size {
            r.part = "the dictionary (entry \(i + 1) of \(size))"
            let word = try r.cString()
            let count = try r.int64()
            let type = try r.uint8()
            guard type <= 1, (type == 1) == (i >= words) else {
                throw ModelError("\(r.path): damaged dictionary: entry \(i + 1) has type \(type)")
            }
            entries.append(Entry(word: word, count: count, isLabel: type == 1))
        }
        wordCount = words
        labelCount = labels
        if pruned >= 0 {
            r.part = "the pruned n-gram index"
            guard pruned <= r.remaining / 8 else { throw ModelError("\(r.path): truncated in the pruned n-gram index") }
            var index: [Int32: Int32] = [:]
            index.reserveCapacity(Int(pruned))
            for _ in 0..<pruned {
                let bucket = try r.int32(), row = try r.int32()
                index[bucket] = row
            }
            pruneIndex = index
        }

        r.part = "the input matrix"
        let quantizedInput = try r.uint8() != 0
        let input = try quantizedInput ? .quantized(QuantizedMatrix(&r)) : FastTextMatrix.dense(&r)
        self.input = input
        if !quantizedInput && pruneIndex != nil {
            throw ModelError("\(r.path): a pruned dictionary with a dense input matrix (fastText refuses such files too)")
        }
        r.part = "the output matrix"
        let quantizedOutput = try r.uint8() != 0
        let output = try quantizedInput && quantizedOutput ? .quantized(QuantizedMatrix(&r)) : FastTextMatrix.dense(&r)
        self.output = output
        guard r.remaining == 0 else { throw ModelError("\(r.path): \(r.remaining) bytes after the output matrix") }

        let inputRows = words + (pruneIndex.map(\.count) ?? Int(a.bucket))
        guard input.rows == inputRows, input.columns == Int(a.dim) else {
            throw ModelError("\(r.path): input matrix \(input.rows) x \(input.columns), the dictionary needs \(inputRows) x \(a.dim)")
        }
        guard output.rows == labels, output.columns == Int(a.dim) else {
            throw ModelError("\(r.path): output matrix \(output.rows) x \(output.columns), the model needs \(labels) x \(a.dim) (only supervised models are read)")
        }
    }

    /// Bounds-checked little-endian reads; `part` names where an error happened.
    struct Reader {
        let bytes: UnsafeRawBufferPointer
        let path: String
        /// Owns the mapped file; dense matrices keep it and read their floats in place.
        let mapping: Mapping
        var offset = 0
        var part = ""

        init(bytes: UnsafeRawBufferPointer, path: String, mapping: Mapping) {
            self.bytes = bytes
            self.path = path
            self.mapping = mapping
        }

        var remaining: Int { bytes.count - offset }

        mutating func take(_ n: Int) throws -> UnsafeRawBufferPointer {
            guard n >= 0, n <= remaining else { throw ModelError("\(path): truncated in \(part)") }
            defer { offset += n }
            return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n])
        }

        mutating func int32() throws -> Int32 { Int32(littleEndian: try take(4).loadUnaligned(as: Int32.self)) }
        mutating func int64() throws -> Int64 { Int64(littleEndian: try take(8).loadUnaligned(as: Int64.self)) }
        mutating func uint8() throws -> UInt8 { try take(1)[0] }
        mutating func float64() throws -> Double { Double(bitPattern: UInt64(littleEndian: try take(8).loadUnaligned(as: UInt64.self))) }

        mutating func floats(_ n: Int) throws -> [Float] {
            guard n >= 0, n <= remaining / 4 else { throw ModelError("\(path): truncated in \(part)") }
            let raw = try take(4 * n)
            return [Float](unsafeUninitializedCapacity: n) { buffer, count in
                memcpy(buffer.baseAddress!, raw.baseAddress!, 4 * n)
                count = n
            }
        }

        mutating func bytes(_ n: Int) throws -> [UInt8] { Array(try take(n)) }

        /// A word: bytes up to a NUL (fastText writes words so).
        mutating func cString() throws -> String {
            guard let end = bytes[offset...].firstIndex(of: 0) else { throw ModelError("\(path): truncated in \(part)") }
            let word = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), as: UTF8.self)
            offset = end + 1
            return word
        }
    }
}

/// A read-only mapping of a model file, unmapped when the last matrix reading from it goes.
final class Mapping: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let size: Int

    init(base: UnsafeMutableRawPointer, size: Int) {
        self.base = base
        self.size = size
    }

    deinit { munmap(base, size) }
}

/// A dense matrix's floats where the file has them: not copied, since a DCLM-sized input
/// matrix is 800 MB. fastText writes them at any byte offset, so they are read unaligned.
struct MappedFloats: @unchecked Sendable {
    let mapping: Mapping
    let start: UnsafeRawPointer
    let count: Int
}

/// A fastText matrix: dense floats, or product-quantized codes (`.ftz`).
enum FastTextMatrix {
    case dense(rows: Int, columns: Int, values: MappedFloats)
    case quantized(QuantizedMatrix)

    var rows: Int {
        switch self {
        case .dense(let rows, _, _): return rows
        case .quantized(let q): return q.rows
        }
    }

    var columns: Int {
        switch self {
        case .dense(_, let columns, _): return columns
        case .quantized(let q): return q.columns
        }
    }

    static func dense(_ r: inout FastTextFile.Reader) throws -> FastTextMatrix {
        let rows = try r.int64(), columns = try r.int64()
        guard rows >= 0, columns > 0, rows <= Int64(r.remaining / 4) / columns else {
            throw ModelError("\(r.path): \(rows) x \(columns) floats in \(r.part), more than the file holds (truncated?)")
        }
        let start = try r.take(Int(rows * columns) * 4).baseAddress ?? UnsafeRawPointer(r.mapping.base)
        return .dense(rows: Int(rows), columns: Int(columns), values: MappedFloats(mapping: r.mapping, start: start, count: Int(rows * columns)))
    }
}

/// fastText's `ProductQuantizer`: a row's `dim` values in `subquantizers` slices of
/// `subDim` (the last `lastSubDim`), each slice one of 256 centroids.
struct ProductQuantizer {
    let dim: Int, subquantizers: Int, subDim: Int, lastSubDim: Int
    let centroids: [Float]

    init(_ r: inout FastTextFile.Reader) throws {
        dim = Int(try r.int32()); subquantizers = Int(try r.int32())
        subDim = Int(try r.int32()); lastSubDim = Int(try r.int32())
        guard dim > 0, subquantizers > 0, subDim > 0, lastSubDim > 0, dim <= 1 << 16,
              (subquantizers - 1) * subDim + lastSubDim == dim else {
            throw ModelError("\(r.path): damaged product quantizer in \(r.part) (dim \(dim), \(subquantizers) x \(subDim), last \(lastSubDim))")
        }
        centroids = try r.floats(dim * 256)
    }

    /// Offset of centroid `code` of slice `m` (fastText's get_centroids).
    @inline(__always)
    func centroid(_ m: Int, _ code: UInt8) -> Int {
        m == subquantizers - 1 ? m * 256 * subDim + Int(code) * lastSubDim : (m * 256 + Int(code)) * subDim
    }
}

/// fastText's `QuantMatrix`: codes per row, and optionally each row's norm quantized apart.
struct QuantizedMatrix {
    let rows: Int, columns: Int
    let codes: [UInt8]
    let quantizer: ProductQuantizer
    let normCodes: [UInt8]?
    let normQuantizer: ProductQuantizer?

    init(_ r: inout FastTextFile.Reader) throws {
        let hasNorms = try r.uint8() != 0
        let rows = try r.int64(), columns = try r.int64()
        let codeSize = Int(try r.int32())
        guard rows >= 0, columns > 0, rows <= Int64(r.remaining), codeSize >= 0 else {
            throw ModelError("\(r.path): damaged quantized matrix in \(r.part) (\(rows) x \(columns))")
        }
        self.rows = Int(rows)
        self.columns = Int(columns)
        codes = try r.bytes(codeSize)
        quantizer = try ProductQuantizer(&r)
        guard quantizer.dim == self.columns, codeSize == self.rows * quantizer.subquantizers else {
            throw ModelError("\(r.path): quantized matrix in \(r.part): \(codeSize) codes for \(rows) rows of \(quantizer.subquantizers)")
        }
        if hasNorms {
            normCodes = try r.bytes(self.rows)
            let norms = try ProductQuantizer(&r)
            guard norms.dim == 1 else { throw ModelError("\(r.path): damaged norm quantizer in \(r.part)") }
            normQuantizer = norms
        } else {
            normCodes = nil
            normQuantizer = nil
        }
    }

    /// The row's norm (1 without norms), as fastText's `addRowToVector` and `dotRow`.
    @inline(__always)
    func norm(_ row: Int) -> Float {
        guard let normCodes, let normQuantizer else { return 1 }
        return normQuantizer.centroids[normQuantizer.centroid(0, normCodes[row])]
    }
}
