import SieveText

/// Splits text into pieces exactly as Hugging Face tokenizers' regex `Split` (behaviour
/// `Isolated`) does for the patterns byte-level BPE vocabularies use, without a regex
/// engine: one pass over UTF-8 bytes with a code point class table. Each alternative of
/// the pattern is one branch below, tried in the pattern's order, with the pattern's
/// backtracking worked out by hand (see the comments).
public struct PreTokenizer: Sendable, Equatable {
    /// The supported patterns.
    public enum Pattern: Sendable, Equatable {
        /// Qwen2/2.5/3 and GPT-4 (cl100k) style:
        /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,D}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
        /// with `D` digits per piece (Qwen writes `\p{N}` for D = 1, cl100k `\p{N}{1,3}`).
        case qwen(maxDigits: Int)
        /// GPT-2 (ByteLevel `use_regex: true`):
        /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
        case gpt2
    }

    public let pattern: Pattern

    public static let qwenRegex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    public static let cl100kRegex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    public static let gpt2Regex = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    public init(pattern: Pattern) { self.pattern = pattern }

    /// The pre-tokenizer for a regex from a `tokenizer.json`, or nil when it is not one
    /// of the supported patterns.
    public init?(regex: String) {
        switch regex {
        case Self.qwenRegex: pattern = .qwen(maxDigits: 1)
        case Self.cl100kRegex: pattern = .qwen(maxDigits: 3)
        case Self.gpt2Regex: pattern = .gpt2
        default: return nil
        }
    }

    /// Calls `piece` with the byte range of every piece of `text` (valid UTF-8), in order.
    /// The pieces cover the text without gaps.
    public func split(_ text: UnsafeBufferPointer<UInt8>, _ piece: (Range<Int>) -> Void) {
        let scanner = Scanner(text: text)
        var i = 0
        while i < text.count {
            let end: Int
            switch pattern {
            case .qwen(let maxDigits): end = scanner.qwenPiece(at: i, maxDigits: maxDigits)
            case .gpt2: end = scanner.gpt2Piece(at: i)
            }
            piece(i..<end)
            i = end
        }
    }
}

/// Character classes of the pattern: `\p{L}`, `\p{N}`, `\s` without `\r\n`, `[\r\n]`, other.
enum CharClass: UInt8 {
    case other = 0, letter, number, space, newline

    var isWhitespace: Bool { self == .space || self == .newline }

    /// Class of every code point, one byte each (1.1 MB, built on first use).
    static let table: [UInt8] = {
        var t = [UInt8](repeating: CharClass.other.rawValue, count: 0x110000)
        for r in UnicodeClasses.letters { for c in r { t[Int(c)] = CharClass.letter.rawValue } }
        for r in UnicodeClasses.numbers { for c in r { t[Int(c)] = CharClass.number.rawValue } }
        for r in UnicodeClasses.whitespace { for c in r { t[Int(c)] = CharClass.space.rawValue } }
        t[0x0A] = CharClass.newline.rawValue
        t[0x0D] = CharClass.newline.rawValue
        return t
    }()
}

/// Decodes code points and their classes from valid UTF-8.
struct Scanner {
    let text: UnsafeBufferPointer<UInt8>
    let table: UnsafeBufferPointer<UInt8>

    init(text: UnsafeBufferPointer<UInt8>) {
        self.text = text
        table = CharClass.table.withUnsafeBufferPointer { $0 }  // a global constant: the storage lives forever
    }

    /// The code point at byte `i` and its length in bytes.
    @inline(__always)
    func decode(_ i: Int) -> (UInt32, Int) { UTF8Scalars.decode(text, at: i) }

    @inline(__always)
    func cls(_ i: Int) -> (CharClass, Int) {
        let (c, n) = decode(i)
        return (unsafeBitCast(table[Int(c)], to: CharClass.self), n)   // the table holds raw values only
    }

