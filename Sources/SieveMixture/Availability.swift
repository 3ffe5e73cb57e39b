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
    /// Documents counted whose dedup cluster had two or more (read only with rehydration).
    public private(set) var clusteredDocuments = 0

    /// Reads `manifest`; with `minDocumentTokens`, counts only the tokens of documents
    /// that long (read from each shard's `.idx`), for long-context stages. With
    /// `rehydration`, each document's tokens count its cluster size's weight times (read
    /// from each shard's `.docs`), so a shard's tokens are those of its rehydrated copy.
    public init(manifest: String, minDocumentTokens: Int = 0, rehydration: Rehydration? = nil) throws {
        let directory = URL(fileURLWithPath: manifest).deletingLastPathComponent().path
        for shard in try Manifest(readingFrom: manifest).documentShards(order: .group) {
            let prefix = directory + "/" + shard.path
            var tokens = Int64(shard.tokens)
            if let rehydration {
                var sum = 0.0
                for document in try DocumentTable.read(path: prefix + ".docs") where document.tokens >= minDocumentTokens {
                    sum += Double(document.tokens) * rehydration.weight(clusterSize: document.clusterSize)
                    if document.clusterSize > 1 { clusteredDocuments += 1 }
                }
                tokens = Int64(sum.rounded())
            } else if minDocumentTokens > 0 {
                let index = try IndexedDatasetReader(prefix: prefix)
                tokens = index.sequenceLengths.reduce(0) { $0 + (Int($1) >= minDocumentTokens ? Int64($1) : 0) }
            }
            shards.append(Shard(prefix: prefix, language: shard.language, domain: shard.domain, tokens: tokens))
        }
    }

    /// What `request` can draw from: its long documents, rehydrated if it asks.
    public init(manifest: String, for request: StageRequest) throws {
        try self.init(manifest: manifest, minDocumentTokens: request.minDocumentTokens, rehydration: request.rehydration)
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
