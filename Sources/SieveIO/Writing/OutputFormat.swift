import SieveFiles
/// How documents are written: JSON lines, compressed according to the file name, or
/// Parquet. For JSON lines each batch becomes one zstd frame (with its content size) or
/// one gzip member, so workers compress in parallel and the file stays splittable.
public struct OutputFormat: Sendable, Equatable {
    /// The file's layout: JSON lines, or Parquet (SieveParquet's DocumentWriter).
    public enum Container: String, Sendable, CaseIterable {
        case jsonl, parquet
    }

    public var container = Container.jsonl
    /// JSON lines only; Parquet compresses its pages with zstd.
    public var compression: Compression
    public var zstdLevel: Int32 = 3
    public var gzipLevel: Int32 = 6
    /// Parquet: text bytes per row group.
    public var rowGroupBytes = 128 << 20

    public init(compression: Compression) { self.compression = compression }

    public init(container: Container, compression: Compression = .zstd) {
        self.container = container
        self.compression = compression
    }

    /// From an output path: `.parquet` → Parquet, `.zst` → zstd, `.gz` → gzip, anything
    /// else plain JSON lines.
    public init(path: String) {
        self.init(compression: Compression(path: path))
        if path.hasSuffix(".parquet") { container = .parquet }
    }

    /// File extension for unit outputs.
    public var fileExtension: String {
        if container == .parquet { return "parquet" }
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
