/// ULEB128, as Parquet's RLE run headers, DELTA headers and Thrift's compact protocol
/// write integers: the value, or nil when the bytes end before it does or it runs past
/// 64 bits. `at` moves past what was read.
func readVarint(_ bytes: UnsafeRawBufferPointer, _ at: inout Int, end: Int) -> UInt64? {
    var result: UInt64 = 0
    var shift: UInt64 = 0
    while at < end {
        let b = bytes[at]
        at += 1
        result |= UInt64(b & 0x7F) << shift
        if b & 0x80 == 0 { return result }
        shift += 7
        if shift >= 64 { return nil }
    }
    return nil
}
