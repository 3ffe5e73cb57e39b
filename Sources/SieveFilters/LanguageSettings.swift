import SieveCore
import Foundation
import SieveText

/// Derives `filters/languages.toml` from text in each language: how words are cut,
/// Gopher's stop words, and mean-word-length bounds widened where the language's own
/// clean text falls outside Gopher's 3-10 characters (docs/filters.md).
public struct LanguageSettingsBuilder {
    /// A language to write settings for: its registry code and segmentation (`space`
    /// or `dictionary`).
    public struct Language: Sendable {
        public var code: String
        public var segmentation: String
        public init(code: String, segmentation: String) {
            self.code = code
            self.segmentation = segmentation
        }
    }

    /// NLTK's Punkt model names, for the registry's languages NLTK has one for.
    public static let punktModels: [String: String] = [
        "ces_Latn": "czech", "dan_Latn": "danish", "nld_Latn": "dutch", "eng_Latn": "english",
        "est_Latn": "estonian", "fin_Latn": "finnish", "fra_Latn": "french", "deu_Latn": "german",
        "ell_Grek": "greek", "ita_Latn": "italian", "mal_Mlym": "malayalam", "nob_Latn": "norwegian",
        "nno_Latn": "norwegian", "pol_Latn": "polish", "por_Latn": "portuguese", "rus_Cyrl": "russian",
        "slv_Latn": "slovene", "spa_Latn": "spanish", "swe_Latn": "swedish", "tur_Latn": "turkish",
    ]

    /// ICU locales for the languages written without spaces.
    public static let icuLocales: [String: String] = [
        "zho_Hans": "zh", "zho_Hant": "zh_Hant", "yue_Hant": "yue", "jpn_Jpan": "ja",
        "tha_Thai": "th", "lao_Laoo": "lo", "khm_Khmr": "km", "mya_Mymr": "my",
    ]

    /// Lines per sample when measuring mean word lengths.
    public static let sampleLines = 20
    /// The share of samples allowed outside Gopher's bounds before they are widened.
    public static let tail = 0.02
    /// Languages whose writing ends sentences with a space, not a mark. (Measuring this
    /// on the language-ID text would mislead: several of its sources strip punctuation.)
    public static let withoutSentenceMarks: Set<String> = ["tha_Thai", "lao_Laoo"]

    public var languages: [Language]
    public var nltkData: [String]

    public init(languages: [Language], nltkData: [String] = []) {
        self.languages = languages
        self.nltkData = nltkData
    }

    /// One language's settings, measured on `lines` (nil: no text for it).
    struct Measured {
        var code: String
        var punkt: String?
        var icuLocale: String?
        var stopWords: [String]
        var minMean: Double?
        var maxMean: Double?
        var samples: Int
        /// Mean length of all words (for scaling character-based rules).
        var meanWordLength = 0.0
    }

    /// Letters, combining marks (Indic vowel signs) and joiners: what words are made of.
    static func isLetterOrMark(_ c: UInt32) -> Bool {
        CharacterClasses.isRegexWord(c) && !CharacterClasses.isDecimal(c) && c != 0x5F
    }

    func measure(_ language: Language, lines: [String]?) -> Measured {
        let icuLocale = language.segmentation == "dictionary" ? Self.icuLocales[language.code] ?? "root" : nil
        let punkt = icuLocale == nil ? Self.punktModels[language.code] : nil
        var measured = Measured(code: language.code, punkt: punkt, icuLocale: icuLocale, stopWords: [], samples: 0)
        guard let lines, !lines.isEmpty else { return measured }
        let splitter: WordSplitter
        if let icuLocale {
            splitter = .icu(locale: icuLocale)
        } else {
            let parameters = punkt.flatMap { PunktParameters.installed($0, extraFolders: nltkData) } ?? .empty
            splitter = .punkt(PunktSentenceSplitter(parameters: parameters))
        }
        var frequency: [[UInt32]: (count: Int, first: Int)] = [:]
        var means: [Double] = []
        var order = 0
        for start in stride(from: 0, to: lines.count, by: Self.sampleLines) {
            let sample = lines[start..<min(lines.count, start + Self.sampleLines)].joined(separator: "\n")
            let words = splitter.words(CodePoints.of(sample))
            var length = 0, count = 0
            var seen = Set<[UInt32]>()
            var inOrder: [[UInt32]] = []
            for i in 0..<words.count {
                let word = words[i]
                if word.contains(where: { !SymbolCharacters.contains($0) }) { length += word.count; count += 1 }
                // Stop words are matched case and all: lowercase words only, so that
                // sentence-initial capitals and names do not qualify.
                if word.allSatisfy({ Self.isLetterOrMark($0) && !CharacterClasses.isUpper($0) }) {
                    if seen.insert(Array(word)).inserted { inOrder.append(Array(word)) }
                }
            }
            // In order of appearance, so that ties are broken the same on every run.
            for key in inOrder {
                if let entry = frequency[key] { frequency[key] = (entry.count + 1, entry.first) } else {
                    frequency[key] = (1, order); order += 1
                }
            }
            if count > 0 { means.append(Double(length) / Double(count)) }
        }
        measured.samples = means.count
        measured.meanWordLength = means.isEmpty ? 0 : means.reduce(0, +) / Double(means.count)
        // The words found in the most samples (ties: the one seen first).
        measured.stopWords = frequency.sorted { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.value.first < $1.value.first }
            .prefix(8).map { CodePoints.string($0.key) }
        means.sort()
        if !means.isEmpty {
            let low = means[Int(Double(means.count - 1) * Self.tail)]
            let high = means[Int((Double(means.count - 1) * (1 - Self.tail)).rounded(.up))]
            if low < 3 { measured.minMean = (low * 2).rounded(.down) / 2 }
            if high > 10 { measured.maxMean = (high * 2).rounded(.up) / 2 }
        }
        return measured
    }

