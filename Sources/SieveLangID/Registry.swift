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

    public init(code: String, name: String, family: String, script: String, segmentation: String, minScore: Double) {
        self.code = code
        self.name = name
        self.family = family
        self.script = script
        self.segmentation = segmentation
        self.minScore = minScore
    }
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

    /// Reads a registry TSV (header `code name family script segmentation min_score`).
    public init(contentsOfFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw LangIDError.unreadable(path)
        }
        try self.init(tsv: text, path: path)
    }

    init(tsv: String, path: String) throws {
        // "\r\n" is one Character: a file with CRLF line ends splits the same.
        var lines = tsv.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        let header = ["code", "name", "family", "script", "segmentation", "min_score"]
        guard let first = lines.first, first.split(separator: "\t").map(String.init) == header else {
            throw LangIDError.malformed(path, "the header must be \(header.joined(separator: " "))")
        }
        lines.removeFirst()
        var languages: [Language] = []
        for (n, line) in lines.enumerated() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 6, let minScore = Double(f[5]), ["space", "dictionary"].contains(f[4]) else {
                throw LangIDError.malformed(path, "line \(n + 2) needs 6 fields, segmentation space|dictionary, a numeric min_score")
            }
            languages.append(Language(code: f[0], name: f[1], family: f[2], script: f[3], segmentation: f[4], minScore: minScore))
        }
        guard Set(languages.map(\.code)).count == languages.count else {
            throw LangIDError.malformed(path, "duplicate language codes")
        }
        self.init(languages: languages)
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
