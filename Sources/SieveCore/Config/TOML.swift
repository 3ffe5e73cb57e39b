// Hand-written because TOMLKit, the maintained Swift TOML package, does not resolve from this machine's package mirror (a dependency of it is missing there).
/// A TOML value. Tables keep key order.
public indirect enum TOMLValue: Equatable, Sendable {
    case string(String)
    case integer(Int)
    case float(Double)
    case bool(Bool)
    case array([TOMLValue])
    case table(TOMLTable)
}

/// An ordered TOML table.
public struct TOMLTable: Equatable, Sendable {
    public private(set) var entries: [(key: String, value: TOMLValue)] = []

    public init() {}

    public subscript(key: String) -> TOMLValue? {
        get { entries.first { $0.key == key }?.value }
        set {
            if let i = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    public var keys: [String] { entries.map(\.key) }

    public static func == (a: TOMLTable, b: TOMLTable) -> Bool {
        a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// A TOML document that could not be parsed.
public struct TOMLError: Error, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "TOML line \(line): \(message)" }
}

/// A parser for TOML 1.0 without date-time values (which Sieve configurations never
/// need): tables, arrays of tables, dotted and quoted keys, basic, literal and
/// multi-line strings, integers (decimal, hex, octal, binary), floats, booleans,
/// arrays and inline tables.
public enum TOML {
    /// `s` as a TOML basic string, quotes included: the writers of generated TOML
    /// (per-language filter settings, mixture plans) use it.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    public static func parse(_ text: String) throws -> TOMLTable {
        var parser = Parser(bytes: Array(text.utf8))
        return try parser.document()
    }
}

private struct Parser {
    let bytes: [UInt8]
    var i = 0
    var line = 1
    var root = TOMLTable()
    /// Path of the table that `key = value` lines go into.
    var current: [String] = []
    /// Tables defined by a `[header]` or by dotted keys, which may not be defined again.
    var defined: Set<[String]> = []

    init(bytes: [UInt8]) { self.bytes = bytes }

    func fail(_ message: String) -> TOMLError { TOMLError(line: line, message: message) }

    var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

    mutating func skipSpaces() {
        while let c = peek, c == 0x20 || c == 0x09 { i += 1 }
    }

    mutating func skipComment() {
        if peek == UInt8(ascii: "#") {
            while let c = peek, c != 0x0A { i += 1 }
        }
    }

    /// Skips blank lines, spaces and comments (inside arrays, where newlines are free).
    mutating func skipTrivia() {
        while true {
            skipSpaces()
            skipComment()
            if peek == 0x0A { i += 1; line += 1; continue }
            if peek == 0x0D, i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 2; line += 1; continue }
            return
        }
    }

    mutating func endOfLine() throws {
        skipSpaces()
        skipComment()
        if peek == 0x0D { i += 1 }
        guard let c = peek else { return }
        guard c == 0x0A else { throw fail("expected the end of the line") }
        i += 1
        line += 1
    }

    mutating func document() throws -> TOMLTable {
        while true {
            skipTrivia()
            guard let c = peek else { return root }
            if c == UInt8(ascii: "[") {
                i += 1
                let isArray = peek == UInt8(ascii: "[")
                if isArray { i += 1 }
                skipSpaces()
                let path = try key()
                skipSpaces()
                guard peek == UInt8(ascii: "]") else { throw fail("expected ]") }
                i += 1
                if isArray {
                    guard peek == UInt8(ascii: "]") else { throw fail("expected ]]") }
                    i += 1
                    try appendTable(at: path)
                } else {
                    guard !defined.contains(path) else { throw fail("table [\(path.joined(separator: "."))] defined twice") }
                    defined.insert(path)
                    try ensureTable(at: path)
                }
                current = path
                try endOfLine()
            } else {
                let path = try key()
                skipSpaces()
                guard peek == UInt8(ascii: "=") else { throw fail("expected = after the key") }
                i += 1
                skipSpaces()
                let v = try value()
                try insert(v, at: current + path)
                try endOfLine()
            }
        }
    }

    // MARK: Keys

