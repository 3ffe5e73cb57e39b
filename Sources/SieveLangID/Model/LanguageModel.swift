import Foundation
import SieveFiles

/// The trained language-ID model: the registry it was trained for and one linear scorer
/// per script group over hashed features (`Features`). Format: docs/langid.md.
public struct LanguageModel: Sendable {
    /// Languages the model knows, in registry order.
    public var registry: LanguageRegistry
    /// One entry per script group with at least one language.
    var groups: [ScriptGroup]

    /// The scorer of one script group. A group of one language needs no weights.
    struct ScriptGroup: Sendable {
        /// The group's script (`Latn`, `Cyrl`, `Hani` for Han with kana).
        var script: String
        /// Registry indices of the languages the group decides between; languages of the
        /// script without training text are absent (they cannot be detected).
        var classes: [Int]
        /// log2 of the number of feature buckets; 0 when there are no weights.
        var bucketBits: Int
        /// Calibration: probabilities are softmax(a * n^b * logits), n = feature count.
        var calibrationA: Float
        var calibrationB: Float
        /// Per class bias.
        var bias: [Float]
        /// Per bucket scale of the quantized row.
        var scales: [Float]
        /// `buckets x (8 * lanes)` weights, row-major, `weight = scale * Float(int8)`;
        /// each row is padded with zeros to a multiple of 8 classes.
        var weights: [Int8]

        /// Vectors of 8 classes per row.
        var lanes: Int { (classes.count + 7) / 8 }

        var bucketMask: UInt32 { bucketBits == 0 ? 0 : (UInt32(1) << UInt32(bucketBits)) - 1 }
    }

    static let magic: [UInt8] = Array("SIEVELID".utf8)
    /// Version 2 added each language's group and prior; version 1 files still load (no
    /// groups, prior 1).
    static let version: UInt32 = 2

    /// Reads a model file.
    public init(contentsOfFile path: String) throws {
        guard let file = FileManager.default.contents(atPath: path) else { throw LangIDError.unreadable(path) }
        var reader = BinaryReader(bytes: try Self.decompressed(file, path: path), path: path)
        let languages = try Self.readLanguages(&reader)
        registry = LanguageRegistry(languages: languages)
        groups = []
        for _ in 0..<(try reader.count(atLeast: 20, each: "script groups")) {
            let script = try reader.string()
            let classes = try (0..<(try reader.count(atLeast: 4, each: "classes"))).map { _ in Int(try reader.u32()) }
            guard classes.allSatisfy({ $0 < languages.count }), !classes.isEmpty else {
                throw LangIDError.malformed(path, "group \(script) names unknown languages")
            }
            let bits = Int(try reader.u32())
            guard bits <= 24 else { throw LangIDError.malformed(path, "group \(script): \(bits) bucket bits") }
            let a = try reader.f32(), b = try reader.f32()
            let buckets = bits == 0 ? 0 : 1 << bits
            let bias = try (0..<classes.count).map { _ in try reader.f32() }
            let scales = try reader.f32s(buckets)
            let weights = try reader.int8s(buckets * ((classes.count + 7) / 8 * 8))
            groups.append(ScriptGroup(script: script, classes: classes, bucketBits: bits, calibrationA: a, calibrationB: b,
                                      bias: bias, scales: scales, weights: weights))
        }
        guard reader.atEnd else { throw LangIDError.malformed(path, "trailing bytes") }
    }

