import CKernels
import CMemory
import Foundation
import SieveText

/// What language identification says about one text.
public struct Detection: Sendable, Equatable {
    /// The language code, or `und` when no registered language applies (see `reason`).
    public var language: String
    /// Probability that the text is in `language`: the model's calibrated probability
    /// times the share of the text's letters in the language's script group (1 for a
    /// language decided by its script alone, times that share); 0 for `und`.
    public var score: Double
    /// ISO 15924 code of the script with most letters (`Jpan` for Han with kana); `Zyyy`
    /// when there are no letters.
    public var script: String
    /// True when a second script group holds at least `mixedScriptShare` of the letters.
    public var mixedScript: Bool
    /// The best languages with their scores, best first (at most the `top` asked for).
    public var top: [Candidate]
    /// Why the language is `und`: `empty`, `no_letters`, `binary`, `unknown_script`,
    /// `undetectable` (a registered language without a model, such as Pangasinan).
    public var reason: String?
    /// The language's group of close varieties (`arabic`), or its own code when it is in
    /// none; `und` for `und`.
    public var group: String
    /// The summed score of the group's languages: how sure it is that the text is in one
    /// of them, whichever variety it is (equal to `score` for a language in no group).
    public var groupScore: Double

    /// A language and its score.
    public struct Candidate: Sendable, Equatable {
        public var language: String
        public var score: Double
    }
}

/// Identifies languages with a `LanguageModel`: ICU scripts first (a script with one
/// language decides; kana decides Japanese), then the script group's linear scorer.
/// Safe to use from many threads.
public final class LanguageDetector: @unchecked Sendable {
    public let model: LanguageModel
    let tables = ScriptTables.shared
    /// Script group of every ICU script code, as an index into `model.groups` (-1: none).
    private let groupOfScript: [Int]
    private let kanaScripts: Set<Int>
    /// Per group, which scripts' letters its features see (`ScriptTables.members`).
    private let groupScripts: [[Bool]]
    /// Per script group, the log prior of each class (nil when every prior is equal, which
    /// leaves the model's probabilities as they are).
    private let logPriors: [[Float]?]
    /// Group name (`Language.groupName`) of every registry language, and a number per
    /// group name (compared per class on every text, so not as strings).
    private let groupNames: [String]
    private let groupIDs: [Int]

    /// Share of letters a second script group needs for `mixedScript`.
    public static let mixedScriptShare = 0.2
    /// Share of kana among the Han group's letters from which a text is Japanese.
    static let kanaShare = 0.1
    /// Fewer letters than this in a text and it is `no_letters`.
    static let minimumLetters = 1
    /// Share of control, private-use, unassigned and U+FFFD characters among the
    /// non-space characters from which a text is `binary`.
    static let binaryShare = 0.1

    /// `priors` overrides the registry's prior of the languages it names.
    public init(model: LanguageModel, priors: [String: Double] = [:]) {
        self.model = model
        var groupOfScript = [Int](repeating: -1, count: 256)
        var kana = Set<Int>()
        for code in 0..<256 {
            let name = tables.groupName(ofScript: code)
            groupOfScript[code] = model.groups.firstIndex { $0.script == name } ?? -1
            if ["Hira", "Kana", "Hrkt"].contains(tables.names[code]) { kana.insert(code) }
        }
        self.groupOfScript = groupOfScript
        self.kanaScripts = kana
        groupScripts = model.groups.map { ScriptTables.shared.members(ofGroup: $0.script) }
        let languages = model.registry.languages
        logPriors = model.groups.map { group in
            let weights = group.classes.map { priors[languages[$0].code] ?? languages[$0].prior }
            guard Set(weights).count > 1 else { return nil }
            return weights.map { Float(Foundation.log($0)) }
        }
        groupNames = languages.map(\.groupName)
        var ids: [String: Int] = [:]
        groupIDs = groupNames.map { name in
            if let id = ids[name] { return id }
            ids[name] = ids.count
            return ids.count - 1
        }
    }