    mutating func key() throws -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            guard let c = peek else { throw fail("expected a key") }
            if c == UInt8(ascii: "\"") {
                i += 1
                parts.append(try basicString())
            } else if c == UInt8(ascii: "'") {
                i += 1
                parts.append(try literalString())
            } else {
                let start = i
                while let c = peek, Self.isBareKey(c) { i += 1 }
                guard i > start else { throw fail("expected a key") }
                parts.append(String(decoding: bytes[start..<i], as: UTF8.self))
            }
            skipSpaces()
            guard peek == UInt8(ascii: ".") else { return parts }
            i += 1
        }
    }

    static func isBareKey(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
            || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
    }

    // MARK: Tables

    mutating func ensureTable(at path: [String]) throws {
        try modify(path: path[...], in: &root) { value in
            if value == nil { value = .table(TOMLTable()) }
        }
    }

    mutating func appendTable(at path: [String]) throws {
        var failure: TOMLError?
        let message = fail("[[\(path.joined(separator: "."))]] is not an array of tables")
        try modify(path: path[...], in: &root, createArray: true) { value in
            switch value {
            case nil: value = .array([.table(TOMLTable())])
            case .array(var items)?:
                items.append(.table(TOMLTable()))
                value = .array(items)
            default: failure = message
            }
        }
        if let failure { throw failure }
        // Sub-tables of a new array element may be defined again.
        defined = defined.filter { !($0.count > path.count && Array($0.prefix(path.count)) == path) }
    }

    mutating func insert(_ v: TOMLValue, at path: [String]) throws {
        var duplicate = false
        try modify(path: path[...], in: &root) { value in
            if value != nil { duplicate = true } else { value = v }
        }
        if duplicate { throw fail("key \(path.joined(separator: ".")) defined twice") }
    }

    /// Walks `path` (descending into the last element of arrays of tables) and lets
    /// `body` change the value at its end.
    func modify(path: ArraySlice<String>, in table: inout TOMLTable, createArray: Bool = false,
                _ body: (inout TOMLValue?) -> Void) throws {
        guard let first = path.first else { return }
        if path.count == 1 {
            var value = table[first]
            body(&value)
            table[first] = value
            return
        }
        var child: TOMLValue = table[first] ?? .table(TOMLTable())
        switch child {
        case .table(var sub):
            try modify(path: path.dropFirst(), in: &sub, createArray: createArray, body)
            child = .table(sub)
        case .array(var items):
            guard case .table(var sub)? = items.last else { throw fail("\(first) is not a table") }
            try modify(path: path.dropFirst(), in: &sub, createArray: createArray, body)
            items[items.count - 1] = .table(sub)
            child = .array(items)
        default:
            throw fail("\(first) is not a table")
        }
        table[first] = child
    }

    // MARK: Values

    mutating func value() throws -> TOMLValue {
        guard let c = peek else { throw fail("expected a value") }
        switch c {
        case UInt8(ascii: "\""):
            if matches("\"\"\"") {
                i += 3
                return .string(try multilineBasicString())
            }
            i += 1
            return .string(try basicString())
        case UInt8(ascii: "'"):
            if matches("'''") {
                i += 3
                return .string(try multilineLiteralString())
            }
            i += 1
            return .string(try literalString())
        case UInt8(ascii: "["):
            i += 1
            var items: [TOMLValue] = []
            while true {
                skipTrivia()
                if peek == UInt8(ascii: "]") { i += 1; return .array(items) }
                items.append(try value())
                skipTrivia()
                if peek == UInt8(ascii: ",") { i += 1; continue }
                guard peek == UInt8(ascii: "]") else { throw fail("expected , or ] in an array") }
                i += 1
                return .array(items)
            }
        case UInt8(ascii: "{"):
            i += 1
            var table = TOMLTable()
            skipSpaces()
            if peek == UInt8(ascii: "}") { i += 1; return .table(table) }
            while true {
                skipSpaces()
                let path = try key()
                skipSpaces()
                guard peek == UInt8(ascii: "=") else { throw fail("expected = in an inline table") }
                i += 1
                skipSpaces()
                let v = try value()
                var duplicate = false
                try modify(path: path[...], in: &table) { value in
                    if value != nil { duplicate = true } else { value = v }
                }
                if duplicate { throw fail("key \(path.joined(separator: ".")) defined twice") }
                skipSpaces()
                if peek == UInt8(ascii: ",") { i += 1; continue }
                guard peek == UInt8(ascii: "}") else { throw fail("expected , or } in an inline table") }
                i += 1
                return .table(table)
            }
        case UInt8(ascii: "t") where matches("true"):
            i += 4
            return .bool(true)
        case UInt8(ascii: "f") where matches("false"):
            i += 5
            return .bool(false)
        default:
            return try number()
        }
    }

    func matches(_ s: String) -> Bool {
        let u = Array(s.utf8)
        return i + u.count <= bytes.count && Array(bytes[i..<i + u.count]) == u
    }

    mutating func number() throws -> TOMLValue {
        let start = i
        while let c = peek, !(c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == UInt8(ascii: ",")
                              || c == UInt8(ascii: "]") || c == UInt8(ascii: "}") || c == UInt8(ascii: "#")) {
            i += 1
        }
        let raw = String(decoding: bytes[start..<i], as: UTF8.self)
        let text = raw.replacingUnderscores()
        switch text {
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where text.hasPrefix(prefix) {
            if let v = Int(text.dropFirst(2), radix: radix) { return .integer(v) }
        }
        if let v = Int(text) { return .integer(v) }
        if text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let v = Double(text) {
            return .float(v)
        }
        throw fail("not a value: \(raw.isEmpty ? "(nothing)" : raw)")
    }

    // MARK: Strings

    mutating func literalString() throws -> String {
        let start = i
        while let c = peek, c != UInt8(ascii: "'") {
            if c == 0x0A { throw fail("unterminated string") }
            i += 1
        }
        guard peek != nil else { throw fail("unterminated string") }
        defer { i += 1 }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    mutating func multilineLiteralString() throws -> String {
        if peek == 0x0A { i += 1; line += 1 }
        let start = i
        while i < bytes.count {
            if matches("'''") {
                // Up to two quotes may end the content: ''''' is '' then '''.
                var end = i
                while end + 3 < bytes.count, bytes[end + 3] == UInt8(ascii: "'"), end - i < 2 { end += 1 }
                let s = String(decoding: bytes[start..<end], as: UTF8.self)
                i = end + 3
                return s
            }
            if bytes[i] == 0x0A { line += 1 }
            i += 1
        }
        throw fail("unterminated string")
    }

    mutating func basicString() throws -> String {
        var out: [UInt8] = []
        while let c = peek {
            i += 1
            switch c {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"): try escape(into: &out)
            case 0x0A: throw fail("unterminated string")
            default: out.append(c)
            }
        }
        throw fail("unterminated string")
    }

    mutating func multilineBasicString() throws -> String {
        if peek == 0x0A { i += 1; line += 1 }
        var out: [UInt8] = []
        while i < bytes.count {
            if matches("\"\"\"") {
                var extra = 0
                while i + 3 + extra < bytes.count, bytes[i + 3 + extra] == UInt8(ascii: "\""), extra < 2 { extra += 1 }
                out.append(contentsOf: repeatElement(UInt8(ascii: "\""), count: extra))
                i += 3 + extra
                return String(decoding: out, as: UTF8.self)
            }
            let c = bytes[i]
            i += 1
            if c == UInt8(ascii: "\\") {
                // A backslash at the end of a line trims the newline and leading whitespace.
                var j = i
                while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 || bytes[j] == 0x0D { j += 1 }
                if j < bytes.count, bytes[j] == 0x0A {
                    i = j
                    while let d = peek, d == 0x20 || d == 0x09 || d == 0x0A || d == 0x0D {
                        if d == 0x0A { line += 1 }
                        i += 1
                    }
                    continue
                }
                try escape(into: &out)
            } else {
                if c == 0x0A { line += 1 }
                out.append(c)
            }
        }
        throw fail("unterminated string")
    }

    mutating func escape(into out: inout [UInt8]) throws {
        guard let e = peek else { throw fail("unterminated string") }
        i += 1
        switch e {
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "e"): out.append(0x1B)
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(e)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let n = e == UInt8(ascii: "u") ? 4 : 8
            guard i + n <= bytes.count,
                  let code = UInt32(String(decoding: bytes[i..<i + n], as: UTF8.self), radix: 16),
                  let scalar = Unicode.Scalar(code) else { throw fail("bad unicode escape") }
            i += n
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw fail("bad escape \\\(Character(Unicode.Scalar(e)))")
        }
    }
}

private extension String {
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
