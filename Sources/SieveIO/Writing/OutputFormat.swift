import SieveFiles
/// How documents are written: JSON lines, compressed according to the file name.
/// Each batch becomes one zstd frame (with its content size) or one gzip member, so
/// workers compress in parallel and the file stays splittable.
public struct OutputFormat: Sendable, Equatable {
    public var compression: Compression
    public var zstdLevel: Int32 = 3
    public var gzipLevel: Int32 = 6

    public init(compression: Compression) { self.compression = compression }

    /// From an output path: `.zst` → zstd, `.gz` → gzip, anything else plain.
    public init(path: String) { self.init(compression: Compression(path: path)) }

    /// File extension for unit outputs.
    public var fileExtension: String {
        switch compression {
        case .none: return "jsonl"
        case .zstd: return "jsonl.zst"
        case .gzip: return "jsonl.gz"
        }
    }

    /// Encodes plain bytes as one frame/member; an empty input gives an empty frame, so
    /// an output with no documents is still a valid compressed file.
    func encode(_ plain: [UInt8]) -> [UInt8] {
        switch compression {
        case .none: return plain
        case .zstd: return plain.withUnsafeBytes { Zstd.compressFrame($0, level: zstdLevel) }
        case .gzip: return plain.withUnsafeBytes { Gzip.compressMember($0, level: gzipLevel) }
        }
    }
}
