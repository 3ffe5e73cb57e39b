// Hand-written with the TOML reader beside it (TOMLKit, which has a decoder, does not resolve from the package mirror).
/// Decodes typed settings from TOML tables, for every configuration Sieve reads: the
/// pipeline's sections and each stage's `Settings`.
///
/// Every key of a table must be read by the type it decodes into: a key that nobody asked
/// for is an error naming its path, with the closest known key as a suggestion, so that a
/// misspelt setting never falls back to its default unnoticed. Errors (unknown keys, wrong
/// types, missing keys, values out of range) all come out as one `SettingsError` that
/// names where the table came from (`stage 2 (filter)`), the key and what was expected.
public struct TOMLDecoder {
    public init() {}

    /// `table` as a `T`; `context` names the table in errors (`stage 2 (filter)`, `[input]`).
    public func decode<T: Decodable>(_ type: T.Type, from table: TOMLTable, context: String) throws -> T {
        let reads = KeyReads()
        do {
            let value = try T(from: TOMLValueDecoder(value: .table(table), codingPath: [], reads: reads))
            try reads.checkUnread()
            return value
        } catch let error as DecodingError {
            throw SettingsError(context: context, decoding: error)
        } catch let error as UnknownKey {
            throw SettingsError(context: context, key: error.path, message: error.message)
        }
    }
}

/// A configuration table that does not decode: unknown key, wrong type, missing key or a
/// value out of range.
public struct SettingsError: Error, CustomStringConvertible, Equatable {
    /// Where the table came from: `stage 2 (filter)`, `[input]`.
    public var context: String
    /// The key's dotted path within the table (empty for the table itself).
    public var key: String
    public var message: String

    public init(context: String, key: String, message: String) {
        self.context = context
        self.key = key
        self.message = message
    }

    public var description: String { "\(context): \(message)" }

    init(context: String, decoding error: DecodingError) {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let i = key.intValue { text += "[\(i)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text
        }
        switch error {
        case .keyNotFound(let key, let c):
            let full = path(c.codingPath + [key])
            self.init(context: context, key: full, message: "missing key \"\(full)\"\(c.debugDescription.isEmpty ? "" : " (\(c.debugDescription))")")
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            let full = path(c.codingPath)
            self.init(context: context, key: full, message: full.isEmpty ? c.debugDescription : "key \"\(full)\" \(c.debugDescription)")
        @unknown default:
            self.init(context: context, key: "", message: "\(error)")
        }
    }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or `fallback` when the table does not have it.
    public func value<T: Decodable>(_ key: Key, default fallback: @autoclosure () -> T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback()
    }

    /// A number or integer within `range`, or `fallback` when absent.
    public func value<T: Decodable & Comparable>(_ key: Key, default fallback: T, in range: ClosedRange<T>) throws -> T {
        guard let value = try decodeIfPresent(T.self, forKey: key) else { return fallback }
        guard range.contains(value) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [key],
                                                    debugDescription: "must be \(TOMLTypeName.of(T.self)) in \(TOMLTypeName.text(range.lowerBound))...\(TOMLTypeName.text(range.upperBound))"))
        }
        return value
    }

    /// A positive integer, or `fallback` when absent.
    public func positive(_ key: Key, default fallback: Int) throws -> Int {
        guard let value = try decodeIfPresent(Int.self, forKey: key) else { return fallback }
        guard value > 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [key], debugDescription: "must be a positive integer"))
        }
        return value
    }

    /// One of a fixed set of words (`shingle = "word"`), or `fallback` when absent.
    public func choice<T: CaseIterable & RawRepresentable>(_ key: Key, default fallback: T) throws -> T where T.RawValue == String {
        try choice(key) ?? fallback
    }

    /// One of a fixed set of words, nil when absent.
    public func choice<T: CaseIterable & RawRepresentable>(_ key: Key) throws -> T? where T.RawValue == String {
        guard let word = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let value = T(rawValue: word) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [key],
                                                    debugDescription: "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(word)\""))
        }
        return value
    }

    /// A value that must be there; `what` says in the error what it is for.
    public func required<T: Decodable>(_ key: Key, _ what: String) throws -> T {
        guard let value = try decodeIfPresent(T.self, forKey: key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "\(TOMLTypeName.of(T.self)): \(what)"))
        }
        return value
    }
}

