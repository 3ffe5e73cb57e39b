import Foundation

/// One of the languages the corpus targets (a row of `languages/registry.tsv`).
public struct Language: Sendable, Equatable {
    /// FLORES-200 style code: `eng_Latn`, `zho_Hant`, `apc_Arab`.
    public var code: String
    /// English name.
    public var name: String
    /// Language family, as grouped by the Qwen3 report.
    public var family: String
    /// ISO 15924 script of the written language (`Hans`/`Hant` for Chinese, `Jpan`, `Hang`).
    public var script: String
    /// `space` or `dictionary` (ICU dictionary break iteration: Chinese, Japanese, Thai,
    /// Lao, Khmer, Burmese).
    public var segmentation: String
    /// Default minimum language score of the langid filter.
    public var minScore: Double
    /// The group of closely related varieties the language belongs to (`arabic`,
    /// `bosnian_croatian_serbian`), empty for a language of its own.
    public var group: String
    /// Prior weight of the language against the others of its script, for web text: the
    /// detector multiplies the model's probabilities by it before normalizing (1: no
    /// preference; the model itself is trained with every language equally likely).
    public var prior: Double

    public init(code: String, name: String, family: String, script: String, segmentation: String, minScore: Double,
                group: String = "", prior: Double = 1) {
        self.code = code
        self.name = name
        self.family = family
        self.script = script
        self.segmentation = segmentation
        self.minScore = minScore
        self.group = group
        self.prior = prior
    }

    /// The group's name, or the language's own code when it is in no group: what
    /// `language_group` holds.
    public var groupName: String { group.isEmpty ? code : group }
}

/// The language registry: the languages Sieve identifies, in file order.
public struct LanguageRegistry: Sendable, Equatable {
    public let languages: [Language]
    /// Position of every code in `languages`: the stage looks a language up per document.
    private let index: [String: Int]

    public init(languages: [Language]) {
        self.languages = languages
        index = Dictionary(languages.enumerated().map { ($1.code, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Reads a registry TSV (header `code name family script segmentation min_score group
    /// prior`; the last two columns may be left out: no group, prior 1).
    public init(contentsOfFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw LangIDError.unreadable(path)
        }
        try self.init(tsv: text, path: path)
    }

    init(tsv: String, path: String) throws {
        // "\r\n" is one Character: a file with CRLF line ends splits the same.
        var lines = tsv.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        let header = ["code", "name", "family", "script", "segmentation", "min_score", "group", "prior"]
        let columns = lines.first?.split(separator: "\t").map(String.init) ?? []
        guard columns == header || columns == Array(header.prefix(6)) else {
            throw LangIDError.malformed(path, "the header must be \(header.joined(separator: " ")) (group and prior may be left out)")
        }
        lines.removeFirst()
        var languages: [Language] = []
        for (n, line) in lines.enumerated() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let prior = columns.count == 8 && f.count == 8 ? Double(f[7]) : 1
            guard f.count == columns.count, let minScore = Double(f[5]), ["space", "dictionary"].contains(f[4]),
                  let prior, prior > 0, prior.isFinite else {
                throw LangIDError.malformed(path, "line \(n + 2) needs \(columns.count) fields, segmentation space|dictionary, "
                                            + "a numeric min_score" + (columns.count == 8 ? " and a positive prior" : ""))
            }
            languages.append(Language(code: f[0], name: f[1], family: f[2], script: f[3], segmentation: f[4], minScore: minScore,
                                      group: columns.count == 8 ? f[6] : "", prior: prior))
        }
        let codes = Set(languages.map(\.code))
        guard codes.count == languages.count else {
            throw LangIDError.malformed(path, "duplicate language codes")
        }
        if let clash = languages.first(where: { codes.contains($0.group) }) {
            throw LangIDError.malformed(path, "group \(clash.group) of \(clash.code) is also a language code")
        }
        self.init(languages: languages)
    }

    /// The codes of the languages in `group` (a group name, or a language's own code for
    /// a language in no group), in registry order.
    public func members(ofGroup group: String) -> [String] {
        languages.filter { $0.groupName == group }.map(\.code)
    }

    /// The language with `code`, if registered.
    public func language(_ code: String) -> Language? {
        index[code].map { languages[$0] }
    }
}

/// Why a language-ID model or its inputs cannot be used.
public enum LangIDError: Error, CustomStringConvertible {
    case unreadable(String)
    case malformed(String, String)

    public var description: String {
        switch self {
        case .unreadable(let path): return "cannot read \(path)"
        case .malformed(let path, let why): return "\(path): \(why)"
        }
    }
}
