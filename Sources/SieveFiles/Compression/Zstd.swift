import CZstd

/// One-shot zstd compression, and the frame layout of zstd files.
public enum Zstd {
    /// Compresses `input` into one frame whose header records the content size, which
    /// makes multi-frame outputs splittable at frame boundaries.
    public static func compressFrame(_ input: UnsafeRawBufferPointer, level: Int32 = 3) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        return [UInt8](unsafeUninitializedCapacity: bound) { dst, count in
            count = ZSTD_compress(dst.baseAddress, bound, input.baseAddress, input.count, level)
            precondition(ZSTD_isError(count) == 0, "zstd compression into a bound-sized buffer cannot fail")
        }
    }

    /// Decompresses one frame written by `compressFrame` (its header records the size);
    /// nil when the bytes are not such a frame, all of them. A header that claims more
    /// than the data holds costs no memory beyond what zstd writes: up to `oneShotLimit`
    /// the output is reserved whole but not zeroed, so untouched pages are never mapped;
    /// past it, the output grows as zstd writes it, so a claim of terabytes is refused
    /// instead of failing the allocation.
    public static func decompressFrame(_ input: UnsafeRawBufferPointer) -> [UInt8]? {
        let size = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        guard size < UInt64.max - 1, size <= UInt64(Int.max),
              ZSTD_findFrameCompressedSize(input.baseAddress, input.count) == input.count else { return nil }
        guard size > oneShotLimit else {
            var ok = false
            let out = [UInt8](unsafeUninitializedCapacity: Int(size)) { dst, count in
                let n = ZSTD_decompress(dst.baseAddress, Int(size), input.baseAddress, input.count)
                ok = ZSTD_isError(n) == 0 && n == Int(size)
                count = ok ? n : 0
            }
            return ok ? out : nil
        }
        let decoder = ZstdDecoder()
        var out: [UInt8] = []
        var position = 0
        let chunk = 1 << 17
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: chunk) { buffer -> [UInt8]? in
            while true {
                let n = decoder.decode(input, position: &position, into: UnsafeMutableRawBufferPointer(buffer))
                guard decoder.failure == nil, UInt64(out.count + n) <= size else { return nil }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<n]))
                // Less than a buffer: the input is used up; the frame must have ended there.
                if n < chunk { return decoder.atCleanEnd && UInt64(out.count) == size ? out : nil }
            }
        }
    }

    /// Frames that claim at most this much are decompressed in one call (spill batches
    /// and models are far smaller).
    static let oneShotLimit: UInt64 = 1 << 30

    /// A frame of a zstd file.
    public struct Frame {
        public var offset: Int
        public var compressedSize: Int
        /// Decompressed size from the frame header; nil when the header does not say.
        public var contentSize: Int?
    }

    /// The frames of a complete zstd file (skippable frames count as empty), or nil when
    /// the bytes are not a well-formed sequence of frames. Reads only frame and block
    /// headers, not the compressed data.
    public static func frames(of data: UnsafeRawBufferPointer) -> [Frame]? {
        var frames: [Frame] = []
        var offset = 0
        while offset < data.count {
            let rest = UnsafeRawBufferPointer(rebasing: data[offset...])
            let size = ZSTD_findFrameCompressedSize(rest.baseAddress, rest.count)
            guard ZSTD_isError(size) == 0, size > 0 else { return nil }
            var contentSize: Int? = 0
            if rest.count >= 4, rest.loadUnaligned(as: UInt32.self) & 0xFFFF_FFF0 != 0x184D_2A50 {
                let content = ZSTD_getFrameContentSize(rest.baseAddress, rest.count)
                contentSize = content >= UInt64.max - 1 ? nil : Int(content)
            }
            frames.append(Frame(offset: offset, compressedSize: size, contentSize: contentSize))
            offset += size
        }
        return frames
    }
}

/// Streaming zstd decompression; frames follow one another.
public final class ZstdDecoder: StreamDecoder {
    private let stream: OpaquePointer
    public private(set) var atCleanEnd = true
    public private(set) var failure: CompressionError?

    public init() {
        stream = ZSTD_createDStream()
        ZSTD_initDStream(stream)
    }

    deinit { ZSTD_freeDStream(stream) }

    public func decode(_ input: UnsafeRawBufferPointer, position: inout Int,
                into output: UnsafeMutableRawBufferPointer) -> Int {
        guard failure == nil else { return 0 }
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: position)
        var outBuffer = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        // Loop until the output is full or the input is used up and nothing is left buffered.
        while outBuffer.pos < outBuffer.size {
            let before = (inBuffer.pos, outBuffer.pos)
            let result = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
            if ZSTD_isError(result) != 0 {
                failure = CompressionError(message: "zstd: " + String(cString: ZSTD_getErrorName(result)))
                break
            }
            // A call without progress only asks for more input; it says nothing new about frames.
            if (inBuffer.pos, outBuffer.pos) == before { break }
            atCleanEnd = result == 0
        }
        position = inBuffer.pos
        return outBuffer.pos
    }
}
