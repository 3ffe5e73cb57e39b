#if canImport(Glibc)
import Glibc
#endif

/// A JSON line that is not valid JSON, with the byte column where parsing stopped.
public struct JSONSyntaxError: Error, CustomStringConvertible {
    public var message: String
    public var column: Int
    public init(message: String, column: Int) {
        self.message = message
        self.column = column
    }
    public var description: String { "\(message) at column \(column + 1)" }
}

/// A strict JSON parser (RFC 8259) over the bytes of one line. Strings are checked for
/// valid UTF-8: invalid bytes and lone surrogate escapes become U+FFFD and set
/// `repairedUTF8`, so the record is kept and the repair counted. Raw control characters
/// inside strings are accepted, since many real corpora contain raw tabs.
public struct JSONParser {
    static let maxDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    public private(set) var position = 0
    /// Set when a string needed U+FFFD replacements.
    public private(set) var repairedUTF8 = false
    private var scratch: [UInt8] = []

    public init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private func fail(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(message: message, column: position)
    }

    public mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    public var atEnd: Bool { position == bytes.count }

    /// Parses a whole value and checks that only whitespace follows.
    public mutating func parseDocument() throws -> JSONValue {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard atEnd else { throw fail("unexpected data after the JSON value") }
        return value
    }

    /// Parses `{`, then calls `member` for every key with the parser placed at its value;
    /// `member` must consume the value (with `parseValue`). Lets callers pick fields out
    /// without building the whole object.
    public mutating func parseObject(_ member: (inout JSONParser, String) throws -> Void) throws {
        try parseObject(key: { try $0.parseString() }, member)
    }

    /// `parseObject(_:)` with each key read by `key`, which gets the parser at the key's
    /// opening quote and must consume the string (`withStringBytes`): for objects with
    /// many keys that the caller decodes itself (a tokenizer's vocabulary).
    public mutating func parseObject<Key>(key: (inout JSONParser) throws -> Key,
                                          _ member: (inout JSONParser, Key) throws -> Void) throws {
        try items(open: UInt8(ascii: "{"), close: UInt8(ascii: "}"), what: "object") { parser in
            guard parser.nextByte == UInt8(ascii: "\"") else { throw parser.fail("expected a string key") }
            let name = try key(&parser)
            parser.skipWhitespace()
            guard parser.nextByte == UInt8(ascii: ":") else { throw parser.fail("expected ':'") }
            parser.position += 1
            parser.skipWhitespace()
            try member(&parser, name)
        }
    }

    /// Parses `[`, then calls `element` for every item with the parser placed at it;
    /// `element` must consume the item.
    public mutating func parseArray(_ element: (inout JSONParser) throws -> Void) throws {
        try items(open: UInt8(ascii: "["), close: UInt8(ascii: "]"), what: "array", element)
    }

