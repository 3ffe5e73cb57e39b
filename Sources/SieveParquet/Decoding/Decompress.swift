import CSnappy
import CZlib
import CZstd

/// Page decompression with the system's libraries: snappy, zstd and gzip (zlib).
enum Decompress {
    static func page(_ codec: Codec, _ input: UnsafeRawBufferPointer, size: Int) throws -> [UInt8] {
        guard size > 0 else { return [] }
        // Filled by the codec below, so not zeroed first; every path checks that it
        // produced exactly `size` bytes before the array is used.
        var out = [UInt8](unsafeUninitializedCapacity: size) { _, count in count = size }
        switch codec {
        case .uncompressed:
            guard input.count == size else { throw ParquetError.page("an uncompressed page of \(input.count) bytes, \(size) declared") }
            out.withUnsafeMutableBytes { $0.copyMemory(from: input) }
        case .snappy:
            var length = 0
            guard snappy_uncompressed_length(input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count, &length) == SNAPPY_OK,
                  length == size else { throw ParquetError.decompression("snappy: not a snappy block of \(size) bytes") }
            let status = out.withUnsafeMutableBytes { o in
                snappy_uncompress(input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count,
                                  o.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
            }
            guard status == SNAPPY_OK else { throw ParquetError.decompression("snappy: damaged block") }
        case .zstd:
            // A page may be several frames (some writers); decompress until the input ends.
            var produced = 0
            guard let stream = ZSTD_createDStream() else { throw ParquetError.decompression("zstd: out of memory") }
            defer { ZSTD_freeDStream(stream) }
            try out.withUnsafeMutableBytes { o in
                var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
                var outBuffer = ZSTD_outBuffer(dst: o.baseAddress, size: size, pos: 0)
                while inBuffer.pos < inBuffer.size {
                    let before = (inBuffer.pos, outBuffer.pos)
                    let r = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
                    if ZSTD_isError(r) != 0 { throw ParquetError.decompression("zstd: \(String(cString: ZSTD_getErrorName(r)))") }
                    if inBuffer.pos == before.0 && outBuffer.pos == before.1 {
                        throw ParquetError.decompression("zstd: more than the \(size) bytes declared")
                    }
                }
                produced = outBuffer.pos
            }
            guard produced == size else { throw ParquetError.decompression("zstd: \(produced) bytes, \(size) declared") }
        case .gzip:
            var stream = z_stream()
            // 15 + 32: zlib or gzip headers, detected.
            guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw ParquetError.decompression("gzip: cannot start zlib")
            }
            defer { inflateEnd(&stream) }
            let result: Int32 = out.withUnsafeMutableBytes { o in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: UInt8.self))
                stream.avail_in = UInt32(input.count)
                stream.next_out = o.baseAddress!.assumingMemoryBound(to: UInt8.self)
                stream.avail_out = UInt32(size)
                return inflate(&stream, Z_FINISH)
            }
            guard result == Z_STREAM_END, Int(stream.total_out) == size else {
                throw ParquetError.decompression("gzip: damaged or not \(size) bytes (zlib \(result))")
            }
        case .lz4Raw, .lz4, .lzo, .brotli:
            throw ParquetError.unsupported("codec \(codec)")
        }
        return out
    }
}
