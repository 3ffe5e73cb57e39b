/// Appends compact JSON to a byte buffer: no spaces, members in order, non-ASCII text
/// as raw UTF-8, control characters escaped. The same value always gives the same bytes.
public struct JSONWriter {
    public var bytes: [UInt8] = []

    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    public mutating func raw(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case .bool(let b): b ? raw("true") : raw("false")
        case .number(let text): bytes.append(contentsOf: text.utf8)
        case .string(let s): string(s)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                self.value(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            object(members)
        }
    }

    public mutating func object(_ members: [JSONMember]) {
        bytes.append(UInt8(ascii: "{"))
        for (i, member) in members.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            string(member.key)
            bytes.append(UInt8(ascii: ":"))
            value(member.value)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { string(utf8: $0) }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Writes a quoted string, copying runs that need no escaping in one go.
    public mutating func string(utf8 u: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var runStart = 0
        let n = u.count
        var i = Self.nextEscape(u, from: 0)
        while i < n {
            let c = u[i]
            if i > runStart { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<i])) }
            switch c {
            case 0x22: raw("\\\"")
            case 0x5C: raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            default:
                raw("\\u00")
                bytes.append(Self.hexDigits[Int(c >> 4)])
                bytes.append(Self.hexDigits[Int(c & 0xF)])
            }
            i += 1
            runStart = i
            i = Self.nextEscape(u, from: i)
        }
        if n > runStart { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<n])) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The index of the first byte at or after `start` that JSON must escape (below
    /// 0x20, a quote or a backslash), or the count. Eight bytes a step: a word has such a
    /// byte when one of the three zero-byte tests below finds one (the classic
    /// "has a byte less than n" and "has a zero byte" bit tricks); bytes of 0x80 and
    /// above never match. `nextEscapePlain` is the reference it is tested against.
    @inline(__always)
    static func nextEscape(_ u: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        let n = u.count
        if let base = u.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            while i + 8 <= n {
                let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                let control = (w &- ones &* 0x20) & ~w & highs
                let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
                let special = control | ((quote &- ones) & ~quote & highs) | ((backslash &- ones) & ~backslash & highs)
                if special != 0 { break }
                i += 8
            }
        }
        return nextEscapePlain(u, from: i)
    }

    static func nextEscapePlain(_ u: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        while i < u.count {
            let c = u[i]
            if c < 0x20 || c == 0x22 || c == 0x5C { return i }
            i += 1
        }
        return i
    }
}
