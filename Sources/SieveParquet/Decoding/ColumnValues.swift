/// Variable-length values where they lie: a plain page's values stay in the decompressed
/// page and dictionary-encoded values in the dictionary, each value a range of one of
/// `buffers`; only the DELTA encodings and fixed-length values are copied (into
/// `buffers[0]`). Saves a copy of every string between the page and the document.
struct ByteArrays {
    private(set) var buffers: [[UInt8]] = [[]]
    private var buffer: [Int32] = []
    private var starts: [Int] = []
    private var ends: [Int] = []

    var count: Int { starts.count }

    /// Copies a value in.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        starts.append(buffers[0].count)
        buffers[0].append(contentsOf: bytes)
        buffer.append(0)
        ends.append(buffers[0].count)
    }

    mutating func append(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Keeps `bytes` as one of the buffers, for `reference`.
    mutating func adopt(_ bytes: [UInt8]) -> Int32 {
        buffers.append(bytes)
        return Int32(buffers.count - 1)
    }

    /// Keeps every buffer of `other` (a dictionary); its value i is then
    /// `(base + other's buffer of i, same range)`.
    mutating func adopt(_ other: ByteArrays) -> Int32 {
        let base = Int32(buffers.count)
        buffers.append(contentsOf: other.buffers)
        return base
    }

    /// A value that lies in an adopted buffer.
    mutating func reference(_ b: Int32, _ start: Int, _ end: Int) {
        buffer.append(b)
        starts.append(start)
        ends.append(end)
    }

    /// Value i of an adopted `dictionary` (adopted at `base`).
    mutating func reference(_ dictionary: ByteArrays, _ i: Int, base: Int32) {
        reference(base + dictionary.buffer[i], dictionary.starts[i], dictionary.ends[i])
    }

    mutating func reserve(_ n: Int) {
        buffer.reserveCapacity(buffer.count + n)
        starts.reserveCapacity(starts.count + n)
        ends.reserveCapacity(ends.count + n)
    }

    subscript(i: Int) -> ArraySlice<UInt8> { buffers[Int(buffer[i])][starts[i]..<ends[i]] }

    func withBytes<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try buffers[Int(buffer[i])].withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[starts[i]..<ends[i]])) }
    }
}

/// The non-null values of a column chunk, by physical type.
enum ColumnValues {
    case boolean([Bool])
    case int32([Int32])
    case int64([Int64])
    /// INT96 and FIXED_LEN_BYTE_ARRAY values are byte arrays too.
    case bytes(ByteArrays)
    case float([Float])
    case double([Double])

    static func empty(_ type: PhysicalType) -> ColumnValues {
        switch type {
        case .boolean: return .boolean([])
        case .int32: return .int32([])
        case .int64: return .int64([])
        case .float: return .float([])
        case .double: return .double([])
        case .int96, .byteArray, .fixedLenByteArray: return .bytes(ByteArrays())
        }
    }

    /// Keeps a byte-array dictionary's buffers with the values, once per chunk; nil for
    /// other types.
    mutating func adoptDictionary(_ dictionary: ColumnValues) -> Int32? {
        guard case .bytes(var v) = self, case .bytes(let d) = dictionary else { return nil }
        self = .boolean([])
        let base = v.adopt(d)
        self = .bytes(v)
        return base
    }

    var count: Int {
        switch self {
        case .boolean(let v): return v.count
        case .int32(let v): return v.count
        case .int64(let v): return v.count
        case .bytes(let v): return v.count
        case .float(let v): return v.count
        case .double(let v): return v.count
        }
    }