    /// The frame of an object or an array: `open`, then `item` (which consumes one) for
    /// each of the comma-separated items, with the parser past the white space before it,
    /// then `close`.
    private mutating func items(open: UInt8, close: UInt8, what: String, _ item: (inout JSONParser) throws -> Void) throws {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == open else { throw fail("expected a JSON \(what)") }
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == close {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            try item(&self)
            skipWhitespace()
            guard position < bytes.count else { throw fail("unterminated \(what)") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            guard bytes[position] == close else { throw fail("expected ',' or '\(Character(Unicode.Scalar(close)))'") }
            position += 1
            return
        }
    }

    /// The byte at the parser's position, nil at the end.
    public var nextByte: UInt8? { position < bytes.count ? bytes[position] : nil }

    public mutating func parseValue(depth: Int = 1) throws -> JSONValue {
        guard depth < Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
        guard position < bytes.count else { throw fail("unexpected end of line") }
        switch bytes[position] {
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "{"):
            var members: [JSONMember] = []
            try parseObject { parser, key in
                members.append(JSONMember(key, try parser.parseValue(depth: depth + 1)))
            }
            return .object(members)
        case UInt8(ascii: "["):
            var items: [JSONValue] = []
            try parseArray { parser in items.append(try parser.parseValue(depth: depth + 1)) }
            return .array(items)
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default:
            return .number(try parseNumber())
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard position + n <= bytes.count,
              memcmp(bytes.baseAddress! + position, word.utf8Start, n) == 0 else {
            throw fail("invalid literal")
        }
        position += n
    }

    /// A number, checked against the JSON grammar, returned as its text.
    mutating func parseNumber() throws -> String {
        let start = position
        func digits() -> Int {
            let s = position
            while position < bytes.count, bytes[position] &- 0x30 < 10 { position += 1 }
            return position - s
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count else { throw fail("invalid number") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else if digits() == 0 {
            throw fail("invalid value")
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { throw fail("invalid number") }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard digits() > 0 else { throw fail("invalid number") }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    /// A string starting at the opening quote.
    public mutating func parseString() throws -> String {
        if let range = try scanString() { return makeString(UnsafeBufferPointer(rebasing: bytes[range])) }
        let unescaped = scratch
        return unescaped.withUnsafeBufferPointer { makeString($0) }
    }

    /// Calls `body` with the bytes of the string starting at the opening quote, escapes
    /// decoded but not checked as UTF-8 (lone surrogate escapes are U+FFFD), valid only
    /// during the call: for callers that decode the bytes themselves, without a `String`.
    public mutating func withStringBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        if let range = try scanString() { return try body(UnsafeBufferPointer(rebasing: bytes[range])) }
        return try scratch.withUnsafeBufferPointer(body)
    }

    /// Reads the string starting at the opening quote: its bytes are `bytes[range]` when it
    /// has no escapes (nil is returned otherwise, and they are in `scratch`, unescaped).
    private mutating func scanString() throws -> Range<Int>? {
        position += 1
        let start = position
        // Fast path: find the closing quote; no escapes means the bytes are the string.
        let end = Self.findQuoteOrBackslash(bytes, from: start)
        guard end < bytes.count else { throw fail("unterminated string") }
        if bytes[end] == UInt8(ascii: "\"") {
            position = end + 1
            return start..<end
        }
        scratch.removeAll(keepingCapacity: true)
        var i = start
        while true {
            let j = Self.findQuoteOrBackslash(bytes, from: i)
            guard j < bytes.count else {
                position = j
                throw fail("unterminated string")
            }
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<j]))
            if bytes[j] == UInt8(ascii: "\"") {
                position = j + 1
                return nil
            }
            position = j
            i = try unescape(at: j)
        }
    }

    /// Decodes the escape at `j` (a backslash) into `scratch`; returns the index after it.
    private mutating func unescape(at j: Int) throws -> Int {
        guard j + 1 < bytes.count else { throw fail("unterminated string") }
        switch bytes[j + 1] {
        case UInt8(ascii: "\""): scratch.append(0x22)
        case UInt8(ascii: "\\"): scratch.append(0x5C)
        case UInt8(ascii: "/"): scratch.append(0x2F)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            guard let high = hex4(at: j + 2) else { throw fail("invalid \\u escape") }
            var scalar: UInt32 = high
            var next = j + 6
            if high >= 0xD800 && high < 0xDC00 {
                // A high surrogate must be followed by an escaped low surrogate.
                if next + 1 < bytes.count, bytes[next] == UInt8(ascii: "\\"), bytes[next + 1] == UInt8(ascii: "u"),
                   let low = hex4(at: next + 2), low >= 0xDC00 && low < 0xE000 {
                    scalar = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    next += 6
                } else {
                    scalar = 0xFFFD
                    repairedUTF8 = true
                }
            } else if high >= 0xDC00 && high < 0xE000 {
                scalar = 0xFFFD
                repairedUTF8 = true
            }
            appendUTF8(Unicode.Scalar(scalar)!)
            return next
        default:
            throw fail("invalid escape")
        }
        return j + 2
    }

    private func hex4(at i: Int) -> UInt32? {
        guard i + 4 <= bytes.count else { return nil }
        var v: UInt32 = 0
        for k in i..<i + 4 {
            let c = bytes[k]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    private mutating func appendUTF8(_ scalar: Unicode.Scalar) {
        UTF8.encode(scalar) { scratch.append($0) }
    }

    private mutating func makeString(_ utf8: UnsafeBufferPointer<UInt8>) -> String {
        let (s, repaired) = UTF8Text.string(utf8)
        if repaired { repairedUTF8 = true }
        return s
    }

    /// Index of the first `"` or `\` at or after `from`, or `bytes.count`. Checks eight
    /// bytes at a time: strings are most of a document's bytes.
    static func findQuoteOrBackslash(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        var i = from
        let n = bytes.count
        let base = UnsafeRawPointer(bytes.baseAddress!)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while i + 8 <= n {
            let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let q = w ^ (ones &* 0x22)
            let b = w ^ (ones &* 0x5C)
            let found = ((q &- ones) & ~q | (b &- ones) & ~b) & highs
            if found != 0 {
                return i + (found.littleEndian.trailingZeroBitCount >> 3)
            }
            i += 8
        }
        while i < n, bytes[i] != 0x22, bytes[i] != 0x5C { i += 1 }
        return i
    }
}

extension JSONValue {
    /// Parses a complete JSON text.
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(buffer)
            return try parser.parseDocument()
        }
    }
}
