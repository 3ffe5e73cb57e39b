import SieveText

/// Gopher's quality rules (Rae et al. 2021, appendix A1.1), as datatrove's
/// `GopherQualityFilter` applies them; parameter names and defaults are datatrove's.
/// A parameter set to 0 (or left out of a language's settings) is off, as in datatrove.
public struct GopherQuality: QualityFilter {
    public let name = "gopher_quality"
    public var minDocWords = 50
    public var maxDocWords = 100_000
    public var minAvgWordLength = 3.0
    public var maxAvgWordLength = 10.0
    public var maxSymbolWordRatio = 0.1
    public var maxBulletLinesRatio = 0.9
    public var maxEllipsisLinesRatio = 0.3
    /// The least fraction of words with an alphabetic character (datatrove's misnamed
    /// `max_non_alpha_words_ratio`).
    public var maxNonAlphaWordsRatio = 0.8
    public var minStopWords = 2
    /// Matched against words as they are, case included.
    public var stopWords = ["the", "be", "to", "of", "and", "that", "have", "with"] {
        didSet { stopWordTable = Self.table(stopWords) }
    }
    /// The stop words by index, looked up without copying each word.
    private var stopWordTable = Self.table(["the", "be", "to", "of", "and", "that", "have", "with"])

    public init() {}

    private static func table(_ words: [String]) -> StringTable {
        StringTable(words.enumerated().map { (CodePoints.of($0.element), $0.offset) })
    }

    static let hash = CodePoints.of("#"), dots = CodePoints.of("..."), ellipsis = CodePoints.of("…")
    static let bullet = CodePoints.of("•"), dash = CodePoints.of("-")

    public func evaluate(_ text: inout FilterText) -> [RuleFailure] {
        var failures = FailureList(filter: name)
        let words = text.words()
        let points = text.points[...]
        let nWords = words.count
        var nonSymbol = 0, nonSymbolLength = 0, alphaWords = 0
        var stopWordsSeen = Set<Int>()
        for i in 0..<nWords {
            let word = words[i]
            if word.contains(where: { !SymbolCharacters.contains($0) }) {
                nonSymbol += 1
                nonSymbolLength += word.count
            }
            if word.contains(where: CharacterClasses.isAlpha) { alphaWords += 1 }
            if minStopWords > 0, stopWordsSeen.count < minStopWords, let k = stopWordTable[word] {
                stopWordsSeen.insert(k)
            }
        }
        if minDocWords > 0, nonSymbol < minDocWords { failures.add("word_count", Double(nonSymbol), Double(minDocWords)) }
        if maxDocWords > 0, nonSymbol > maxDocWords { failures.add("word_count", Double(nonSymbol), Double(maxDocWords)) }
        // With no words the mean length is NaN in datatrove: no comparison fails.
        if nonSymbol > 0 {
            let mean = Double(nonSymbolLength) / Double(nonSymbol)
            if minAvgWordLength > 0, mean < minAvgWordLength { failures.add("mean_word_length", mean, minAvgWordLength) }
            if maxAvgWordLength > 0, mean > maxAvgWordLength { failures.add("mean_word_length", mean, maxAvgWordLength) }
        }
        // Ratios to the word count: datatrove divides by zero on a text without words;
        // here they are not measured then (the word count rule has failed already).
        if nWords > 0, maxSymbolWordRatio > 0 {
            let hashes = Double(PyString.count(points, Self.hash)) / Double(nWords)
            if hashes > maxSymbolWordRatio { failures.add("hash_ratio", hashes, maxSymbolWordRatio) }
            let ellipses = Double(PyString.count(points, Self.dots) + PyString.count(points, Self.ellipsis)) / Double(nWords)
            if ellipses > maxSymbolWordRatio { failures.add("ellipsis_ratio", ellipses, maxSymbolWordRatio) }
        }
        let lines = PyString.splitlines(points)
        if !lines.isEmpty, maxBulletLinesRatio > 0 || maxEllipsisLinesRatio > 0 {
            var bullets = 0, ellipsisLines = 0
            for line in lines {
                let left = PyString.lstrip(points[line])
                if PyString.hasPrefix(left, Self.bullet) || PyString.hasPrefix(left, Self.dash) { bullets += 1 }
                let right = PyString.rstrip(points[line])
                if PyString.hasSuffix(right, Self.dots) || PyString.hasSuffix(right, Self.ellipsis) { ellipsisLines += 1 }
            }
            let bulletRatio = Double(bullets) / Double(lines.count)
            if maxBulletLinesRatio > 0, bulletRatio > maxBulletLinesRatio { failures.add("bullet_lines", bulletRatio, maxBulletLinesRatio) }
            let ellipsisRatio = Double(ellipsisLines) / Double(lines.count)
            if maxEllipsisLinesRatio > 0, ellipsisRatio > maxEllipsisLinesRatio {
                failures.add("ellipsis_lines", ellipsisRatio, maxEllipsisLinesRatio)
            }
        }
        if nWords > 0, maxNonAlphaWordsRatio > 0 {
            let alpha = Double(alphaWords) / Double(nWords)
            if alpha < maxNonAlphaWordsRatio { failures.add("alpha_words", alpha, maxNonAlphaWordsRatio) }
        }
        if minStopWords > 0, stopWordsSeen.count < minStopWords {
            failures.add("stop_words", Double(stopWordsSeen.count), Double(minStopWords))
        }
        return failures.all
    }
}
