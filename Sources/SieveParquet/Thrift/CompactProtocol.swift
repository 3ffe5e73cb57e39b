/// A value of Thrift's compact protocol, as Parquet's footer and page headers use it.
/// Decoded into this tree first, then read into typed structs: the footer is small, and
/// a tree keeps the typed readers free of wire details.
enum ThriftValue: Equatable {
    case bool(Bool)
    /// Any integer as read (i8, i16, i32 and i64 alike); written as i64.
    case int(Int64)
    /// Integers written with a narrower wire type, as the field's declaration requires
    /// (readers skip a field whose wire type differs). Never produced by reading.
    case i32(Int32)
    case i16(Int16)
    case i8(Int8)
    case double(Double)
    case binary([UInt8])
    case list([ThriftValue])
    case map([(ThriftValue, ThriftValue)])
    case structure([Int16: ThriftValue])

    static func == (a: ThriftValue, b: ThriftValue) -> Bool {
        switch (a, b) {
        case (.bool(let x), .bool(let y)): return x == y
        case (.int, _), (.i32, _), (.i16, _), (.i8, _): return a.int != nil && a.int == b.int
        case (.double(let x), .double(let y)): return x == y
        case (.binary(let x), .binary(let y)): return x == y
        case (.list(let x), .list(let y)): return x == y
        case (.map(let x), .map(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.structure(let x), .structure(let y)): return x == y
        default: return false
        }
    }

    var int: Int64? {
        switch self {
        case .int(let v): return v
        case .i32(let v): return Int64(v)
        case .i16(let v): return Int64(v)
        case .i8(let v): return Int64(v)
        default: return nil
        }
    }
    var bool: Bool? { if case .bool(let v) = self { return v } else { return nil } }
    var binary: [UInt8]? { if case .binary(let v) = self { return v } else { return nil } }
    var string: String? { binary.map { String(decoding: $0, as: UTF8.self) } }
    var list: [ThriftValue]? { if case .list(let v) = self { return v } else { return nil } }
    var fields: [Int16: ThriftValue]? { if case .structure(let v) = self { return v } else { return nil } }
}

/// Malformed Thrift: what was expected and where.
struct ThriftError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Reads compact-protocol structs from bytes, refusing anything that runs past the end,
/// nests deeper than `maxDepth` or claims more elements than bytes remain.
struct CompactReader {
    static let maxDepth = 64
    private let bytes: UnsafeRawBufferPointer
    private(set) var position = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// One struct, from the current position.
    mutating func readStruct() throws -> ThriftValue {
        try readStruct(depth: 0)
    }

    private mutating func fail(_ message: String) -> ThriftError {
        ThriftError(message: "thrift: \(message) at byte \(position)")
    }

    private mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw fail("unexpected end") }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func varint() throws -> UInt64 {
        guard let v = readVarint(bytes, &position, end: bytes.count) else { throw fail("varint past the end or longer than 10 bytes") }
        return v
    }

