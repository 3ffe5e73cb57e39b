import SieveCore

extension PIIStage {
    /// `[[stage]] type = "pii"` (docs/pii.md):
    /// - `kinds`: what to replace, of `email`, `ip`, `phone`, `card`, `iban` (default: all);
    /// - `replacements`: a table from kind to its replacement (default `<EMAIL_ADDRESS>`,
    ///   `<IP_ADDRESS>`, `<PHONE_NUMBER>`, `<CARD_NUMBER>`, `<IBAN>`);
    /// - `public_ips_only`: replace only global IP addresses (true, datatrove's default).
    public struct Settings: Codable, Sendable, Equatable {
        public var kinds = PIIKind.allCases
        public var replacements: [String: String] = [:]
        public var publicIPsOnly = true

        enum CodingKeys: String, CodingKey {
            case kinds, replacements
            case publicIPsOnly = "public_ips_only"
        }

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let names: [String] = try c.value(.kinds, default: PIIKind.allCases.map(\.rawValue))
            kinds = try names.map { name in
                guard let kind = PIIKind(rawValue: name) else {
                    throw DecodingError.dataCorrupted(.init(codingPath: [CodingKeys.kinds],
                                                            debugDescription: "takes \(PIIKind.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(name)\""))
                }
                return kind
            }
            replacements = try c.value(.replacements, default: [:])
            if let bad = replacements.keys.first(where: { PIIKind(rawValue: $0) == nil }) {
                throw DecodingError.dataCorrupted(.init(codingPath: [CodingKeys.replacements], debugDescription: "takes \(PIIKind.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(bad)\""))
            }
            publicIPsOnly = try c.value(.publicIPsOnly, default: true)
        }
    }

    public init(settings: Settings) {
        var replacements: [PIIKind: String] = [:]
        for (name, text) in settings.replacements { if let kind = PIIKind(rawValue: name) { replacements[kind] = text } }
        self.init(redactor: PIIRedactor(kinds: settings.kinds, replacements: replacements, publicIPsOnly: settings.publicIPsOnly))
    }
}
