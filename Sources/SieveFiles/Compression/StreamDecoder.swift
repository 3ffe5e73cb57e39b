/// A compressed stream that could not be decoded.
public struct CompressionError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Push-style decompression with bounded output: memory stays flat however well the
/// input compresses.
public protocol StreamDecoder: AnyObject {
    /// Decodes from `input[position...]` into `output`, advancing `position`; returns the
    /// number of bytes written. Returns 0 when it needs more input or has failed.
    func decode(_ input: UnsafeRawBufferPointer, position: inout Int,
                into output: UnsafeMutableRawBufferPointer) -> Int
    /// Set once the stream turned out to be corrupt; the bytes returned before it are good.
    var failure: CompressionError? { get }
    /// True when the stream so far ends at a frame or member boundary, so that ending
    /// here is not a truncation.
    var atCleanEnd: Bool { get }
}

/// Plain bytes.
public final class IdentityDecoder: StreamDecoder {
    public let atCleanEnd = true
    public let failure: CompressionError? = nil

    public init() {}

    public func decode(_ input: UnsafeRawBufferPointer, position: inout Int,
                into output: UnsafeMutableRawBufferPointer) -> Int {
        let n = min(input.count - position, output.count)
        if n > 0 {
            output.baseAddress!.copyMemory(from: input.baseAddress! + position, byteCount: n)
        }
        position += n
        return n
    }
}

/// How an input file is compressed, from its name.
public enum Compression: String, Sendable, Codable, CaseIterable {
    case none, zstd, gzip

    /// `.zst` and `.zstd` are zstd, `.gz` is gzip, anything else is plain.
    public init(path: String) {
        if path.hasSuffix(".zst") || path.hasSuffix(".zstd") {
            self = .zstd
        } else if path.hasSuffix(".gz") {
            self = .gzip
        } else {
            self = .none
        }
    }

    /// A decoder for a stream of this kind.
    public func makeDecoder() -> StreamDecoder {
        switch self {
        case .none: return IdentityDecoder()
        case .zstd: return ZstdDecoder()
        case .gzip: return GzipDecoder()
        }
    }

    /// The file name without the compression extension.
    public static func strip(_ name: String) -> String {
        for ext in [".zst", ".zstd", ".gz"] where name.hasSuffix(ext) {
            return String(name.dropLast(ext.count))
        }
        return name
    }
}