    /// Identifies the language of `text` (scored whole up to `Features.scoredBytes`,
    /// then on windows spread over it). `top` is how many candidates to list.
    public func detect(_ text: String, top: Int = 2) -> Detection {
        var text = text
        return text.withUTF8 { detect(utf8: $0, top: top) }
    }

    /// As `detect(_:top:)`, on valid UTF-8 bytes.
    public func detect(utf8 text: UnsafeBufferPointer<UInt8>, top: Int = 2) -> Detection {
        var features: [UInt32] = []
        return detect(utf8: text, top: top, features: &features)
    }

    func detect(utf8 text: UnsafeBufferPointer<UInt8>, top: Int, features: inout [UInt32]) -> Detection {
        let windows = Features.windows(text)
        // Script histogram over the scored bytes.
        var letters = [Int](repeating: 0, count: 256)
        var letterCount = 0, visible = 0, invalid = 0
        tables.scripts.withUnsafeBufferPointer { scripts in
            tables.classes.withUnsafeBufferPointer { classes in
                for window in windows {
                    var i = window.lowerBound
                    while i < window.upperBound {
                        let (scalar, length) = UTF8Scalars.decode(text, at: i)
                        i += length
                        let c = Int(scalar)
                        switch classes[c] {
                        case ScriptTables.letter:
                            letters[Int(scripts[c])] += 1
                            letterCount += 1
                            visible += 1
                        case ScriptTables.invalid:
                            if scalar != 0x09 && scalar != 0x0A && scalar != 0x0D { invalid += 1; visible += 1 }
                        default:
                            if scalar == 0xFFFD { invalid += 1 }
                            if scalar > 0x20 && scalar != 0xA0 && scalar != 0x3000 { visible += 1 }
                        }
                    }
                }
            }
        }
        func undetermined(_ reason: String, script: String = "Zyyy") -> Detection {
            Detection(language: "und", score: 0, script: script, mixedScript: false, top: [], reason: reason, group: "und", groupScore: 0)
        }
        if visible == 0 { return undetermined("empty") }
        if Double(invalid) >= Self.binaryShare * Double(visible) { return undetermined("binary") }
        if letterCount < Self.minimumLetters { return undetermined("no_letters") }

        // Letters by script group; the dominant group decides which scorer runs.
        var groupLetters = [Int](repeating: 0, count: model.groups.count)
        var ungrouped = 0
        var dominantScript = 0
        var kana = 0
        // Inherited and Common letters (combining marks, a few symbols) follow their base.
        for code in 2..<256 where letters[code] > 0 {
            if dominantScript < 2 || letters[code] > letters[dominantScript] { dominantScript = code }
            if kanaScripts.contains(code) { kana += letters[code] }
            let g = groupOfScript[code]
            if g >= 0 { groupLetters[g] += letters[code] } else { ungrouped += letters[code] }
        }
        let counted = letterCount - letters[0] - letters[1]
        var scriptName = tables.names[dominantScript]
        guard let best = groupLetters.indices.max(by: { groupLetters[$0] < groupLetters[$1] }),
              groupLetters[best] > 0, groupLetters[best] >= ungrouped else {
            return undetermined("unknown_script", script: scriptName)
        }
        let group = model.groups[best]
        if group.script == "Hani" && kana > 0 { scriptName = "Jpan" }
        let share = Double(groupLetters[best]) / Double(max(counted, 1))
        let second = groupLetters.indices.filter { $0 != best }.map { groupLetters[$0] }.max() ?? 0
        let mixed = Double(max(second, ungrouped)) >= Self.mixedScriptShare * Double(max(counted, 1))

        var ranked: [Detection.Candidate]
        // The winner's registry index, and its group's summed score when other languages ran.
        var winner: Int
        var groupScore: Double? = nil
        if group.classes.count == 1 {
            winner = group.classes[0]
            ranked = [.init(language: model.registry.languages[winner].code, score: share)]
        } else if group.script == "Hani", Double(kana) >= Self.kanaShare * Double(groupLetters[best]),
                  let japanese = model.registry.languages.firstIndex(where: { $0.script == "Jpan" }) {
            winner = japanese
            ranked = [.init(language: model.registry.languages[japanese].code, score: share)]
        } else {
            features.removeAll(keepingCapacity: true)
            for window in windows {
                Features.extract(text, window, tables: tables, scripts: groupScripts[best], into: &features)
            }
            let probabilities = Self.probabilities(group, features, logPriors: logPriors[best])
            let order = probabilities.indices.sorted {
                probabilities[$0] > probabilities[$1]
                    || (probabilities[$0] == probabilities[$1]
                        && model.registry.languages[group.classes[$0]].code < model.registry.languages[group.classes[$1]].code)
            }
            ranked = order.map { .init(language: model.registry.languages[group.classes[$0]].code, score: Double(probabilities[$0]) * share) }
            winner = group.classes[order[0]]
            var sum: Float = 0
            for (c, p) in zip(group.classes, probabilities) where groupIDs[c] == groupIDs[winner] { sum += p }
            groupScore = Double(sum) * share
        }
        return Detection(language: ranked[0].language, score: ranked[0].score, script: scriptName, mixedScript: mixed,
                         top: Array(ranked.prefix(max(top, 1))), reason: nil,
                         group: groupNames[winner], groupScore: groupScore ?? ranked[0].score)
    }

