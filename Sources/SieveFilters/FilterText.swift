#if canImport(Glibc)
import Glibc
#endif
import SieveText

/// A document's text as the filters see it: code points (so that every length is what
/// Python's `len` counts, as in datatrove), with its words computed once and shared by
/// the filters, as datatrove caches them.
public struct FilterText {
    public private(set) var points: [UInt32]
    let splitter: WordSplitter
    private var cachedWords: WordList?

    public init(_ text: String, splitter: WordSplitter) {
        self.init(points: CodePoints.of(text), splitter: splitter)
    }

    public init(points: [UInt32], splitter: WordSplitter) {
        self.points = points
        self.splitter = splitter
    }

    public var string: String { CodePoints.string(points) }

    /// The words, as the language's word splitter cuts them.
    public mutating func words() -> WordList {
        if let cachedWords { return cachedWords }
        let words = splitter.words(points)
        cachedWords = words
        return words
    }

    /// Replaces the text (a filter that rewrites documents, like C4's).
    mutating func replace(with points: [UInt32]) {
        self.points = points
        cachedWords = nil
    }
}

/// Python's string operations on code points, as datatrove's filters call them.
enum PyString {
    static let newline: UInt32 = 0x0A

    /// `str.splitlines()`: \n, \r, \r\n, \v, \f, \x1c, \x1d, \x1e, \x85, U+2028, U+2029.
    static func splitlines(_ s: ArraySlice<UInt32>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = s.startIndex
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            switch c {
            case 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029:
                out.append(start..<i)
                if c == 0x0D, i + 1 < s.endIndex, s[i + 1] == 0x0A { i += 1 }
                i += 1
                start = i
            default:
                i += 1
            }
        }
        if start < s.endIndex { out.append(start..<s.endIndex) }
        return out
    }

    /// `re.split(SEPARATOR{minimum,}, s)` for one separator character.
    static func split(_ s: ArraySlice<UInt32>, onRunsOf separator: UInt32, minimum: Int) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = s.startIndex
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == separator {
                var e = i
                while e < s.endIndex, s[e] == separator { e += 1 }
                if e - i >= minimum {
                    out.append(start..<i)
                    start = e
                }
                i = e
            } else {
                i += 1
            }
        }
        out.append(start..<s.endIndex)
        return out
    }

    /// `str.strip()` (white space as `str.isspace`).
    static func strip(_ s: ArraySlice<UInt32>) -> ArraySlice<UInt32> {
        rstrip(lstrip(s))
    }

    static func lstrip(_ s: ArraySlice<UInt32>) -> ArraySlice<UInt32> {
        var i = s.startIndex
        while i < s.endIndex, CharacterClasses.isSpace(s[i]) { i += 1 }
        return s[i...]
    }

    static func rstrip(_ s: ArraySlice<UInt32>) -> ArraySlice<UInt32> {
        var e = s.endIndex
        while e > s.startIndex, CharacterClasses.isSpace(s[e - 1]) { e -= 1 }
        return s[..<e]
    }

    /// `str.split()`: the lengths of the white-space-separated words.
    static func wordLengths(_ s: ArraySlice<UInt32>) -> [Int] {
        var out: [Int] = []
        var i = s.startIndex
        while i < s.endIndex {
            while i < s.endIndex, CharacterClasses.isSpace(s[i]) { i += 1 }
            let start = i
            while i < s.endIndex, !CharacterClasses.isSpace(s[i]) { i += 1 }
            if i > start { out.append(i - start) }
        }
        return out
    }

    /// `str.count(needle)`: non-overlapping occurrences.
    static func count(_ s: ArraySlice<UInt32>, _ needle: [UInt32]) -> Int {
        guard let first = needle.first, s.count >= needle.count else { return 0 }
        var n = 0
        var i = s.startIndex
        let last = s.endIndex - needle.count
        while i <= last {
            if s[i] == first, s[i..<(i + needle.count)].elementsEqual(needle) {
                n += 1
                i += needle.count
            } else {
                i += 1
            }
        }
        return n
    }

    static func hasPrefix(_ s: ArraySlice<UInt32>, _ prefix: [UInt32]) -> Bool {
        s.count >= prefix.count && s.prefix(prefix.count).elementsEqual(prefix)
    }

    static func hasSuffix(_ s: ArraySlice<UInt32>, _ suffix: [UInt32]) -> Bool {
        s.count >= suffix.count && s.suffix(suffix.count).elementsEqual(suffix)
    }

    static func contains(_ s: ArraySlice<UInt32>, _ needle: [UInt32]) -> Bool {
        guard let first = needle.first, s.count >= needle.count else { return needle.isEmpty }
        let last = s.endIndex - needle.count
        var i = s.startIndex
        while i <= last {
            if s[i] == first, s[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }

    /// `str.lower()` as far as the ASCII phrases C4 looks for can tell: of the
    /// characters whose lowercase holds an ASCII letter, only A-Z and the Kelvin sign
    /// map to one (İ lowercases to i + a combining dot, which matches no phrase).
    static func lowerForMatching(_ s: ArraySlice<UInt32>) -> [UInt32] {
        s.map { c in
            if c >= 0x41 && c <= 0x5A { return c | 0x20 }
            if c == 0x212A { return 0x6B }
            return c
        }
    }
}

/// A set of distinct strings given as ranges of one buffer, compared by content: what
/// datatrove's `set()` and `Counter()` of lines, paragraphs and n-grams do, without
/// copying each one into a string. Polynomial prefix hashes give any range's hash in
/// constant time.
struct RangeSet {
    private let buffer: [UInt32]
    private let prefix: [UInt64]
    private let powers: [UInt64]
    private var slots: [Int32]
    /// The distinct ranges in order of first insertion, with their hashes.
    private var entries: [(range: Range<Int>, hash: UInt64)] = []
    private var mask: Int

    static let base: UInt64 = 0x100000001B3

    init(buffer: [UInt32], capacity: Int) {
        self.buffer = buffer
        var prefix = [UInt64](repeating: 0, count: buffer.count + 1)
        var powers = [UInt64](repeating: 1, count: buffer.count + 1)
        buffer.withUnsafeBufferPointer { buffer in
            prefix.withUnsafeMutableBufferPointer { prefix in
                powers.withUnsafeMutableBufferPointer { powers in
                    for i in 0..<buffer.count {
                        prefix[i + 1] = prefix[i] &* Self.base &+ UInt64(buffer[i]) &+ 1
                        powers[i + 1] = powers[i] &* Self.base
                    }
                }
            }
        }
        self.prefix = prefix
        self.powers = powers
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        entries.reserveCapacity(capacity)
    }

    /// A set over the same buffer with the same hashes, emptied.
    func emptied(capacity: Int) -> RangeSet {
        var copy = self
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        copy.slots = [Int32](repeating: -1, count: size)
        copy.mask = size - 1
        copy.entries = []
        copy.entries.reserveCapacity(capacity)
        return copy
    }

    func hash(_ r: Range<Int>) -> UInt64 {
        let h = prefix.withUnsafeBufferPointer { prefix in
            powers.withUnsafeBufferPointer { powers in
                prefix[r.upperBound] &- prefix[r.lowerBound] &* powers[r.count]
            }
        }
        return (h ^ (h >> 29)) &* 0xBF58476D1CE4E5B9
    }

    /// Adds one occurrence of `r`; returns the index of its distinct value and whether
    /// it was seen before.
    @discardableResult
    mutating func insert(_ r: Range<Int>) -> (index: Int, seen: Bool) {
        precondition(r.lowerBound >= 0 && r.upperBound <= buffer.count)
        if entries.count * 2 >= slots.count { grow() }
        let h = hash(r)
        let mask = self.mask
        let found: (slot: Int, index: Int) = slots.withUnsafeBufferPointer { slots in
            entries.withUnsafeBufferPointer { entries in
                buffer.withUnsafeBufferPointer { buffer in
                    var slot = Int(truncatingIfNeeded: h) & mask
                    while true {
                        let k = Int(slots[slot])
                        if k < 0 { return (slot, -1) }
                        let entry = entries[k]
                        if entry.hash == h, entry.range.count == r.count,
                           r.count == 0 || memcmp(buffer.baseAddress! + entry.range.lowerBound, buffer.baseAddress! + r.lowerBound, 4 * r.count) == 0 {
                            return (slot, k)
                        }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
        if found.index >= 0 { return (found.index, true) }
        slots[found.slot] = Int32(entries.count)
        entries.append((r, h))
        return (entries.count - 1, false)
    }

    func range(_ index: Int) -> Range<Int> { entries[index].range }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (k, entry) in entries.enumerated() {
            var slot = Int(truncatingIfNeeded: entry.hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(k)
        }
    }
}