    /// Bytes of a run of `class` starting at `i`.
    @inline(__always)
    func run(_ cls: CharClass, from i: Int) -> Int {
        var j = i
        while j < text.count {
            // ASCII (most of most text) needs no decoding: its byte is its code point.
            let b = text[j]
            if b < 0x80 {
                guard table[Int(b)] == cls.rawValue else { break }
                j += 1
                continue
            }
            let (c, n) = self.cls(j)
            guard c == cls else { break }
            j += n
        }
        return j
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d` at `i` (an apostrophe): the end of the match, or nil.
    /// Case-insensitive (Unicode simple case folding: only `ſ` U+017F folds to an ASCII
    /// letter of these) when `ignoreCase`.
    func contraction(at i: Int, ignoreCase: Bool) -> Int? {
        guard i + 1 < text.count else { return nil }
        let (c1, n1) = decode(i + 1)
        func lower(_ c: UInt32) -> UInt32 {
            guard ignoreCase else { return c }
            if c >= 0x41 && c <= 0x5A { return c + 32 }
            return c == 0x17F ? 0x73 : c
        }
        switch lower(c1) {
        case 0x73, 0x74, 0x6D, 0x64: return i + 1 + n1                  // s t m d
        case 0x72, 0x76, 0x6C:                                          // r v l
            let j = i + 1 + n1
            guard j < text.count else { return nil }
            let (c2, n2) = decode(j)
            let want: UInt32 = lower(c1) == 0x6C ? 0x6C : 0x65           // ll, re, ve
            return lower(c2) == want ? j + n2 : nil
        default: return nil
        }
    }

    /// A run of whitespace from `i`; for `\s+(?!\S)` and `\s+` the match is the run, less
    /// its last character when more text follows and the run has two or more characters
    /// (the lookahead backtracks one character so that the last space joins the next piece).
    @inline(__always)
    func whitespace(at i: Int, newlineEnd: inout Int) -> Int {
        var j = i
        var lastStart = i
        var count = 0
        while j < text.count {
            let (c, n) = cls(j)
            guard c.isWhitespace else { break }
            if c == .newline { newlineEnd = j + n }
            lastStart = j
            count += 1
            j += n
        }
        if j == text.count || count == 1 { return j }
        return lastStart
    }

    func qwenPiece(at i: Int, maxDigits: Int) -> Int {
        let (c, n) = cls(i)
        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if text[i] == 0x27, let end = contraction(at: i, ignoreCase: true) { return end }
        // [^\r\n\p{L}\p{N}]?\p{L}+ : a letter run, or one non-newline, non-number
        // character followed by a letter run.
        if c == .letter { return run(.letter, from: i + n) }
        if c != .newline && c != .number && i + n < text.count && cls(i + n).0 == .letter {
            return run(.letter, from: i + n)
        }
        // \p{N}{1,maxDigits}
        if c == .number {
            var j = i + n
            var digits = 1
            while digits < maxDigits && j < text.count {
                let (d, m) = cls(j)
                guard d == .number else { break }
                j += m
                digits += 1
            }
            return j
        }
        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        var start: Int?
        if c == .other {
            start = i
        } else if text[i] == 0x20 && i + 1 < text.count && cls(i + 1).0 == .other {
            start = i + 1
        }
        if let start { return run(.newline, from: run(.other, from: start)) }
        // Whitespace. \s*[\r\n]+ : when the run holds a newline, \s* backtracks to the last
        // one and the match ends just after it. Otherwise \s+(?!\S) or \s+.
        var newlineEnd = -1
        let end = whitespace(at: i, newlineEnd: &newlineEnd)
        return newlineEnd > 0 ? newlineEnd : end
    }

    func gpt2Piece(at i: Int) -> Int {
        let (c, n) = cls(i)
        if text[i] == 0x27, let end = contraction(at: i, ignoreCase: false) { return end }
        //  ?\p{L}+ |  ?\p{N}+ |  ?[^\s\p{L}\p{N}]+
        var start = i
        var k = c
        if text[i] == 0x20 && i + 1 < text.count {
            let next = cls(i + 1).0
            if !next.isWhitespace {
                start = i + 1
                k = next
            }
        }
        if !k.isWhitespace {
            let first = start == i ? n : cls(start).1
            return run(k, from: start + first)
        }
        var ignored = -1
        return whitespace(at: i, newlineEnd: &ignored)
    }
}