    /// Calibrated class probabilities of `group` for a text with `features`, times the
    /// classes' priors (`logPriors`, added to the scaled logits) and normalized.
    static func probabilities(_ group: LanguageModel.ScriptGroup, _ features: [UInt32], logPriors: [Float]? = nil) -> [Float] {
        let logits = self.logits(group, features)
        let n = Float(max(features.count, 1))
        let temperature = group.calibrationA * Float.pow(n, group.calibrationB)
        guard let logPriors else { return softmax(logits, temperature: temperature) }
        return softmax(zip(logits, logPriors).map { $0 * temperature + $1 }, temperature: 1)
    }

    /// Uncalibrated logits: bias plus the mean of the features' weight rows (the C kernel,
    /// `sieve_int8_rows_accumulate`; `plainLogits` is the same sum in Swift, for tests).
    static func logits(_ group: LanguageModel.ScriptGroup, _ features: [UInt32]) -> [Float] {
        let width = group.lanes * 8
        var sum = [Float](repeating: 0, count: width)
        group.weights.withUnsafeBytes { weights in
            group.scales.withUnsafeBufferPointer { scales in
                features.withUnsafeBufferPointer { features in
                    sum.withUnsafeMutableBufferPointer { sum in
                        sieve_int8_rows_accumulate(weights.baseAddress!.assumingMemoryBound(to: Int8.self), scales.baseAddress!,
                                                   features.baseAddress, Int64(features.count), group.bucketMask,
                                                   Int64(width), sum.baseAddress!)
                    }
                }
            }
        }
        let inverse = 1 / Float(max(features.count, 1))
        return (0..<group.classes.count).map { group.bias[$0] + sum[$0] * inverse }
    }

    /// `logits` as a plain loop: the reference the kernel must equal bit for bit.
    static func plainLogits(_ group: LanguageModel.ScriptGroup, _ features: [UInt32]) -> [Float] {
        let width = group.lanes * 8
        var sum = [Float](repeating: 0, count: width)
        group.weights.withUnsafeBytes { weights in
            for feature in features {
                let bucket = Int(feature & group.bucketMask)
                let scale = group.scales[bucket]
                for i in 0..<width {
                    sum[i] += scale * Float(weights.load(fromByteOffset: bucket * width + i, as: Int8.self))
                }
            }
        }
        let inverse = 1 / Float(max(features.count, 1))
        return (0..<group.classes.count).map { group.bias[$0] + sum[$0] * inverse }
    }

    static func softmax(_ logits: [Float], temperature: Float) -> [Float] {
        let m = logits.max() ?? 0
        let e = logits.map { Float.exp(($0 - m) * temperature) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }
}

extension Float {
    static func pow(_ x: Float, _ y: Float) -> Float { Float(Foundation.pow(Double(x), Double(y))) }
    static func exp(_ x: Float) -> Float { Float(Foundation.exp(Double(x))) }
}
