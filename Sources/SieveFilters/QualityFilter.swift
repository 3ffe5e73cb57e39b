import SieveText

/// A rule a document failed, with what was measured and the bound it crossed.
public struct RuleFailure: Equatable, Sendable {
    /// The filter's name (`gopher_quality`, …).
    public var filter: String
    /// The rule's name (`mean_word_length`, …); the drop reason is `filter:FILTER:RULE`.
    public var rule: String
    /// The measured value (a count, a mean, a fraction).
    public var value: Double
    /// The bound it crossed.
    public var threshold: Double

    public init(filter: String, rule: String, value: Double, threshold: Double) {
        self.filter = filter
        self.rule = rule
        self.value = value
        self.threshold = threshold
    }

    /// `FILTER:RULE`, the second half of the drop reason.
    public var reason: String { "\(filter):\(rule)" }
}

/// The failures a filter collects while it measures a text, in the order found.
struct FailureList {
    let filter: String
    private(set) var all: [RuleFailure] = []

    init(filter: String) { self.filter = filter }

    mutating func add(_ rule: String, _ value: Double, _ threshold: Double) {
        all.append(RuleFailure(filter: filter, rule: rule, value: value, threshold: threshold))
    }

    /// Adds `rule` unless it failed already (a rule that can fail on several lines).
    mutating func addOnce(_ rule: String, _ value: Double, _ threshold: Double) {
        if !all.contains(where: { $0.rule == rule }) { add(rule, value, threshold) }
    }
}

/// One heuristic filter. `evaluate` returns every rule the text fails, the rule
/// datatrove would report first, first; an empty list keeps the document. A filter may
/// rewrite the text it keeps (C4 drops lines).
public protocol QualityFilter: Sendable {
    var name: String { get }
    func evaluate(_ text: inout FilterText) -> [RuleFailure]
}

/// datatrove's characters that make a "word" a symbol (`PUNCTUATION_SET` of
/// `datatrove/utils/text.py`): ASCII and CJK punctuation, C0/C1 controls except tab and
/// newline, and every sentence-final mark.
enum SymbolCharacters {
    static let punctuation: Set<UInt32> = {
        var set = Set("!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»".unicodeScalars.map(\.value))
        for range in [0..<9, 11..<13, 13..<32, 127..<160] { for c in range { set.insert(UInt32(c)) } }
        return set.union(TerminalPunctuation.characters)
    }()

    /// Lookup for the ASCII range without hashing.
    static let ascii: [Bool] = (0..<128).map { punctuation.contains(UInt32($0)) }

    @inline(__always) static func contains(_ c: UInt32) -> Bool {
        c < 128 ? ascii[Int(c)] : punctuation.contains(c)
    }
}