    /// Appends the values of `dictionary` at `indices`, each checked; byte arrays by
    /// reference into the dictionary, adopted at `dictionaryBase` (`adoptDictionary`).
    mutating func append(from dictionary: ColumnValues, indices: [UInt32], dictionaryBase: Int32? = nil) throws {
        let size = dictionary.count
        for i in indices where Int(i) >= size {
            throw ParquetError.page("dictionary index \(i) of a dictionary of \(size)")
        }
        switch (self, dictionary) {
        case (.boolean(var v), .boolean(let d)):
            self = .int32([])
            v.append(contentsOf: indices.lazy.map { d[Int($0)] })
            self = .boolean(v)
        case (.int32(var v), .int32(let d)):
            self = .boolean([])
            v.append(contentsOf: indices.lazy.map { d[Int($0)] })
            self = .int32(v)
        case (.int64(var v), .int64(let d)):
            self = .boolean([])
            v.append(contentsOf: indices.lazy.map { d[Int($0)] })
            self = .int64(v)
        case (.float(var v), .float(let d)):
            self = .boolean([])
            v.append(contentsOf: indices.lazy.map { d[Int($0)] })
            self = .float(v)
        case (.double(var v), .double(let d)):
            self = .boolean([])
            v.append(contentsOf: indices.lazy.map { d[Int($0)] })
            self = .double(v)
        case (.bytes(var v), .bytes(let d)):
            self = .boolean([])
            guard let base = dictionaryBase else { preconditionFailure("a byte-array dictionary is adopted before use") }
            v.reserve(indices.count)
            for i in indices { v.reference(d, Int(i), base: base) }
            self = .bytes(v)
        default:
            throw ParquetError.page("a dictionary of another type than its column")
        }
    }
}

/// Reads PLAIN, DELTA and BYTE_STREAM_SPLIT values of one physical type from a page's
/// value bytes.
struct ValueDecoder {
    /// PLAIN byte arrays of a decompressed page, left where they are: the page becomes one
    /// of the values' buffers.
    static func plainByteArrays(_ page: [UInt8], from start: Int, count: Int, into v: inout ByteArrays) throws {
        // Each value takes at least its 4-byte length: a header claiming more values than
        // that must not size an allocation.
        guard count <= (page.count - min(start, page.count)) / 4 else {
            throw ParquetError.page("\(count) PLAIN byte arrays cannot fit in a page of \(page.count) bytes")
        }
        var ranges: [(Int, Int)] = []
        ranges.reserveCapacity(count)
        try page.withUnsafeBytes { b in
            var at = start
            for _ in 0..<count {
                guard at + 4 <= b.count else { throw ParquetError.page("PLAIN byte array length past the end") }
                let n = Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                at += 4
                guard n <= b.count - at else { throw ParquetError.page("PLAIN byte array of \(n) bytes past the end") }
                ranges.append((at, at + n))
                at += n
            }
        }
        let buffer = v.adopt(page)
        v.reserve(count)
        for (s, e) in ranges { v.reference(buffer, s, e) }
    }

    let type: PhysicalType
    /// FIXED_LEN_BYTE_ARRAY: bytes per value (12 for INT96).
    let width: Int

    init(type: PhysicalType, typeLength: Int) {
        self.type = type
        width = type == .int96 ? 12 : typeLength
    }

