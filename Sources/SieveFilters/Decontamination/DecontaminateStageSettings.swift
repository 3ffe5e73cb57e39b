import SieveCore

extension DecontaminateStage {
    /// `[[stage]] type = "decontaminate"` (docs/decontamination.md):
    /// - `benchmarks`: JSONL files or folders of them (`.zst`, `.gz` too), relative to the
    ///   configuration; a benchmark's name is its file name without extensions;
    /// - `fields`: the fields of their records to index (default: every string, and every
    ///   string in an array, at the top level of a record);
    /// - `n`: words per n-gram (13, as GPT-3);
    /// - `action`: `drop` (the default) or `flag`.
    public struct Settings: Codable, Sendable, Equatable {
        public var benchmarks: [String] = []
        public var fields: [String] = []
        public var n = 13
        public var action = Action.drop

        public enum Action: String, Codable, Sendable, CaseIterable { case drop, flag }

        enum CodingKeys: String, CodingKey { case benchmarks, fields, n, action }

        public init(benchmarks: [String]) { self.benchmarks = benchmarks }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            benchmarks = try c.required(.benchmarks, "JSONL files or folders of evaluation sets")
            if benchmarks.isEmpty {
                throw DecodingError.dataCorrupted(.init(codingPath: [CodingKeys.benchmarks], debugDescription: "must name at least one file or folder"))
            }
            fields = try c.value(.fields, default: [])
            n = try c.value(.n, default: 13, in: 1...1000)
            let action = try c.value(.action, default: "drop")
            guard let known = Action(rawValue: action) else {
                throw DecodingError.dataCorrupted(.init(codingPath: [CodingKeys.action], debugDescription: "must be \"drop\" or \"flag\", not \"\(action)\""))
            }
            self.action = known
        }
    }
}
