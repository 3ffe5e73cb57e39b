import Foundation

/// The parameters of a trained Punkt model: NLTK's `punkt_tab/<language>/` folder
/// (abbrev_types.txt, collocations.tab, sent_starters.txt, ortho_context.tab).
public struct PunktParameters: Sendable {
    var abbreviations = StringTable()
    var collocations = StringTable()   // first type, U+0009, second type
    var sentenceStarters = StringTable()
    var orthoContext = StringTable()

    /// No abbreviations, collocations or sentence starters: every `.`, `?` and `!`
    /// followed by a space ends a sentence, except in an ellipsis.
    public static let empty = PunktParameters()

    /// Loads `punkt_tab/<language>` from `directory`.
    public init(directory: String) throws {
        /// The file's code points and its lines as ranges (Python's text mode: \r\n and
        /// \r end lines too).
        func lines(_ name: String) throws -> ([UInt32], [Range<Int>]) {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw PunktError(message: "cannot read \(path)")
            }
            let points = CodePoints.of(String(decoding: data, as: UTF8.self))
            var out: [Range<Int>] = []
            var start = 0
            var i = 0
            while i < points.count {
                let c = points[i]
                if c == 0x0A || c == 0x0D {
                    out.append(start..<i)
                    if c == 0x0D, i + 1 < points.count, points[i + 1] == 0x0A { i += 1 }
                    start = i + 1
                }
                i += 1
            }
            if start < points.count { out.append(start..<points.count) }
            return (points, out)
        }
        func set(_ name: String, requireTab: Bool = false) throws -> StringTable {
            let (points, ranges) = try lines(name)
            return StringTable(buffer: points, ranges.filter { !requireTab || points[$0].contains(9) }.map { ($0, 1) })
        }
        abbreviations = try set("abbrev_types.txt")
        sentenceStarters = try set("sent_starters.txt")
        collocations = try set("collocations.tab", requireTab: true)
        let (points, ranges) = try lines("ortho_context.tab")
        orthoContext = StringTable(buffer: points, ranges.compactMap { line -> (Range<Int>, Int)? in
            guard let tab = points[line].lastIndex(of: 9), tab + 1 < line.upperBound,
                  points[(tab + 1)..<line.upperBound].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            let flags = points[(tab + 1)..<line.upperBound].reduce(0) { $0 * 10 + Int($1 - 0x30) }
            return (line.lowerBound..<tab, flags)
        })
    }

    init() {}

    /// The parameters for `language` (NLTK's name: "english", "german", …) found in an
    /// NLTK data folder: `$NLTK_DATA` (colon-separated), `~/nltk_data`, /usr/share,
    /// /usr/local/share, /usr/lib and /usr/local/lib `nltk_data`, as NLTK searches.
    /// Nil when no folder has it.
    public static func installed(_ language: String, extraFolders: [String] = []) -> PunktParameters? {
        folder(language, extraFolders: extraFolders).flatMap { try? PunktParameters(directory: $0) }
    }

    /// The files of a `punkt_tab/<language>` model.
    public static let files = ["abbrev_types.txt", "collocations.tab", "sent_starters.txt", "ortho_context.tab"]

    /// The folder `installed` would read `language` from, if any.
    public static func folder(_ language: String, extraFolders: [String] = []) -> String? {
        var roots = extraFolders
        if let env = ProcessInfo.processInfo.environment["NLTK_DATA"] {
            roots += env.split(separator: ":").map(String.init)
        }
        roots.append((NSHomeDirectory() as NSString).appendingPathComponent("nltk_data"))
        roots += ["/usr/share/nltk_data", "/usr/local/share/nltk_data", "/usr/lib/nltk_data", "/usr/local/lib/nltk_data"]
        for root in roots {
            let folder = "\(root)/tokenizers/punkt_tab/\(language)"
            // A model is there only when all its files are: one missing or unreadable file
            // counts as no model, so that it is reported instead of half-loaded.
            if files.allSatisfy({ FileManager.default.isReadableFile(atPath: "\(folder)/\($0)") }) { return folder }
        }
        return nil
    }
}

public struct PunktError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// NLTK's Punkt sentence splitter (nltk 3.10, `PunktSentenceTokenizer.span_tokenize`
/// with boundary realignment), ported so that it cuts exactly where NLTK cuts: the
/// candidate contexts, the first and second annotation passes (abbreviations,
/// collocations, the orthographic heuristic, initials and numbers) and the realignment
/// of closing quotes and brackets. Offsets are code points.
public struct PunktSentenceSplitter: Sendable {
    public let parameters: PunktParameters

    public init(parameters: PunktParameters) {
        self.parameters = parameters
    }

