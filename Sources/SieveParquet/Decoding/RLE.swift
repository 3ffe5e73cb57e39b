/// Parquet's RLE / bit-packed hybrid (levels, dictionary indices, RLE booleans): runs of
/// one repeated value, or groups of eight values packed LSB first at `bitWidth` bits.
struct HybridDecoder {
    private let bytes: UnsafeRawBufferPointer
    private var position: Int
    private let end: Int
    let bitWidth: Int

    init(_ bytes: UnsafeRawBufferPointer, from start: Int = 0, to end: Int? = nil, bitWidth: Int) {
        self.bytes = bytes
        self.position = start
        self.end = end ?? bytes.count
        self.bitWidth = bitWidth
    }

    private mutating func varint() throws -> UInt64 {
        guard let v = readVarint(bytes, &position, end: end) else { throw ParquetError.page("RLE run header past the end") }
        return v
    }

    /// Appends `count` values to `out`.
    mutating func decode(count: Int, into out: inout [UInt32]) throws {
        guard bitWidth <= 32 else { throw ParquetError.page("bit width \(bitWidth) above 32") }
        if bitWidth == 0 {
            out.append(contentsOf: repeatElement(0, count: count))
            return
        }
        var left = count
        let valueBytes = (bitWidth + 7) / 8
        let mask: UInt64 = bitWidth == 32 ? 0xFFFF_FFFF : (1 << UInt64(bitWidth)) - 1
        while left > 0 {
            let header = try varint()
            if header & 1 == 0 {
                let run = Int(clamping: header >> 1)
                guard position + valueBytes <= end else { throw ParquetError.page("RLE value past the end") }
                var value: UInt32 = 0
                for i in 0..<valueBytes { value |= UInt32(bytes[position + i]) << (8 * UInt32(i)) }
                position += valueBytes
                let n = min(run, left)
                out.append(contentsOf: repeatElement(value, count: n))
                left -= n
                guard run > 0 else { throw ParquetError.page("an empty RLE run") }
            } else {
                let groups = Int(clamping: header >> 1)
                guard groups > 0 else { throw ParquetError.page("an empty bit-packed run") }
                let take = min(left, groups > left / 8 + 1 ? left : groups * 8)
                guard (take * bitWidth + 7) / 8 <= end - position else { throw ParquetError.page("bit-packed run past the end") }
                let start = position
                unpack(count: take, mask: mask, into: &out)
                left -= take
                // The run's unused values (padding to a group of eight) are skipped;
                // a last run may end early.
                position = groups > (end - start) / bitWidth ? end : start + groups * bitWidth
            }
        }
    }

    private mutating func unpack(count: Int, mask: UInt64, into out: inout [UInt32]) {
        var bit = 0
        let base = position
        for _ in 0..<count {
            let byte = base + bit >> 3
            let shift = UInt64(bit & 7)
            var word: UInt64 = 0
            let available = min(8, end - byte)
            for i in 0..<available { word |= UInt64(bytes[byte + i]) << (8 * UInt64(i)) }
            out.append(UInt32(truncatingIfNeeded: (word >> shift) & mask))
            bit += bitWidth
        }
        position = base + (bit + 7) >> 3
    }
}

/// Little-endian bit unpacking of `count` values at `width` bits from `bytes[at...]`
/// (DELTA_BINARY_PACKED miniblocks), widths up to 64.
func unpackBits(_ bytes: UnsafeRawBufferPointer, at start: Int, width: Int, count: Int, into out: inout [UInt64]) throws {
    guard width <= 64 else { throw ParquetError.page("bit width \(width) above 64") }
    guard width > 0 else {
        out.append(contentsOf: repeatElement(0, count: count))
        return
    }
    guard start + (count * width + 7) / 8 <= bytes.count else { throw ParquetError.page("bit-packed values past the end") }
    var bit = 0
    for _ in 0..<count {
        var value: UInt64 = 0
        var got = 0
        while got < width {
            let byte = UInt64(bytes[start + (bit >> 3)])
            let offset = bit & 7
            let take = min(8 - offset, width - got)
            value |= ((byte >> UInt64(offset)) & ((1 << UInt64(take)) - 1)) << UInt64(got)
            got += take
            bit += take
        }
        out.append(value)
    }
}