    func decode(_ encoding: Encoding, _ b: UnsafeRawBufferPointer, count: Int, into values: inout ColumnValues) throws {
        switch encoding {
        case .plain: try plain(b, count: count, into: &values)
        case .deltaBinaryPacked:
            var at = 0
            let ints = try DeltaDecoder.integers(b, at: &at, count: count)
            switch values {
            case .int32(var v):
                values = .boolean([])
                v.append(contentsOf: ints.lazy.map { Int32(truncatingIfNeeded: $0) })
                values = .int32(v)
            case .int64(var v):
                values = .boolean([])
                v.append(contentsOf: ints)
                values = .int64(v)
            default: throw ParquetError.unsupported("DELTA_BINARY_PACKED for \(type)")
            }
        case .deltaLengthByteArray, .deltaByteArray:
            guard case .bytes(var v) = values else { throw ParquetError.unsupported("\(encoding) for \(type)") }
            values = .boolean([])
            var at = 0
            if encoding == .deltaLengthByteArray {
                try DeltaDecoder.lengthByteArrays(b, at: &at, count: count, into: &v)
            } else {
                try DeltaDecoder.byteArrays(b, at: &at, count: count, into: &v)
            }
            values = .bytes(v)
        case .byteStreamSplit:
            try byteStreamSplit(b, count: count, into: &values)
        case .rle:
            guard case .boolean(var v) = values else { throw ParquetError.unsupported("RLE values for \(type)") }
            values = .int32([])
            guard b.count >= 4 else { throw ParquetError.page("RLE booleans without their length") }
            let length = Int(UInt32(littleEndian: b.loadUnaligned(as: UInt32.self)))
            guard length <= b.count - 4 else { throw ParquetError.page("RLE booleans past the end") }
            var decoder = HybridDecoder(b, from: 4, to: 4 + length, bitWidth: 1)
            var bits: [UInt32] = []
            try decoder.decode(count: count, into: &bits)
            v.append(contentsOf: bits.lazy.map { $0 != 0 })
            values = .boolean(v)
        default:
            throw ParquetError.unsupported("value encoding \(encoding)")
        }
    }

    /// `count` values of `size` bytes fit in `b` (compared without multiplying, which a
    /// damaged count could overflow).
    private func need(_ count: Int, of size: Int, _ b: UnsafeRawBufferPointer) throws {
        guard count <= b.count / size else { throw ParquetError.page("\(count) PLAIN values past the end of the page") }
    }

    private func plain(_ b: UnsafeRawBufferPointer, count: Int, into values: inout ColumnValues) throws {
        switch values {
        case .boolean(var v):
            guard count <= b.count * 8 else { throw ParquetError.page("\(count) PLAIN booleans past the end of the page") }
            values = .int32([])
            v.reserveCapacity(v.count + count)
            for i in 0..<count { v.append(b[i >> 3] >> UInt8(i & 7) & 1 == 1) }
            values = .boolean(v)
        case .int32(var v):
            try need(count, of: 4, b)
            values = .boolean([])
            v.append(contentsOf: (0..<count).lazy.map { Int32(littleEndian: b.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) })
            values = .int32(v)
        case .int64(var v):
            try need(count, of: 8, b)
            values = .boolean([])
            v.append(contentsOf: (0..<count).lazy.map { Int64(littleEndian: b.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) })
            values = .int64(v)
        case .float(var v):
            try need(count, of: 4, b)
            values = .boolean([])
            v.append(contentsOf: (0..<count).lazy.map { Float(bitPattern: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) })
            values = .float(v)
        case .double(var v):
            try need(count, of: 8, b)
            values = .boolean([])
            v.append(contentsOf: (0..<count).lazy.map { Double(bitPattern: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) })
            values = .double(v)
        case .bytes(var v):
            values = .boolean([])
            // BYTE_ARRAY pages and dictionaries go through plainByteArrays, which keeps
            // the page; only fixed-length values reach here.
            if type == .byteArray {
                throw ParquetError.unsupported("PLAIN byte arrays outside a page")
            } else {
                guard width > 0 else { throw ParquetError.metadata("FIXED_LEN_BYTE_ARRAY without a length") }
                try need(count, of: width, b)
                for i in 0..<count { v.append(UnsafeRawBufferPointer(rebasing: b[i * width..<(i + 1) * width])) }
            }
            values = .bytes(v)
        }
    }

    private func byteStreamSplit(_ b: UnsafeRawBufferPointer, count: Int, into values: inout ColumnValues) throws {
        let size: Int
        switch values {
        case .float, .int32: size = 4
        case .double, .int64: size = 8
        case .bytes where type == .fixedLenByteArray: size = width
        default: throw ParquetError.unsupported("BYTE_STREAM_SPLIT for \(type)")
        }
        guard size > 0, count <= b.count / size else { throw ParquetError.page("BYTE_STREAM_SPLIT values past the end") }
        var joined = [UInt8](repeating: 0, count: count * size)
        for i in 0..<count { for k in 0..<size { joined[i * size + k] = b[k * count + i] } }
        try joined.withUnsafeBytes { try plain($0, count: count, into: &values) }
    }
}