    /// The [start, end) code-point ranges of the sentences of `text`.
    public func sentenceSpans(_ text: [UInt32]) -> [Range<Int>] {
        realign(text, slices(text))
    }

    // MARK: Candidate contexts

    private struct Candidate {
        var position: Int          // the `.`, `?` or `!`
        var afterEnd: Int          // end of the `after_tok` group
        var nextToken: Int?        // start of `next_tok`, when the context is a next word
    }

    /// `period_context_re().finditer`: a sentence-end character followed by other
    /// punctuation or by white space and a token.
    private func candidates(_ text: [UInt32]) -> [Candidate] {
        var out: [Candidate] = []
        let n = text.count
        var p = 0
        while p < n {
            let c = text[p]
            if c == 0x2E || c == 0x3F || c == 0x21, p + 1 < n {
                let next = text[p + 1]
                if Self.isNonWord(next) {
                    out.append(Candidate(position: p, afterEnd: p + 2, nextToken: nil))
                } else if CharacterClasses.isRegexSpace(next) {
                    var q = p + 1
                    while q < n, CharacterClasses.isRegexSpace(text[q]) { q += 1 }
                    if q < n {
                        var e = q
                        while e < n, !CharacterClasses.isRegexSpace(text[e]) { e += 1 }
                        out.append(Candidate(position: p, afterEnd: e, nextToken: q))
                    }
                }
            }
            p += 1
        }
        return out
    }

    /// `_slices_from_text` with `_match_potential_end_contexts`.
    private func slices(_ text: [UInt32]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var lastBreak = 0
        func consider(_ match: Candidate, _ wordSlice: Range<Int>) {
            var context = Array(text[wordSlice])
            context.append(contentsOf: text[match.position..<match.afterEnd])
            if containsSentenceBreak(context) {
                out.append(lastBreak..<(match.position + 1))
                lastBreak = match.nextToken ?? (match.position + 1)
            }
        }
        var previousSlice = 0..<0
        var previousMatch: Candidate?
        for match in candidates(text) {
            // The word before the match: after the last ASCII white space since the
            // previous word slice (Python's string.whitespace), as NLTK finds it.
            var lastSpace = 0
            var i = match.position - 1
            while i >= previousSlice.upperBound {
                let c = text[i]
                if c == 0x20 || (c >= 0x09 && c <= 0x0D) { lastSpace = i - previousSlice.upperBound; break }
                i -= 1
            }
            let start = lastSpace != 0 ? lastSpace + previousSlice.upperBound + 1 : previousSlice.lowerBound
            let wordSlice = start..<max(start, match.position)
            if let previous = previousMatch, previousSlice.upperBound <= wordSlice.lowerBound {
                consider(previous, previousSlice)
            }
            previousMatch = match
            previousSlice = wordSlice
        }
        if let previous = previousMatch { consider(previous, previousSlice) }
        var end = text.count
        while end > 0, CharacterClasses.isSpace(text[end - 1]) { end -= 1 }
        out.append(lastBreak..<max(lastBreak, end))
        return out
    }

    /// `_realign_boundaries`: closing quotes and brackets after a sentence end belong
    /// to the sentence.
    private func realign(_ text: [UInt32], _ slices: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var shift = 0
        for (k, slice) in slices.enumerated() {
            let start = slice.lowerBound + shift
            let first = start..<max(start, slice.upperBound)
            guard k + 1 < slices.count else {
                if !first.isEmpty { out.append(first) }
                continue
            }
            let second = slices[k + 1]
            if let (quotes, end) = realignment(text, second) {
                out.append(first.lowerBound..<(second.lowerBound + quotes))
                shift = end
            } else {
                shift = 0
                if !first.isEmpty { out.append(first) }
            }
        }
        return out
    }

    /// `re_boundary_realignment.match(text[slice])`: closing punctuation, lazily, then
    /// white space, `--` or the end of the slice. Returns the number of punctuation
    /// characters and the match's end, relative to the slice.
    private func realignment(_ text: [UInt32], _ slice: Range<Int>) -> (Int, Int)? {
        let s = slice.lowerBound, n = slice.upperBound
        var k = 0
        while s + k < n, Self.isClosing(text[s + k]) {
            k += 1
            let p = s + k
            if p < n, CharacterClasses.isRegexSpace(text[p]) {
                var e = p
                while e < n, CharacterClasses.isRegexSpace(text[e]) { e += 1 }
                return (k, e - s)
            }
            if p + 1 < n, text[p] == 0x2D, text[p + 1] == 0x2D { return (k, k) }
            if p == n { return (k, k) }
        }
        return nil
    }

    // MARK: Tokens and annotation

    private struct Token {
        var text: ArraySlice<UInt32>
        var type: [UInt32]
        var periodFinal: Bool
        var sentenceBreak = false
        var abbreviation = false
        var ellipsis = false

