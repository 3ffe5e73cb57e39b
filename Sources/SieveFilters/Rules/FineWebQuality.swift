import SieveText

/// FineWeb's own rules (Penedo et al. 2024) as datatrove's `FineWebQualityFilter`
/// applies them: the share of lines ending in terminal punctuation, of short lines,
/// of characters in duplicated lines, and of newlines per word (list-like pages).
public struct FineWebQuality: QualityFilter {
    public let name = "fineweb"
    public var linePunctThr = 0.12
    public var linePunctExcludeZero = false
    /// Characters a line may end with to count as punctuated (default: datatrove's
    /// terminal punctuation of all scripts).
    public var stopChars: Set<UInt32>?
    public var shortLineThr = 0.67
    public var shortLineLength = 30
    public var charDuplicatesRatio = 0.01
    public var newLineRatio = 0.3

    public init() {}

    public func evaluate(_ text: inout FilterText) -> [RuleFailure] {
        var failures = FailureList(filter: name)
        let points = text.points
        let lines = PyString.split(points[...], onRunsOf: PyString.newline, minimum: 1).filter {
            !PyString.strip(points[$0]).isEmpty
        }
        guard !lines.isEmpty else { return [RuleFailure(filter: name, rule: "empty", value: 0, threshold: 1)] }
        let n = Double(lines.count)
        let punctuated = lines.filter { line in
            let last = points[line.upperBound - 1]
            return stopChars.map { $0.contains(last) } ?? TerminalPunctuation.contains(last)
        }.count
        let punctRatio = Double(punctuated) / n
        if punctRatio < linePunctThr && !(punctRatio == 0 && linePunctExcludeZero) {
            failures.add("line_punct_ratio", punctRatio, linePunctThr)
        }
        let short = Double(lines.filter { $0.count <= shortLineLength }.count) / n
        if short > shortLineThr { failures.add("short_line_ratio", short, shortLineThr) }
        var set = RangeSet(buffer: points, capacity: lines.count)
        let (_, duplicateChars) = GopherRepetition.duplicates(lines, in: &set)
        let newlines = points.lazy.filter { $0 == PyString.newline }.count
        let nonNewline = points.count - newlines
        let dupRatio = Double(duplicateChars) / Double(nonNewline)
        if dupRatio > charDuplicatesRatio { failures.add("char_dup_ratio", dupRatio, charDuplicatesRatio) }
        // The word splitter only ever splits white-space-separated words further, so
        // their count bounds the word count from below: when even that bound passes, the
        // text (often rewritten by C4 just before) need not be cut into words again.
        // Never zero words here: a line that is not blank holds at least one.
        let atLeast = PyString.wordLengths(points[...]).count
        if Double(newlines) / Double(max(1, atLeast)) > newLineRatio {
            let listRatio = Double(newlines) / Double(max(1, text.words().count))
            if listRatio > newLineRatio { failures.add("list_ratio", listRatio, newLineRatio) }
        }
        return failures.all
    }
}
