import Foundation
import SieveShards

/// The tokens a manifest's document shards hold, per (language, domain) and per shard.
public struct Availability: Sendable {
    public struct Shard: Sendable, Equatable {
        /// The shard's path prefix (PATH.bin, PATH.idx), absolute.
        public var prefix: String
        public var language: String
        public var domain: String
        public var tokens: Int64
    }

    public private(set) var shards: [Shard] = []

    /// Reads `manifest`; with `minDocumentTokens`, counts only the tokens of documents
    /// that long (read from each shard's `.idx`), for long-context stages.
    public init(manifest: String, minDocumentTokens: Int = 0) throws {
        let directory = URL(fileURLWithPath: manifest).deletingLastPathComponent().path
        for shard in try Manifest(readingFrom: manifest).documentShards(order: .group) {
            let prefix = directory + "/" + shard.path
            var tokens = Int64(shard.tokens)
            if minDocumentTokens > 0 {
                let index = try IndexedDatasetReader(prefix: prefix)
                tokens = index.sequenceLengths.reduce(0) { $0 + (Int($1) >= minDocumentTokens ? Int64($1) : 0) }
            }
            shards.append(Shard(prefix: prefix, language: shard.language, domain: shard.domain, tokens: tokens))
        }
    }

    public init(shards: [Shard]) {
        self.shards = shards
    }

    /// Tokens per language, then per domain.
    public var tokens: [String: [String: Int64]] {
        var result: [String: [String: Int64]] = [:]
        for shard in shards { result[shard.language, default: [:]][shard.domain, default: 0] += shard.tokens }
        return result
    }

    public var domains: Set<String> { Set(shards.map(\.domain)) }
}
