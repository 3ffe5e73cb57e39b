import SieveCore

extension FilterStage {
    /// `[[stage]] type = "filter"` (docs/filters.md).
    public struct Settings: Codable, Sendable, Equatable {
        /// The filter set, relative to the configuration; nil for the shipped default.
        public var filters: String?
        /// Folders searched for NLTK's Punkt models before `$NLTK_DATA` and `~/nltk_data`.
        public var nltkData: [String] = []

        enum CodingKeys: String, CodingKey { case filters, nltkData = "nltk_data" }

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            filters = try c.decodeIfPresent(String.self, forKey: .filters)
            nltkData = try c.strings(.nltkData) ?? []
        }
    }
}
