import CLZ4
import CSnappy
import CZlib
import CZstd

/// Page decompression with the system's libraries: snappy, zstd, gzip (zlib) and LZ4.
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
        case .lz4Raw:
            try lz4Block(input, into: &out, size: size)
        case .lz4:
            // The deprecated LZ4 codec: Hadoop's framing (big-endian sizes before each
            // block) as parquet-mr wrote it, or a bare block as some other writers did.
            if (try? hadoopLZ4(input, into: &out, size: size)) == nil { try lz4Block(input, into: &out, size: size) }
        case .lzo, .brotli:
            throw ParquetError.unsupported("codec \(codec)")
        }
        return out
    }

    private static func lz4Block(_ input: UnsafeRawBufferPointer, into out: inout [UInt8], size: Int, at offset: Int = 0) throws {
        guard input.count < Int(Int32.max), size - offset < Int(Int32.max) else { throw ParquetError.decompression("lz4: a page over 2 GB") }
        let n = out.withUnsafeMutableBytes { o in
            LZ4_decompress_safe(input.baseAddress?.assumingMemoryBound(to: CChar.self),
                                o.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self),
                                Int32(input.count), Int32(size - offset))
        }
        guard offset == 0 ? Int(n) == size : n >= 0 else { throw ParquetError.decompression("lz4: damaged block or not \(size) bytes") }
        if offset != 0 && Int(n) != size - offset { throw ParquetError.decompression("lz4: a Hadoop frame of another size") }
    }

    private static func hadoopLZ4(_ input: UnsafeRawBufferPointer, into out: inout [UInt8], size: Int) throws {
        var at = 0, produced = 0
        func be32(_ i: Int) -> Int { Int(UInt32(bigEndian: input.loadUnaligned(fromByteOffset: i, as: UInt32.self))) }
        while at < input.count {
            guard at + 8 <= input.count else { throw ParquetError.decompression("lz4: a Hadoop frame header cut short") }
            let frameOut = be32(at), frameIn = be32(at + 4)
            at += 8
            guard frameIn <= input.count - at, frameOut <= size - produced else { throw ParquetError.decompression("lz4: Hadoop frame sizes out of range") }
            try lz4Block(UnsafeRawBufferPointer(rebasing: input[at..<at + frameIn]), into: &out, size: produced + frameOut, at: produced)
            produced += frameOut
            at += frameIn
        }
        guard produced == size else { throw ParquetError.decompression("lz4: Hadoop frames hold \(produced) bytes, \(size) declared") }
    }
}