/// How errors name the TOML type a Swift type is read from.
enum TOMLTypeName {
    static func of(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Double.Type, is Float.Type: return "a number"
        case is Int.Type, is Int64.Type, is UInt64.Type, is Int32.Type, is UInt32.Type, is UInt8.Type, is UInt.Type: return "an integer"
        default: return "a value"
        }
    }

    /// A bound as a person writes it: `1`, not `1.0`.
    static func text<T>(_ bound: T) -> String {
        if let x = bound as? Double, x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        return "\(bound)"
    }

    static func of(_ value: TOMLValue) -> String {
        switch value {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a number"
        case .bool: return "a boolean"
        case .array: return "an array"
        case .table: return "a table"
        }
    }
}

/// The keys read from each table during one decode, to find those nobody read.
private final class KeyReads {
    /// In the order the tables were opened, so that the first unknown key reported is the
    /// first in the file's reading order.
    var tables: [(path: [String], table: TOMLTable, read: Set<String>)] = []

    func open(_ path: [String], _ table: TOMLTable) -> Int {
        if let i = tables.firstIndex(where: { $0.path == path }) { return i }
        tables.append((path, table, []))
        return tables.count - 1
    }

    func read(_ key: String, in table: Int) { tables[table].read.insert(key) }

    func checkUnread() throws {
        for (path, table, read) in tables {
            guard let unknown = table.keys.first(where: { !read.contains($0) }) else { continue }
            let full = (path + [unknown]).joined(separator: ".")
            let known = read.sorted()
            if let suggestion = Self.closest(to: unknown, in: known) {
                throw UnknownKey(path: full, message: "unknown key \"\(full)\"; did you mean \"\((path + [suggestion]).joined(separator: "."))\"?")
            }
            throw UnknownKey(path: full, message: "unknown key \"\(full)\""
                             + (known.isEmpty ? "" : " (known keys: \(known.joined(separator: ", ")))"))
        }
    }

    /// The known key within a third of the unknown one's length in edits (at least 2).
    static func closest(to key: String, in known: [String]) -> String? {
        let limit = max(2, key.count / 3)
        return known.map { ($0, editDistance(key, $0)) }.filter { $0.1 <= limit }.min { $0.1 < $1.1 }?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        var row = Array(0...b.count)
        for i in a.indices.map({ $0 + 1 }) {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let old = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = old
            }
        }
        return row[b.count]
    }
}

private struct UnknownKey: Error {
    var path: String
    var message: String
}

private struct TOMLValueDecoder: Decoder {
    let value: TOMLValue
    let codingPath: [any CodingKey]
    let reads: KeyReads
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func mismatch(_ expected: String) -> DecodingError {
        .typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "must be \(expected), not \(TOMLTypeName.of(value))"))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .table(let table) = value else { throw mismatch("a table") }
        let index = reads.open(codingPath.map(\.stringValue), table)
        return KeyedDecodingContainer(TableContainer<Key>(table: table, index: index, codingPath: codingPath, reads: reads))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw mismatch("an array") }
        return ArrayContainer(items: items, codingPath: codingPath, reads: reads)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }
}

extension TOMLValueDecoder: SingleValueDecodingContainer {
    func decodeNil() -> Bool { false }
    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let b) = value else { throw mismatch("true or false") }
        return b
    }
    func decode(_ type: String.Type) throws -> String {
        guard case .string(let s) = value else { throw mismatch("a string") }
        return s
    }
    func decode(_ type: Double.Type) throws -> Double {
        switch value {
        case .float(let x): return x
        case .integer(let n): return Double(n)
        default: throw mismatch("a number")
        }
    }
    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
    func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard case .integer(let n) = value else { throw mismatch("an integer") }
        guard let exact = T(exactly: n) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "must be an integer in \(T.min)...\(T.max)"))
        }
        return exact
    }
    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: self) }
}

