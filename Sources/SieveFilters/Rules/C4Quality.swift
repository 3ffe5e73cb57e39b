import SieveText

/// C4's rules (Raffel et al. 2020) as datatrove's `C4QualityFilter` applies them: lines
/// are kept only if they end in terminal punctuation, hold enough words, mention no
/// JavaScript and no cookie or terms-of-use policy (Wikipedia-style citations are cut
/// out first); a page is dropped for `lorem ipsum`, for a curly bracket, or for too few
/// sentences in its kept lines. The kept lines become the document's text. For languages
/// written without spaces, words per line are counted by the language's word splitter
/// (ICU) instead of at white space, which would see one word per line.
public struct C4Quality: QualityFilter {
    public let name = "c4"
    public var removeCitations = true
    public var filterNoTerminalPunct = true
    /// -1 turns it off.
    public var minNumSentences = 5
    public var minWordsPerLine = 3
    /// -1 turns it off.
    public var maxWordLength = 1000
    public var filterLoremIpsum = true
    public var filterJavascript = true
    public var filterCurlyBracket = true
    public var filterPolicy = true

    public init() {}

    static let lorem = CodePoints.of("lorem ipsum"), javascript = CodePoints.of("javascript"), dots = CodePoints.of("...")
    static let policies = ["terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies"]
        .map(CodePoints.of)

    public func evaluate(_ text: inout FilterText) -> [RuleFailure] {
        var failures = FailureList(filter: name)
        let points = text.points
        var sentences = 0
        var kept: [UInt32] = []
        var keptLines = 0
        for (number, range) in PyString.splitlines(points[...]).enumerated() {
            var line = PyString.strip(points[range])
            // datatrove splits lines at white space; a language written without spaces
            // has its words counted by its splitter instead.
            let wordLengths: [Int]
            if case .icu = text.splitter {
                let words = text.splitter.words(Array(line))
                wordLengths = (0..<words.count).map { words[$0].count }
            } else {
                wordLengths = PyString.wordLengths(line)
            }
            if maxWordLength != -1, wordLengths.contains(where: { $0 > maxWordLength }) { continue }
            var cleaned: [UInt32]?
            if removeCitations, line.contains(0x5B) {
                cleaned = Self.removingCitations(line)
                line = cleaned![...]
            }
            if filterNoTerminalPunct {
                guard let last = line.last, [0x2E, 0x3F, 0x21, 0x22, 0x27].contains(last),
                      !PyString.hasSuffix(line, Self.dots) else { continue }
            }
            if wordLengths.count < minWordsPerLine { continue }
            let lower = PyString.lowerForMatching(line)[...]
            if filterLoremIpsum, PyString.contains(lower, Self.lorem) {
                failures.addOnce("lorem_ipsum", Double(number + 1), 0)
                continue
            }
            if filterJavascript, PyString.contains(lower, Self.javascript) { continue }
            if filterCurlyBracket, line.contains(0x7B) {
                failures.addOnce("curly_bracket", Double(number + 1), 0)
                continue
            }
            if filterPolicy, Self.policies.contains(where: { PyString.contains(lower, $0) }) { continue }
            if minNumSentences != -1 { sentences += text.splitter.sentenceCount(Array(line)) }
            if keptLines > 0 { kept.append(PyString.newline) }
            kept.append(contentsOf: line)
            keptLines += 1
        }
        if sentences < minNumSentences {
            failures.addOnce("too_few_sentences", Double(sentences), Double(minNumSentences))
        }
        if failures.all.isEmpty {
            text.replace(with: Array(PyString.strip(kept[...])))
        }
        return failures.all
    }

    /// `re.sub(r"\[\d*]|\[edit]|\[citation needed]", "", line)`
    static func removingCitations(_ line: ArraySlice<UInt32>) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(line.count)
        var i = line.startIndex
        while i < line.endIndex {
            if line[i] == 0x5B {
                var e = i + 1
                while e < line.endIndex, CharacterClasses.isDecimal(line[e]) { e += 1 }
                if e < line.endIndex, line[e] == 0x5D { i = e + 1; continue }
                let rest = line[(i + 1)...]
                if PyString.hasPrefix(rest, edit) { i += 1 + edit.count; continue }
                if PyString.hasPrefix(rest, citationNeeded) { i += 1 + citationNeeded.count; continue }
            }
            out.append(line[i])
            i += 1
        }
        return out
    }

    static let edit = CodePoints.of("edit]"), citationNeeded = CodePoints.of("citation needed]")
}