    private mutating func zigzag() throws -> Int64 {
        let v = try varint()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    private mutating func count(minimumElementBytes: Int) throws -> Int {
        let n = try varint()
        guard n <= UInt64(bytes.count - position) / UInt64(max(1, minimumElementBytes)) + 1 else {
            throw fail("a collection of \(n) elements in \(bytes.count - position) bytes")
        }
        return Int(n)
    }

    private mutating func value(type: UInt8, depth: Int) throws -> ThriftValue {
        switch type {
        case 1: return .bool(true)
        case 2: return .bool(false)
        case 3: return .int(Int64(Int8(bitPattern: try byte())))
        case 4, 5, 6: return .int(try zigzag())
        case 7:
            guard position + 8 <= bytes.count else { throw fail("unexpected end") }
            defer { position += 8 }
            return .double(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))))
        case 8:
            let n = try count(minimumElementBytes: 1)
            guard position + n <= bytes.count else { throw fail("a binary of \(n) bytes past the end") }
            defer { position += n }
            return .binary(Array(bytes[position..<position + n]))
        case 9, 10:
            let header = try byte()
            var size = Int(header >> 4)
            if size == 15 { size = try count(minimumElementBytes: 1) }
            let element = header & 0x0F
            guard depth < Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth)") }
            var items: [ThriftValue] = []
            items.reserveCapacity(min(size, 4096))
            for _ in 0..<size {
                if element == 1 || element == 2 {
                    // Booleans in a collection are one byte each: 1 true, anything else false.
                    items.append(.bool(try byte() == 1))
                } else {
                    items.append(try value(type: element, depth: depth + 1))
                }
            }
            return .list(items)
        case 11:
            let size = try count(minimumElementBytes: 2)
            guard size > 0 else { return .map([]) }
            let types = try byte()
            guard depth < Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth)") }
            var pairs: [(ThriftValue, ThriftValue)] = []
            for _ in 0..<size {
                let key = try value(type: types >> 4, depth: depth + 1)
                pairs.append((key, try value(type: types & 0x0F, depth: depth + 1)))
            }
            return .map(pairs)
        case 12:
            guard depth < Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth)") }
            return try readStruct(depth: depth + 1)
        default:
            throw fail("unknown type \(type)")
        }
    }

    private mutating func readStruct(depth: Int) throws -> ThriftValue {
        var fields: [Int16: ThriftValue] = [:]
        var last: Int16 = 0
        while true {
            let header = try byte()
            if header == 0 { return .structure(fields) }
            let type = header & 0x0F
            let delta = Int16(header >> 4)
            let id: Int16
            if delta == 0 {
                guard let full = Int16(exactly: try zigzag()) else { throw fail("field id out of range") }
                id = full
            } else {
                id = last &+ delta
            }
            last = id
            fields[id] = try value(type: type, depth: depth)
        }
    }
}

/// Writes compact-protocol structs. Fields are written in ascending id order, which the
/// protocol's field deltas need and every reader expects.
struct CompactWriter {
    private(set) var bytes: [UInt8] = []

    mutating func write(_ value: ThriftValue) {
        guard case .structure(let fields) = value else { preconditionFailure("the top of a Thrift message is a struct") }
        writeStruct(fields)
    }

    private mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private mutating func zigzag(_ v: Int64) {
        varint(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }

    /// The wire type of a value.
    private static func type(_ value: ThriftValue) -> UInt8 {
        switch value {
        case .bool(let b): return b ? 1 : 2
        case .int: return 6
        case .i32: return 5
        case .i16: return 4
        case .i8: return 3
        case .double: return 7
        case .binary: return 8
        case .list: return 9
        case .map: return 11
        case .structure: return 12
        }
    }

    private mutating func writeStruct(_ fields: [Int16: ThriftValue]) {
        var last: Int16 = 0
        for id in fields.keys.sorted() {
            let value = fields[id]!
            let type = Self.type(value)
            if id > last && id - last <= 15 {
                bytes.append(UInt8(id - last) << 4 | type)
            } else {
                bytes.append(type)
                zigzag(Int64(id))
            }
            last = id
            if case .bool = value { continue }
            writeValue(value)
        }
        bytes.append(0)
    }

    private mutating func writeValue(_ value: ThriftValue) {
        switch value {
        case .bool(let b): bytes.append(b ? 1 : 2)
        case .int(let v): zigzag(v)
        case .i32(let v): zigzag(Int64(v))
        case .i16(let v): zigzag(Int64(v))
        case .i8(let v): bytes.append(UInt8(bitPattern: v))
        case .double(let d): withUnsafeBytes(of: d.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        case .binary(let b):
            varint(UInt64(b.count))
            bytes.append(contentsOf: b)
        case .list(let items):
            let element = items.first.map(Self.type) ?? 12
            let listType: UInt8 = element == 2 ? 1 : element
            if items.count < 15 {
                bytes.append(UInt8(items.count) << 4 | listType)
            } else {
                bytes.append(0xF0 | listType)
                varint(UInt64(items.count))
            }
            for item in items { writeValue(item) }
        case .map(let pairs):
            varint(UInt64(pairs.count))
            if let first = pairs.first { bytes.append(Self.type(first.0) << 4 | Self.type(first.1)) }
            for (k, v) in pairs {
                writeValue(k)
                writeValue(v)
            }
        case .structure(let fields):
            writeStruct(fields)
        }
    }
}
