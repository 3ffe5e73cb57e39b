import SieveCore

extension DedupStage {
    /// `[[stage]] type = "dedup"` (docs/dedup.md): the keys are `sieve dedup`'s options.
    public struct Settings: Codable, Sendable, Equatable {
        public var exact = true
        public var minhash = true
        public var shingle = ShingleUnit.word
        public var ngram = 5
        public var bands = 14
        public var rows = 8
        public var seed = 1
        /// Cluster colliding documents only when their exact Jaccard similarity reaches
        /// `threshold`.
        public var verify = false
        public var threshold = 0.75

        enum CodingKeys: String, CodingKey { case exact, minhash, shingle, ngram, bands, rows, seed, verify, threshold }

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            exact = try c.value(.exact, default: exact)
            minhash = try c.value(.minhash, default: minhash)
            guard exact || minhash else {
                throw DecodingError.dataCorrupted(.init(codingPath: [CodingKeys.minhash], debugDescription: "must be true when exact is false (one of them finds the duplicates)"))
            }
            shingle = try c.choice(.shingle, default: shingle)
            ngram = try c.value(.ngram, default: ngram, in: 1...64)
            bands = try c.value(.bands, default: bands, in: 1...512)
            rows = try c.value(.rows, default: rows, in: 1...64)
            seed = try c.value(.seed, default: seed, in: 0...Int.max)
            verify = try c.value(.verify, default: verify)
            threshold = try c.value(.threshold, default: threshold, in: 0...1)
        }

        /// What the fingerprints and the clustering use.
        public var dedupSettings: DedupSettings {
            var settings = DedupSettings()
            settings.exact = exact
            settings.minhash = minhash
            settings.shingleUnit = shingle
            settings.shingleSize = ngram
            settings.bands = bands
            settings.rows = rows
            settings.seed = UInt64(seed)
            settings.verifyThreshold = verify ? threshold : nil
            return settings
        }
    }
}