    /// The registry of a model file, without its weights: the file is read and
    /// decompressed only as far as the languages go, a few kilobytes (a pass that does not
    /// detect languages still records them in its manifest).
    public static func registry(contentsOfFile path: String) throws -> LanguageRegistry {
        guard let file = FileHandle(forReadingAtPath: path) else { throw LangIDError.unreadable(path) }
        defer { try? file.close() }
        let decoder = ZstdDecoder()
        var start: [UInt8] = []
        var output = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let input = (try? file.read(upToCount: 1 << 16)) ?? nil
            let atEnd = input?.isEmpty ?? true
            if let input, !input.isEmpty {
                input.withUnsafeBytes { input in
                    var position = 0
                    // Drain the decoder: the last call writes less than the buffer holds.
                    while true {
                        let n = output.withUnsafeMutableBytes { decoder.decode(input, position: &position, into: $0) }
                        start += output[..<n]
                        if n < output.count { break }
                    }
                }
            }
            guard decoder.failure == nil, !(atEnd && start.isEmpty) else {
                throw LangIDError.malformed(path, "not a Sieve language-ID model (not one complete zstd frame)")
            }
            do {
                var reader = BinaryReader(bytes: start, path: path)
                return LanguageRegistry(languages: try readLanguages(&reader))
            } catch where !atEnd {
                continue  // cut by what is read so far, not by the file: read more of it
            }
        }
    }

    /// The header and the languages, from the start of the model bytes.
    private static func readLanguages(_ reader: inout BinaryReader) throws -> [Language] {
        let path = reader.path
        guard try reader.bytes(8) == Self.magic else { throw LangIDError.malformed(path, "not a Sieve language-ID model") }
        let version = try reader.u32()
        guard version == 1 || version == Self.version else { throw LangIDError.malformed(path, "unsupported model version") }
        var languages: [Language] = []
        for _ in 0..<(try reader.count(atLeast: 24, each: "languages")) {
            var language = Language(code: try reader.string(), name: try reader.string(), family: try reader.string(),
                                    script: try reader.string(), segmentation: try reader.string(),
                                    minScore: Self.rounded(try reader.f32()))
            if version >= 2 {
                language.group = try reader.string()
                language.prior = Self.rounded(try reader.f32())
                guard language.prior > 0 else { throw LangIDError.malformed(path, "\(language.code): prior must be positive") }
            }
            languages.append(language)
        }
        return languages
    }

    /// Scores and priors are stored as f32 and read back with 4 decimals, as written in
    /// the registry.
    static func rounded(_ value: Float) -> Double { (Double(value) * 10_000).rounded() / 10_000 }

    init(registry: LanguageRegistry, groups: [ScriptGroup]) {
        self.registry = registry
        self.groups = groups
    }

    /// The model file's bytes.
    func serialized() -> [UInt8] {
        var w = BinaryWriter()
        w.bytes(Self.magic)
        w.u32(Self.version)
        w.u32(UInt32(registry.languages.count))
        for l in registry.languages {
            for s in [l.code, l.name, l.family, l.script, l.segmentation] { w.string(s) }
            w.f32(Float(l.minScore))
            w.string(l.group)
            w.f32(Float(l.prior))
        }
        w.u32(UInt32(groups.count))
        for g in groups {
            w.string(g.script)
            w.u32(UInt32(g.classes.count))
            for c in g.classes { w.u32(UInt32(c)) }
            w.u32(UInt32(g.bucketBits))
            w.f32(g.calibrationA)
            w.f32(g.calibrationB)
            for b in g.bias { w.f32(b) }
            for s in g.scales { w.f32(s) }
            w.bytes(g.weights.map { UInt8(bitPattern: $0) })
        }
        return w.data
    }

    /// zstd level of the model file: the file is one zstd frame (with its content size)
    /// of `serialized()`, 24 MB of mostly int8 weights in 14 MB.
    static let compressionLevel: Int32 = 19

    /// The file's bytes: `serialized()` as one zstd frame.
    func compressed() -> Data {
        Data(serialized().withUnsafeBytes { Zstd.compressFrame($0, level: Self.compressionLevel) })
    }

    /// The model bytes inside a model file (one zstd frame with its content size).
    static func decompressed(_ file: Data, path: String) throws -> [UInt8] {
        guard let bytes = file.withUnsafeBytes({ Zstd.decompressFrame($0) }) else {
            throw LangIDError.malformed(path, "not a Sieve language-ID model (not one complete zstd frame)")
        }
        return bytes
    }

    /// Writes the model atomically (temporary file, then rename).
    public func write(to path: String) throws {
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: compressed()) else {
            throw LangIDError.unreadable(temporary)
        }
        guard rename(temporary, path) == 0 else { throw LangIDError.unreadable(path) }
    }
}

/// Little-endian reader over a model file.
struct BinaryReader {
    let bytes: [UInt8]
    let path: String
    var offset = 0

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    var atEnd: Bool { offset == bytes.count }

    mutating func bytes(_ n: Int) throws -> [UInt8] {
        guard n >= 0, offset + n <= bytes.count else { throw LangIDError.malformed(path, "truncated") }
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }

    mutating func u32() throws -> UInt32 {
        let b = try bytes(4)
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }

    mutating func f32() throws -> Float { Float(bitPattern: try u32()) }

    /// A count of entries of at least `entryBytes` bytes each, checked against what is left
    /// of the file before anything is reserved by it: a damaged count would otherwise ask
    /// for gigabytes.
    mutating func count(atLeast entryBytes: Int, each what: String) throws -> Int {
        let n = Int(try u32())
        guard n <= (bytes.count - offset) / entryBytes else {
            throw LangIDError.malformed(path, "claims \(n) \(what), more than the file holds")
        }
        return n
    }

    /// `n` int8 values, copied straight into their array (the weight tables are megabytes).
    mutating func int8s(_ n: Int) throws -> [Int8] {
        guard n >= 0, offset + n <= bytes.count else { throw LangIDError.malformed(path, "truncated") }
        let out = [Int8](unsafeUninitializedCapacity: n) { buffer, count in
            bytes.withUnsafeBytes { src in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<offset + n]))
            }
            count = n
        }
        offset += n
        return out
    }

    mutating func f32s(_ n: Int) throws -> [Float] {
        guard offset + 4 * n <= bytes.count else { throw LangIDError.malformed(path, "truncated") }
        var out = [Float](repeating: 0, count: n)
        out.withUnsafeMutableBytes { dst in
            bytes.withUnsafeBytes { src in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<offset + 4 * n]))
            }
        }
        offset += 4 * n
        return out.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
    }

    mutating func string() throws -> String {
        let n = Int(try u32())
        guard let s = String(validating: try bytes(n), as: UTF8.self) else { throw LangIDError.malformed(path, "bad string") }
        return s
    }
}

/// Little-endian writer of a model file.
struct BinaryWriter {
    var data: [UInt8] = []

    mutating func bytes(_ b: [UInt8]) { data.append(contentsOf: b) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func string(_ s: String) {
        u32(UInt32(s.utf8.count))
        data.append(contentsOf: s.utf8)
    }
}