        init(_ text: ArraySlice<UInt32>) {
            self.text = text
            var type = CharacterClasses.lowercased(text)
            if Self.isNumeric(type) { type = Self.numberType }
            self.type = type
            periodFinal = text.last == 0x2E
        }

        static let numberType = CodePoints.of("##number##")

        /// `^-?[\.,]?\d[\d,\.-]*\.?$`
        static func isNumeric(_ s: [UInt32]) -> Bool {
            func rest(_ i: Int) -> Bool {
                guard i < s.count, CharacterClasses.isDecimal(s[i]) else { return false }
                return s[(i + 1)...].allSatisfy { $0 == 0x2C || $0 == 0x2E || $0 == 0x2D || CharacterClasses.isDecimal($0) }
            }
            for minus in [true, false] {
                var i = 0
                if minus { guard s.first == 0x2D else { continue }; i = 1 }
                if i < s.count, s[i] == 0x2E || s[i] == 0x2C, rest(i + 1) { return true }
                if rest(i) { return true }
            }
            return false
        }

        var typeNoPeriod: ArraySlice<UInt32> {
            type.count > 1 && type.last == 0x2E ? type.dropLast() : type[...]
        }
        var typeNoSentencePeriod: ArraySlice<UInt32> { sentenceBreak ? typeNoPeriod : type[...] }
        var firstUpper: Bool { CharacterClasses.isUpper(text.first!) }
        var firstLower: Bool { CharacterClasses.isLower(text.first!) }
        /// `\.\.+$`
        var isEllipsis: Bool { text.count >= 2 && text.allSatisfy { $0 == 0x2E } }
        /// `[^\W\d]\.$`
        var isInitial: Bool {
            text.count == 2 && text.last == 0x2E
                && CharacterClasses.isRegexWord(text.first!) && !CharacterClasses.isDecimal(text.first!)
        }
    }

    /// `text_contains_sentbreak`: a token other than the last one ends a sentence.
    private func containsSentenceBreak(_ text: [UInt32]) -> Bool {
        var tokens = Self.words(text).map(Token.init)
        for i in tokens.indices { firstPass(&tokens[i]) }
        guard tokens.count >= 2 else { return false }
        for i in 0..<(tokens.count - 1) {
            secondPass(&tokens[i], tokens[i + 1])
            if tokens[i].sentenceBreak { return true }
        }
        return false
    }

    private func firstPass(_ token: inout Token) {
        let t = token.text
        if t.count == 1, t.first == 0x2E || t.first == 0x3F || t.first == 0x21 {
            token.sentenceBreak = true
        } else if token.isEllipsis {
            token.ellipsis = true
        } else if token.periodFinal, !(t.count >= 2 && t[t.endIndex - 2] == 0x2E) {
            let stem = CharacterClasses.lowercased(t.dropLast())
            let lastPart = stem.split(separator: 0x2D, omittingEmptySubsequences: false).last.map(Array.init) ?? []
            if parameters.abbreviations.contains(stem) || parameters.abbreviations.contains(lastPart) {
                token.abbreviation = true
            } else {
                token.sentenceBreak = true
            }
        }
    }

    private static let orthoBeginUpper = 1 << 1, orthoMidUpper = 1 << 2, orthoUnknownUpper = 1 << 3
    private static let orthoBeginLower = 1 << 4, orthoMidLower = 1 << 5, orthoUnknownLower = 1 << 6
    private static let orthoUpper = orthoBeginUpper | orthoMidUpper | orthoUnknownUpper
    private static let orthoLower = orthoBeginLower | orthoMidLower | orthoUnknownLower

    private func secondPass(_ token: inout Token, _ next: Token) {
        guard token.periodFinal else { return }
        let type = token.typeNoPeriod
        let nextType = next.typeNoSentencePeriod
        let initial = token.isInitial
        var pair = Array(type)
        pair.append(9)
        pair.append(contentsOf: nextType)
        if parameters.collocations.contains(pair) {
            token.sentenceBreak = false
            token.abbreviation = true
            return
        }
        if (token.abbreviation || token.ellipsis) && !initial {
            let starter = orthographicHeuristic(next)
            if starter == true {
                token.sentenceBreak = true
                return
            }
            if next.firstUpper && parameters.sentenceStarters.contains(nextType) {
                token.sentenceBreak = true
                return
            }
        }
        if initial || type.elementsEqual(Token.numberType) {
            let starter = orthographicHeuristic(next)
            if starter == false {
                token.sentenceBreak = false
                token.abbreviation = true
                return
            }
            if starter == nil, initial, next.firstUpper,
               (parameters.orthoContext[nextType] ?? 0) & Self.orthoLower == 0 {
                token.sentenceBreak = false
                token.abbreviation = true
            }
        }
    }

