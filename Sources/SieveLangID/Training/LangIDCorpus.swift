import Foundation

/// The language-ID text: one `CODE.txt` per language, one sentence or short paragraph
/// per line. Lines are split deterministically in blocks of five consecutive lines:
/// block `b` is held out for evaluation when `b % 10 == 9` (10% of every language,
/// and 5-line paragraphs stay whole) and used for calibration when `b % 10 == 4`.
public struct LangIDCorpus: Sendable {
    /// Which part of the lines.
    public enum Split: String, Sendable, CaseIterable {
        /// Everything that is not held out (what the final model is trained on).
        case train
        /// The calibration blocks only (inside `train`).
        case calibration
        /// The held-out blocks: never trained on.
        case dev
    }

    public static let blockLines = 5

    /// Lines per registry language index (empty for languages without a file).
    public var lines: [[String]]
    public let registry: LanguageRegistry

    /// Reads `DIRECTORY/CODE.txt` and `DIRECTORY/CODE.SOURCE.txt` (one file per source,
    /// in name order after `CODE.txt`) for every registered language that has them, from
    /// each directory in turn (the lines of a language's files are concatenated in that
    /// order).
    public init(directories: [String], registry: LanguageRegistry) throws {
        self.registry = registry
        let listings = try directories.map { directory in
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
                throw LangIDError.unreadable(directory)
            }
            return names.sorted()
        }
        lines = try registry.languages.map { language in
            var lines: [String] = []
            for (directory, names) in zip(directories, listings) {
                let own = language.code + ".txt"
                let sources = names.filter { $0.hasPrefix(language.code + ".") && $0.hasSuffix(".txt") && $0 != own }
                for name in names.filter({ $0 == own }) + sources {
                    let path = (directory as NSString).appendingPathComponent(name)
                    guard let data = FileManager.default.contents(atPath: path) else { throw LangIDError.unreadable(path) }
                    lines += String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
                        .filter { !$0.allSatisfy(\.isWhitespace) }
                }
            }
            return lines
        }
        guard lines.contains(where: { !$0.isEmpty }) else {
            throw LangIDError.malformed(directories.joined(separator: ", "), "no CODE.txt files for the registry's languages")
        }
    }

    static func block(_ line: Int) -> Int { (line / blockLines) % 10 }

    /// Whether line `i` of a language file belongs to `split`.
    public static func contains(_ split: Split, line i: Int) -> Bool {
        switch split {
        case .train: return block(i) != 9
        case .calibration: return block(i) == 4
        case .dev: return block(i) == 9
        }
    }

    /// The lines of language `index` in `split`, with their line numbers.
    public func lines(of index: Int, in split: Split) -> [(line: Int, text: String)] {
        lines[index].enumerated().filter { Self.contains(split, line: $0.offset) }.map { ($0.offset, $0.element) }
    }

    /// Texts of `split` as (language index, text): single lines, or with `paragraph` > 1
    /// runs of that many consecutive lines of one block joined by a space.
    /// Only language `language` when given.
    public func samples(_ split: Split, paragraph: Int = 1, language: Int? = nil) -> [(language: Int, text: String)] {
        var out: [(Int, String)] = []
        for index in lines.indices where language == nil || language == index {
            let selected = self.lines(of: index, in: split)
            if paragraph <= 1 {
                out += selected.map { (index, $0.text) }
                continue
            }
            var run: [String] = []
            var previous = -2
            for (line, text) in selected {
                if line != previous + 1 || line / Self.blockLines != previous / Self.blockLines || run.count == paragraph {
                    if run.count == paragraph { out.append((index, run.joined(separator: " "))) }
                    run = []
                }
                run.append(text)
                previous = line
            }
            if run.count == paragraph { out.append((index, run.joined(separator: " "))) }
        }
        return out
    }
}