    /// The languages file, for text read from `DIR/CODE.txt` of `directory`.
    public func build(directory: String, command: String) -> String {
        var out = """
            # Per-language settings of the quality filters (format: docs/filters.md). Generated by
            #   \(command)
            # from the language-ID text: for each language, how words are cut (NLTK Punkt + Treebank
            # where NLTK has a Punkt model, ICU word breaks for languages written without spaces,
            # Punkt without a model otherwise), Gopher's stop words (the 8 lowercase words found in the
            # most samples; English keeps Gopher's own list) and, where more than \(Int(Self.tail * 100))% of
            # \(Self.sampleLines)-line samples of the language's text have a mean word length outside Gopher's
            # 3-10 characters, bounds widened to that text's \(Int(Self.tail * 100))th/\(100 - Int(Self.tail * 100))th percentile. For Thai and Lao,
            # whose sentences end without a mark, FineWeb's line punctuation rule and C4's
            # punctuation and sentence rules are off; for languages without spaces,
            # FineWeb's short line (30 characters of English) is scaled to as many words.
            # Languages not listed get [default].

            [default]

            """
        func lines(_ code: String) -> [String]? {
            let path = (directory as NSString).appendingPathComponent("\(code).txt")
            return (try? String(contentsOfFile: path, encoding: .utf8)).map {
                $0.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
            }
        }
        let englishWordLength = languages.first { $0.code == "eng_Latn" }
            .map { measure($0, lines: lines($0.code)).meanWordLength }
        for language in languages {
            let m = measure(language, lines: lines(language.code))
            out += "\n[\(m.code)]\n"
            if let punkt = m.punkt { out += "punkt = \"\(punkt)\"\n" }
            if let locale = m.icuLocale { out += "words = \"icu\"\nicu_locale = \"\(locale)\"\n" }
            var gopher: [String] = []
            if m.code != "eng_Latn" {
                if m.stopWords.count >= 8 {
                    gopher.append("stop_words = [\(m.stopWords.map { TOML.quoted($0) }.joined(separator: ", "))]")
                } else {
                    gopher.append("min_stop_words = 0  # no text to find stop words in")
                }
            }
            if let v = m.minMean { gopher.append("min_avg_word_length = \(v)") }
            if let v = m.maxMean { gopher.append("max_avg_word_length = \(v)") }
            if !gopher.isEmpty { out += "[\(m.code).gopher_quality]\n" + gopher.joined(separator: "\n") + "\n" }
            var fineweb: [String] = []
            var c4: [String] = []
            if Self.withoutSentenceMarks.contains(m.code) {
                // Sentences end without a mark: the rules that count punctuated lines and
                // sentences say nothing about quality.
                fineweb.append("line_punct_thr = 0  # sentences end without a mark")
                c4.append("filter_no_terminal_punct = false")
                c4.append("min_num_sentences = -1")
            }
            if m.icuLocale != nil, m.meanWordLength > 0, let english = englishWordLength {
                // FineWeb's short line is 30 characters of English, about 5 words and
                // spaces; the same number of words in this language.
                let length = Int((30 * m.meanWordLength / (english + 1)).rounded())
                fineweb.append("short_line_length = \(length)")
            }
            if !fineweb.isEmpty { out += "[\(m.code).fineweb]\n" + fineweb.joined(separator: "\n") + "\n" }
            if !c4.isEmpty { out += "[\(m.code).c4]\n" + c4.joined(separator: "\n") + "\n" }
        }
        return out
    }
}