    /// True: starts a sentence, false: does not, nil: unknown.
    private func orthographicHeuristic(_ token: Token) -> Bool? {
        if token.text.count == 1, let c = token.text.first, [0x3B, 0x3A, 0x2C, 0x2E, 0x21, 0x3F].contains(c) {
            return false
        }
        let context = parameters.orthoContext[token.typeNoSentencePeriod] ?? 0
        if token.firstUpper && context & Self.orthoLower != 0 && context & Self.orthoMidUpper == 0 {
            return true
        }
        if token.firstLower && (context & Self.orthoUpper != 0 || context & Self.orthoBeginLower == 0) {
            return false
        }
        return nil
    }

    // MARK: Punkt's word tokenizer

    /// `)";}]*:@'({[` curly quotes, guillemets, `?` and `!`: never inside a word.
    static func isNonWord(_ c: UInt32) -> Bool {
        switch c {
        case 0x29, 0x22, 0x3B, 0x7D, 0x5D, 0x2A, 0x3A, 0x40, 0x27, 0x28, 0x7B, 0x5B,
             0x2018, 0x2019, 0x201C, 0x201D, 0xAB, 0xBB, 0x3F, 0x21: return true
        default: return false
        }
    }

    /// Closing punctuation that realignment moves onto the sentence before.
    static func isClosing(_ c: UInt32) -> Bool {
        switch c {
        case 0x22, 0x27, 0x29, 0x5D, 0x7D, 0x2018, 0x2019, 0x201C, 0x201D, 0xAB, 0xBB: return true
        default: return false
        }
    }

    /// Characters that cannot start a word: `("`{[:;&#*@)}]-,`.
    static func cannotStartWord(_ c: UInt32) -> Bool {
        switch c {
        case 0x28, 0x22, 0x60, 0x7B, 0x5B, 0x3A, 0x3B, 0x26, 0x23, 0x2A, 0x40, 0x29, 0x7D, 0x5D, 0x2D, 0x2C: return true
        default: return false
        }
    }

    /// End of the multi-character punctuation (`--`, `..`, `. . .`) at `p`, if any.
    static func multiCharEnd(_ s: ArraySlice<UInt32>, _ p: Int) -> Int? {
        let n = s.endIndex
        guard p + 1 < n else { return nil }
        if s[p] == 0x2D, s[p + 1] == 0x2D {
            var e = p + 2
            while e < n, s[e] == 0x2D { e += 1 }
            return e
        }
        guard s[p] == 0x2E else { return nil }
        if s[p + 1] == 0x2E {
            var e = p + 2
            while e < n, s[e] == 0x2E { e += 1 }
            return e
        }
        // (?:\.\s){2,}\.
        var pairs = 0
        var e = p
        while e + 1 < n, s[e] == 0x2E, CharacterClasses.isRegexSpace(s[e + 1]) { pairs += 1; e += 2 }
        if pairs >= 2, e < n, s[e] == 0x2E { return e + 1 }
        if pairs >= 3 { return p + 2 * (pairs - 1) + 1 }
        return nil
    }

    /// `_tokenize_words` without the flags the splitter never reads: the tokens of
    /// each non-blank line.
    static func words(_ text: [UInt32]) -> [ArraySlice<UInt32>] {
        var out: [ArraySlice<UInt32>] = []
        var lineStart = 0
        for i in 0...text.count where i == text.count || text[i] == 0x0A {
            let line = text[lineStart..<i]
            lineStart = i + 1
            guard line.contains(where: { !CharacterClasses.isSpace($0) }) else { continue }
            lineWords(line, into: &out)
        }
        return out
    }

    /// `PunktLanguageVars.word_tokenize` on one line.
    static func lineWords(_ s: ArraySlice<UInt32>, into out: inout [ArraySlice<UInt32>]) {
        let n = s.endIndex
        var p = s.startIndex
        while p < n {
            if let e = multiCharEnd(s, p) {
                out.append(s[p..<e]); p = e; continue
            }
            let c = s[p]
            if CharacterClasses.isRegexSpace(c) { p += 1; continue }
            if cannotStartWord(c) {
                out.append(s[p..<(p + 1)]); p += 1; continue
            }
            var e = p + 1
            while e < n {
                let d = s[e]
                if CharacterClasses.isRegexSpace(d) || isNonWord(d) || multiCharEnd(s, e) != nil { break }
                if d == 0x2C {
                    let f = e + 1
                    if f == n || CharacterClasses.isRegexSpace(s[f]) || isNonWord(s[f]) || multiCharEnd(s, f) != nil { break }
                }
                e += 1
            }
            out.append(s[p..<e]); p = e
        }
    }
}