private struct TableContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let table: TOMLTable
    let index: Int
    let codingPath: [any CodingKey]
    let reads: KeyReads

    var allKeys: [Key] {
        table.keys.compactMap { key in
            reads.read(key, in: index)
            return Key(stringValue: key)
        }
    }

    func contains(_ key: Key) -> Bool {
        reads.read(key.stringValue, in: index)
        return table[key.stringValue] != nil
    }

    func child(_ key: Key) throws -> TOMLValueDecoder {
        reads.read(key.stringValue, in: index)
        guard let value = table[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: ""))
        }
        return TOMLValueDecoder(value: value, codingPath: codingPath + [key], reads: reads)
    }

    func decodeNil(forKey key: Key) throws -> Bool { !contains(key) }
    // Primitives decode themselves through `singleValueContainer`, which is the decoder.
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try T(from: child(key)) }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard contains(key) else { return nil }
        return try decode(type, forKey: key)
    }
    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }
    func superDecoder() throws -> any Decoder { TOMLValueDecoder(value: .table(table), codingPath: codingPath, reads: reads) }
    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
}

private struct ArrayContainer: UnkeyedDecodingContainer {
    let items: [TOMLValue]
    let codingPath: [any CodingKey]
    let reads: KeyReads
    var currentIndex = 0

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    struct Index: CodingKey {
        var intValue: Int?
        var stringValue: String { "\(intValue!)" }
        init(intValue: Int) { self.intValue = intValue }
        init?(stringValue: String) { nil }
    }

    mutating func next() throws -> TOMLValueDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "has too few items"))
        }
        defer { currentIndex += 1 }
        return TOMLValueDecoder(value: items[currentIndex], codingPath: codingPath + [Index(intValue: currentIndex)], reads: reads)
    }

    mutating func decodeNil() throws -> Bool { false }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: next()) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

extension TOMLDecoder {
    /// Whether `typed` is close enough to `known` to be suggested for it.
    public static func isClose(_ typed: String, _ known: String) -> Bool {
        KeyReads.closest(to: typed, in: [known]) != nil
    }

    /// Checks that every key of `table` is one of `known`, with the same message as a
    /// decode (for tables whose keys are read by hand: a file's sections).
    public static func checkKeys(_ table: TOMLTable, known: [String], context: String) throws {
        let reads = KeyReads()
        let index = reads.open([], table)
        for key in known { reads.read(key, in: index) }
        do { try reads.checkUnread() } catch let error as UnknownKey {
            throw SettingsError(context: context, key: error.path, message: error.message)
        }
    }
}

/// Any key of a table, for settings whose keys are data (a table `language = number`).
public struct TOMLKey: CodingKey {
    public var stringValue: String
    public var intValue: Int? { nil }
    public init(_ key: String) { stringValue = key }
    public init?(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer {
    /// A string or an array of strings (`nltk_data = "dir"` or `["a", "b"]`), nil when absent.
    public func strings(_ key: Key) throws -> [String]? {
        guard contains(key) else { return nil }
        if let one = try? decode(String.self, forKey: key) { return [one] }
        do { return try decode([String].self, forKey: key) } catch {
            throw DecodingError.typeMismatch(Any.self, .init(codingPath: codingPath + [key],
                                                             debugDescription: "must be a string or an array of strings"))
        }
    }

    /// A table `language = number` (per-language thresholds), each within `range`; empty
    /// when absent.
    public func numbersByKey(_ key: Key, in range: ClosedRange<Double>? = nil) throws -> [String: Double] {
        guard let numbers = try decodeIfPresent([String: Double].self, forKey: key) else { return [:] }
        if let range, let (name, _) = numbers.sorted(by: { $0.key < $1.key }).first(where: { !range.contains($0.value) }) {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [key, TOMLKey(name)],
                                                    debugDescription: "must be a number in \(TOMLTypeName.text(range.lowerBound))...\(TOMLTypeName.text(range.upperBound))"))
        }
        return numbers
    }
}

/// Paths in configuration files are relative to the file's folder.
public enum ConfigPath {
    /// `path` relative to `base` unless absolute (or `-`).
    public static func resolve(_ path: String, against base: String) -> String {
        if path.hasPrefix("/") || path == "-" || base.isEmpty { return path }
        return base.hasSuffix("/") ? base + path : base + "/" + path
    }
}