/// DELTA_BINARY_PACKED and the byte-array encodings built on it.
enum DeltaDecoder {
    private static func varint(_ b: UnsafeRawBufferPointer, _ at: inout Int) throws -> UInt64 {
        guard let v = readVarint(b, &at, end: b.count) else { throw ParquetError.page("DELTA header past the end") }
        return v
    }

    private static func zigzag(_ b: UnsafeRawBufferPointer, _ at: inout Int) throws -> Int64 {
        let v = try varint(b, &at)
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    /// `count` integers (or as many as the header says, if fewer are asked for); `at`
    /// ends after the last miniblock read.
    static func integers(_ b: UnsafeRawBufferPointer, at: inout Int, count: Int) throws -> [Int64] {
        let blockSize = Int(clamping: try varint(b, &at))
        let miniblocks = Int(clamping: try varint(b, &at))
        let total = Int(clamping: try varint(b, &at))
        var last = try zigzag(b, &at)
        guard blockSize > 0, blockSize % 128 == 0, miniblocks > 0, blockSize % miniblocks == 0,
              (blockSize / miniblocks) % 32 == 0, blockSize <= 1 << 20 else {
            throw ParquetError.page("DELTA block of \(blockSize) values in \(miniblocks) miniblocks")
        }
        guard total >= count else { throw ParquetError.page("DELTA holds \(total) values, \(count) expected") }
        var out: [Int64] = []
        // Zero-width miniblocks hold many values in a few bytes: reserve a bounded amount
        // and let the blocks actually read grow it.
        out.reserveCapacity(min(count, 1 << 20))
        if total > 0 && count > 0 { out.append(last) }
        let perMiniblock = blockSize / miniblocks
        var deltas: [UInt64] = []
        var remaining = total - 1
        while remaining > 0 {
            let minDelta = try zigzag(b, &at)
            guard at + miniblocks <= b.count else { throw ParquetError.page("DELTA bit widths past the end") }
            let widths = (0..<miniblocks).map { Int(b[at + $0]) }
            at += miniblocks
            for width in widths where remaining > 0 {
                deltas.removeAll(keepingCapacity: true)
                try unpackBits(b, at: at, width: width, count: perMiniblock, into: &deltas)
                at += perMiniblock * width / 8
                for d in deltas.prefix(remaining) {
                    last = last &+ minDelta &+ Int64(bitPattern: d)
                    if out.count < count { out.append(last) }
                }
                remaining -= min(remaining, perMiniblock)
            }
        }
        return out
    }

    static func lengthByteArrays(_ b: UnsafeRawBufferPointer, at: inout Int, count: Int, into v: inout ByteArrays) throws {
        let lengths = try integers(b, at: &at, count: count)
        for n in lengths {
            guard n >= 0, n <= b.count - at else { throw ParquetError.page("DELTA_LENGTH_BYTE_ARRAY value past the end") }
            v.append(UnsafeRawBufferPointer(rebasing: b[at..<at + Int(n)]))
            at += Int(n)
        }
    }

    static func byteArrays(_ b: UnsafeRawBufferPointer, at: inout Int, count: Int, into v: inout ByteArrays) throws {
        let prefixes = try integers(b, at: &at, count: count)
        var suffixes = ByteArrays()
        try lengthByteArrays(b, at: &at, count: count, into: &suffixes)
        var previous: [UInt8] = []
        for i in 0..<count {
            let p = Int(prefixes[i])
            guard p >= 0, p <= previous.count else { throw ParquetError.page("DELTA_BYTE_ARRAY prefix \(p) longer than the previous value") }
            var value = Array(previous[0..<p])
            value.append(contentsOf: suffixes[i])
            v.append(value[...])
            previous = value
        }
    }
}
