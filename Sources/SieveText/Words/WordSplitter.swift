import CICUShim

/// Words of a text, concatenated without separators, with their bounds: word `i` is
/// `characters[bounds[i]..<bounds[i + 1]]`. Consecutive words are one contiguous
/// slice, which is what n-gram statistics need.
public struct WordList: Sendable {
    public private(set) var characters: [UInt32] = []
    public private(set) var bounds: [Int] = [0]

    public init() {}

    public var count: Int { bounds.count - 1 }

    public subscript(i: Int) -> ArraySlice<UInt32> { characters[bounds[i]..<bounds[i + 1]] }

    /// The `n` words from word `i`, joined without separators.
    public func joined(from i: Int, count n: Int) -> ArraySlice<UInt32> {
        characters[bounds[i]..<bounds[i + n]]
    }

    public mutating func append<C: Collection>(_ word: C) where C.Element == UInt32 {
        characters.append(contentsOf: word)
        bounds.append(characters.count)
    }

    /// The words as strings (for tools and tests).
    public var strings: [String] { (0..<count).map { CodePoints.string(self[$0]) } }
}

/// How a language's text is cut into words and sentences.
public enum WordSplitter: Sendable {
    /// NLTK's `word_tokenize`: Punkt sentences, then the Treebank tokenizer on each.
    /// datatrove counts words this way for the languages NLTK has Punkt models for.
    case punkt(PunktSentenceSplitter)
    /// ICU's word break iterator (dictionary-based for Chinese, Japanese, Thai, Lao,
    /// Khmer and Burmese): for languages written without spaces.
    case icu(locale: String)

    public func words(_ text: [UInt32]) -> WordList {
        var list = WordList()
        switch self {
        case .punkt(let splitter):
            for span in splitter.sentenceSpans(text) {
                for word in TreebankWordTokenizer.tokenize(text[span]) { list.append(word) }
            }
        case .icu(let locale):
            for span in Self.icuWordSpans(text, locale: locale) { list.append(text[span]) }
        }
        return list
    }

    /// The number of sentences, as datatrove's `split_into_sentences` counts them
    /// (at least one).
    public func sentenceCount(_ text: [UInt32]) -> Int {
        switch self {
        case .punkt(let splitter):
            return max(1, splitter.sentenceSpans(text).count)
        case .icu:
            // Runs of sentence-final punctuation or newlines, like datatrove's
            // fallback splitter for languages without a sentence model.
            var count = 0
            var inRun = false
            for c in text {
                let end = c == 0x0A || TerminalPunctuation.contains(c)
                if end && !inRun { count += 1 }
                inRun = end
            }
            return max(1, count)
        }
    }

    /// The code-point ranges of the words ICU's word break iterator finds in `text`.
    public static func icuWordSpans(_ text: [UInt32], locale: String) -> [Range<Int>] {
        guard !text.isEmpty else { return [] }
        var spans = [Int32](repeating: 0, count: 2 * (text.count / 2 + 16))
        var n = text.withUnsafeBufferPointer { t in
            spans.withUnsafeMutableBufferPointer { s in
                sieve_word_spans(locale, t.baseAddress, Int32(t.count), s.baseAddress, Int32(s.count / 2))
            }
        }
        if Int(n) > spans.count / 2 {
            spans = [Int32](repeating: 0, count: 2 * Int(n))
            n = text.withUnsafeBufferPointer { t in
                spans.withUnsafeMutableBufferPointer { s in
                    sieve_word_spans(locale, t.baseAddress, Int32(t.count), s.baseAddress, n)
                }
            }
        }
        guard n > 0 else { return [] }
        return (0..<Int(n)).map { Int(spans[2 * $0])..<Int(spans[2 * $0 + 1]) }
    }
}

/// Sentence-final punctuation of all scripts: datatrove's `TERMINAL_PUNCTUATION`
/// (`datatrove/utils/text.py`), which FineWeb's line-punctuation rule ends lines with.
public enum TerminalPunctuation {
    public static let characters: Set<UInt32> = [
        0x1AA9, 0xFF1F, 0x2048, 0x11A42, 0xFF0E, 0xAA5E, 0x11143, 0xFE57, 0x110BE, 0x1B7D,
        0x1367, 0x11142, 0xA876, 0xA60E, 0x2049, 0x83E, 0x1AA8, 0x112A9, 0x11C42, 0x1C7F,
        0x16A6E, 0x1945, 0x11F43, 0x11F44, 0xFE52, 0x11239, 0x11238, 0x1362, 0x702, 0x61E,
        0xA6F3, 0x10F88, 0x115CD, 0x10A56, 0x11642, 0x61D, 0xAA5F, 0x1809, 0x1B7E, 0x115D7,
        0x1C3C, 0x11EF8, 0x61F, 0x11A9C, 0xA9C9, 0x115C9, 0x10F59, 0x16AF5, 0x16B37, 0x700,
        0xA4FF, 0x1735, 0x115CF, 0x11047, 0x115D3, 0x11944, 0x17D6, 0x11946, 0x115D1, 0x115D2,
        0xABEB, 0x6D4, 0x10A57, 0x10F86, 0xA877, 0x2E54, 0xFF61, 0x17D5, 0x7F9, 0x2E2E,
        0x2E, 0x111C5, 0x839, 0x1BC9F, 0xAAF0, 0xA92F, 0x10F57, 0x1B5E, 0x1173C, 0x1368,
        0x110C1, 0xA8CF, 0x111DF, 0x16B38, 0x11A9B, 0x1173E, 0x837, 0x1DA88, 0x3F, 0x110C0,
        0x115C3, 0xFF01, 0x589, 0xA8CE, 0x965, 0x115D6, 0x1B5B, 0x1803, 0x21, 0x104A,
        0x16E98, 0x2047, 0x115CC, 0x1144B, 0x16B44, 0x1B5F, 0x11141, 0x11641, 0x2E3C, 0xAA5D,
        0x115CB, 0x3002, 0xA9C8, 0xAAF1, 0x1173D, 0x10F56, 0x110BF, 0x166E, 0x17D4, 0xA6F7,
        0x10F89, 0x17DA, 0x1944, 0x115D5, 0x115CE, 0x1AAA, 0x1B5A, 0x83D, 0x111DE, 0x115CA,
        0x10F58, 0x2E53, 0x115D4, 0x16A6F, 0x111CD, 0x11EF7, 0x10F55, 0x11A43, 0x964, 0x115C2,
        0x111C6, 0x11048, 0x104B, 0x1C7E, 0x11C41, 0xA60F, 0x701, 0x1736, 0x203C, 0x1123B,
        0x203D, 0x1AAB, 0xFE56, 0x1144C, 0x1123C, 0x10F87, 0x115D0, 0x17D9, 0x1C3B,
    ]

    @inline(__always) public static func contains(_ c: UInt32) -> Bool {
        c < 0x80 ? (c == 0x2E || c == 0x3F || c == 0x21) : characters.contains(c)
    }
}
