import SieveCore

extension NormalizeStage {
    /// `[[stage]] type = "normalize"`: each rule of `TextNormalizer.Rule` on (`true`, the
    /// default) or off, under its name (`line_endings`, `controls`, `whitespace`, `nfc`).
    public struct Settings: Codable, Sendable, Equatable {
        public var rules = Set(TextNormalizer.Rule.allCases)

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: TOMLKey.self)
            for rule in TextNormalizer.Rule.allCases where !(try c.value(TOMLKey(rule.rawValue), default: true)) {
                rules.remove(rule)
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: TOMLKey.self)
            for rule in TextNormalizer.Rule.allCases { try c.encode(rules.contains(rule), forKey: TOMLKey(rule.rawValue)) }
        }
    }

    public init(settings: Settings) {
        self.init(normalizer: TextNormalizer(rules: settings.rules))
    }
}
