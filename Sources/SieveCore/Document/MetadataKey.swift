/// A metadata key that stages share: each is spelled once, here, so that the stage that
/// writes it and the stage, shard writer or mixture that reads it cannot drift apart (a
/// misspelt key would put every document in `und` or `unlabeled` without an error).
/// docs/pipeline.md lists what each stage writes.
public struct MetadataKey: Hashable, Sendable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) { self.name = name }

    public var description: String { name }

    // langid
    /// The document's language code (`eng_Latn`, `und`): shards and mixtures group by it.
    public static let language = MetadataKey("language")
    public static let languageScore = MetadataKey("language_score")
    public static let script = MetadataKey("script")
    public static let mixedScript = MetadataKey("mixed_script")
    public static let languageTop = MetadataKey("language_top")
    public static let languageReason = MetadataKey("language_reason")
    /// The language's group of close varieties (`arabic`), or its code when in none, and
    /// the group's summed score: filters and mixtures can work per group where the
    /// variety is uncertain.
    public static let languageGroup = MetadataKey("language_group")
    public static let languageGroupScore = MetadataKey("language_group_score")
    // label
    /// The document's domain: shards and mixtures group by it.
    public static let domain = MetadataKey("domain")
    public static let domainScore = MetadataKey("domain_score")
    public static let quality = MetadataKey("quality")
    // normalize, filter, dedup, tokenize, perplexity
    public static let normalized = MetadataKey("normalized")
    public static let filterFailures = MetadataKey("filter_failures")
    public static let dedupCluster = MetadataKey("dedup_cluster")
    /// On a kept document whose cluster has two or more documents: how many (absent: one).
    public static let dedupClusterSize = MetadataKey("dedup_cluster_size")
    public static let tokenCount = MetadataKey("token_count")
    public static let meanLogprob = MetadataKey("mean_logprob")
    public static let perplexity = MetadataKey("perplexity")
    public static let scoredTokens = MetadataKey("scored_tokens")
    public static let perplexityBucket = MetadataKey("perplexity_bucket")
    // decontaminate
    /// With `action = "flag"`: the benchmark most of a document's matched n-grams are from,
    /// and how many of its n-grams matched any benchmark.
    public static let contamination = MetadataKey("contamination")
    public static let contaminationNGrams = MetadataKey("contamination_ngrams")
    // pii
    /// What the `pii` stage replaced in a document: count per kind (`email`, `ip`, …).
    public static let pii = MetadataKey("pii")
    /// Why a document in a rejected stream was dropped: `stage:rule`.
    public static let dropReason = MetadataKey("drop_reason")
}

extension Document {
    /// The value at a shared key, nil when absent.
    public subscript(key: MetadataKey) -> JSONValue? {
        metadata.first(where: { $0.key == key.name })?.value
    }

    /// The string at `key`, nil when absent or not a string.
    public func string(_ key: MetadataKey) -> String? {
        if case .string(let s)? = self[key] { return s }
        return nil
    }

    /// Sets a shared key, replacing an existing value in place.
    public mutating func setMetadata(_ key: MetadataKey, _ value: JSONValue) {
        setMetadata(key.name, value)
    }
}
