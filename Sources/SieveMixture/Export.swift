import Foundation

/// A plan turned into what a trainer reads. Per stage, every (language, domain) target
/// is spread over that group's shards in proportion to the tokens each holds (for a
/// long-context stage, the tokens of its long documents; with rehydration, its
/// rehydrated tokens), and the weights are the
/// shares of the stage budget. Lines are ordered by language, domain and shard path, so
/// the same plan always gives the same bytes.
public enum MixtureExport {
    public struct Weight: Sendable, Equatable {
        public var stage: String
        public var language: String
        public var domain: String
        public var prefix: String
        /// Share of the stage budget drawn from this shard.
        public var weight: Double
        public var tokens: Int64
    }

    public static func weights(_ plan: MixturePlan) throws -> [Weight] {
        var result: [Weight] = []
        for stage in plan.stages {
            let availability = try Availability(manifest: plan.manifest, for: stage.request)
            var shards: [String: [Availability.Shard]] = [:]
            for shard in availability.shards where shard.tokens > 0 {
                shards["\(shard.language)\u{0}\(shard.domain)", default: []].append(shard)
            }
            for target in stage.targets.sorted(by: { ($0.language, $0.domain) < ($1.language, $1.domain) }) where target.target > 0 {
                let group = (shards["\(target.language)\u{0}\(target.domain)"] ?? []).sorted { $0.prefix < $1.prefix }
                let total = group.reduce(Int64(0)) { $0 + $1.tokens }
                guard total > 0 else {
                    throw MixtureError.invalid("stage \(stage.request.name): \(target.language)/\(target.domain) has a target but no tokens in \(plan.manifest)")
                }
                for shard in group {
                    let tokens = Double(target.target) * Double(shard.tokens) / Double(total)
                    result.append(Weight(stage: stage.request.name, language: target.language, domain: target.domain,
                                         prefix: shard.prefix, weight: tokens / Double(stage.request.budget),
                                         tokens: Int64(tokens.rounded())))
                }
            }
        }
        return result
    }

    /// Megatron-LM: per stage, the contents of a `--data-args-path` file (the
    /// `--data-path` blend: "weight prefix" pairs) and a JSON data config with the
    /// stage's token budget, the plan's seed and the blend.
    public static func megatron(_ plan: MixturePlan) throws -> [(stage: String, dataArgs: String, config: String)] {
        let all = try weights(plan)
        return try plan.stages.map { stage in
            let mine = all.filter { $0.stage == stage.request.name }
            let blend = mine.map { "\(format($0.weight)) \($0.prefix)" }.joined(separator: "\n") + "\n"
            let config: [String: Any] = [
                "stage": stage.request.name, "train_tokens": stage.request.budget, "seed": plan.seed,
                "min_document_tokens": stage.request.minDocumentTokens,
                "rehydrate": stage.request.rehydration.map { "\($0)" } ?? "",
                "data_path": mine.flatMap { [format($0.weight), $0.prefix] },
            ]
            let json = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            return (stage.request.name, blend, String(decoding: json, as: UTF8.self) + "\n")
        }
    }

    /// One JSON object a line: stage, language, domain, shard prefix, weight, tokens.
    public static func jsonl(_ plan: MixturePlan) throws -> String {
        try weights(plan).map { w in
            let object: [String: Any] = ["stage": w.stage, "language": w.language, "domain": w.domain, "shard": w.prefix,
                                         "weight": w.weight, "tokens": w.tokens]
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
        }.joined(separator: "\n") + "\n"
    }

    static func format(_ x: Double) -> String { String(format: "%.12g", x) }
}
