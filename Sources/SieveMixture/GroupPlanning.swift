import Foundation

extension MixturePlanner {
    /// Plans `request` over groups of close varieties, for corpora where the variety of a
    /// document is uncertain (Standard Arabic against the dialects, say) but its group is
    /// not. `groupOf` gives a language's group; a language not in it is a group of its own.
    /// The strategy, the overrides (which name groups) and the epoch cap apply to each group
    /// as if it were one language with its members' tokens; then each group's target in a
    /// domain is split among its languages by their tokens there, so that all languages of
    /// a group are repeated the same number of times.
    public static func planByGroup(_ request: StageRequest, availability: Availability, groupOf: [String: String],
                                   knownLanguages: Set<String>) throws -> PlannedStage {
        func group(_ code: String) -> String { groupOf[code] ?? code }
        if let member = request.languages.keys.sorted().first(where: { groupOf[$0] != nil }) {
            throw MixtureError.invalid("stage \(request.name) plans by group: name the group \(group(member)), not \(member)")
        }
        let grouped = Availability(shards: availability.shards.map { shard in
            var shard = shard
            shard.language = group(shard.language)
            return shard
        })
        var planned = try plan(request, availability: grouped, knownLanguages: Set(knownLanguages.map(group)))
        let tokens = availability.tokens
        let budget = Double(request.budget)
        planned.targets = planned.targets.flatMap { t -> [PlanTarget] in
            let members = tokens.keys.filter { group($0) == t.language && (tokens[$0]?[t.domain] ?? 0) > 0 }.sorted()
            let available = members.map { Double(tokens[$0]![t.domain]!) }
            let total = available.reduce(0, +)
            guard total > 0 else { return [t] }
            let parts = available.map { Double(t.target) * $0 / total }
            let caps = available.map { a in request.maxEpochs.map { $0 * a } ?? .infinity }
            return zip(members, zip(available, Allocation.rounded(parts, upper: caps))).map { code, pair in
                PlanTarget(language: code, domain: t.domain, available: Int64(pair.0), target: pair.1,
                           share: Double(pair.1) / budget, epochs: Double(pair.1) / pair.0)
            }
        }.sorted { ($0.language, $0.domain) < ($1.language, $1.domain) }
        return planned
    }
}
