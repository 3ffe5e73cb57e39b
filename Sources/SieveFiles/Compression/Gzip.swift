import CZlib

/// Streaming gzip decompression; members follow one another (multi-member files, as
/// written by `cat a.gz b.gz` and by per-record WARC compression).
public final class GzipDecoder: StreamDecoder {
    private var stream = z_stream()
    public private(set) var atCleanEnd = true
    /// Set between members: the next byte starts a new member (or the stream ends).
    private var betweenMembers = true
    public private(set) var failure: CompressionError?

    public init() {
        // 15 + 32: a window of 2^15 bytes, gzip or zlib header detected automatically.
        let status = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "inflateInit2 failed: \(status)")
    }

    deinit { inflateEnd(&stream) }

    public func decode(_ input: UnsafeRawBufferPointer, position: inout Int,
                into output: UnsafeMutableRawBufferPointer) -> Int {
        var written = 0
        guard failure == nil else { return 0 }
        while written < output.count && position < input.count {
            if betweenMembers {
                betweenMembers = false
                atCleanEnd = false
            }
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self) + position)
            stream.avail_in = uInt(input.count - position)
            stream.next_out = (output.baseAddress! + written).assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(output.count - written)
            let status = inflate(&stream, Z_NO_FLUSH)
            let consumed = input.count - position - Int(stream.avail_in)
            position += consumed
            written = output.count - Int(stream.avail_out)
            switch status {
            case Z_STREAM_END:
                inflateReset(&stream)
                betweenMembers = true
                atCleanEnd = true
            case Z_OK:
                continue
            case Z_BUF_ERROR where consumed == 0:
                return written
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                failure = CompressionError(message: "gzip: \(message)")
                return written
            }
        }
        return written
    }
}

public enum Gzip {
    /// Compresses `input` into one gzip member.
    public static func compressMember(_ input: UnsafeRawBufferPointer, level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        // 15 + 16: gzip header and trailer.
        let status = deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "deflateInit2 failed: \(status)")
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count))) + 32
        var out = [UInt8](repeating: 0, count: bound)
        let written = out.withUnsafeMutableBytes { dst -> Int in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = dst.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(bound)
            let result = deflate(&stream, Z_FINISH)
            precondition(result == Z_STREAM_END, "deflate into a bound-sized buffer must finish")
            return bound - Int(stream.avail_out)
        }
        out.removeLast(bound - written)
        return out
    }
}
