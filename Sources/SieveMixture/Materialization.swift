import Foundation
import SieveCore
import SieveShards

/// `sieve mix materialize`: one stage of a plan as packed training sequences that hold
/// exactly the planned tokens of each (language, domain), instead of blend weights a
/// trainer samples from (docs/mixture.md).
///
/// Per target, every document the stage can draw from (its long documents for a
/// long-context stage) counts `m` times: 1, or its dedup cluster's rehydration weight.
/// With e = target / available tokens, a document comes ⌊m·e⌋ times as a whole
/// document; the rest of the target is a seeded sample of documents without replacement,
/// weighted by what is left of m·e (Efraimidis–Spirakis keys), each taken while it fits
/// in the tokens still missing, then any document that fits, until none does. So a group
/// gets its target to within the shortest document that would fit, and never more.
/// The copies are shuffled (seeded by the plan's seed, the stage and the group), packed
/// best-fit and written in one shuffled order (`InterleavedPackJob`).
public struct Materialization {
    public var plan: MixturePlan
    public var stage: String
    public var seqLen: Int
    public var outputDirectory: String
    public var chunkTokens = 1 << 24
    public var maxShardBytes = 1 << 30
    public var command = "sieve mix materialize"

    public init(plan: MixturePlan, stage: String, seqLen: Int, outputDirectory: String) {
        self.plan = plan
        self.stage = stage
        self.seqLen = seqLen
        self.outputDirectory = outputDirectory
    }

    public struct Result: Sendable {
        public var deliveries: [Delivery]
        public var shards: Int
        public var sequences: Int
        public var tokens: Int
        public var paddingTokens: Int
    }

    public func run() throws -> Result {
        guard let planned = plan.stages.first(where: { $0.request.name == stage }) else {
            throw MixtureError.invalid("the plan has no stage \(stage) (it has \(plan.stages.map(\.request.name).joined(separator: ", ")))")
        }
        let request = planned.request
        let directory = URL(fileURLWithPath: plan.manifest).deletingLastPathComponent().path
        var prefixes: [String] = []
        var shardsOfGroup: [String: [Int]] = [:]
        for row in try Manifest(readingFrom: plan.manifest).documentShards(order: .group) {
            prefixes.append(directory + "/" + row.path)
            shardsOfGroup["\(row.language)\u{0}\(row.domain)", default: []].append(prefixes.count - 1)
        }
        var groups: [InterleavedPackJob.Group] = []
        var deliveries: [Delivery] = []
        for target in planned.targets.sorted(by: { ($0.language, $0.domain) < ($1.language, $1.domain) }) where target.target > 0 {
            var documents: [InterleavedPackJob.Document] = []
            var lengths: [Int] = [], multiplicity: [Double] = []
            for s in shardsOfGroup["\(target.language)\u{0}\(target.domain)"] ?? [] {
                let index = try IndexedDatasetReader(prefix: prefixes[s])
                let clusterSizes = try request.rehydration.map { _ in try DocumentTable.read(path: prefixes[s] + ".docs").map(\.clusterSize) }
                for i in 0..<index.sequenceCount where Int(index.sequenceLengths[i]) >= request.minDocumentTokens {
                    documents.append(InterleavedPackJob.Document(shard: Int32(s), index: Int32(i)))
                    lengths.append(Int(index.sequenceLengths[i]))
                    multiplicity.append(request.rehydration.map { $0.weight(clusterSize: clusterSizes![i]) } ?? 1)
                }
            }
            let key = "\(stage)\u{0}\(target.language)\u{0}\(target.domain)"
            var random = SplitMix64(seed: UInt64(truncatingIfNeeded: plan.seed) ^ Array(key.utf8).withUnsafeBytes { XXHash64.hash($0) })
            guard let selection = Self.select(target: target.target, lengths: lengths, multiplicity: multiplicity, random: &random) else {
                throw MixtureError.invalid("stage \(stage): \(target.language)/\(target.domain) has a target but no documents in \(plan.manifest)")
            }
            groups.append(InterleavedPackJob.Group(language: target.language, domain: target.domain,
                                                   documents: selection.order.map { documents[$0] }))
            deliveries.append(Delivery(language: target.language, domain: target.domain, planned: target.target,
                                       delivered: selection.delivered, documents: Set(selection.order).count, copies: selection.order.count))
        }
        var job = InterleavedPackJob(shards: prefixes, groups: groups, outputDirectory: outputDirectory, name: stage, seqLen: seqLen,
                                     seed: UInt64(truncatingIfNeeded: plan.seed))
        job.chunkTokens = chunkTokens
        job.maxShardBytes = maxShardBytes
        job.command = command
        job.settings = "plan_manifest=\(plan.manifest) stage=\(stage)"
        let summary = try job.run { try $0.recordDeliveries(stage: stage, deliveries) }
        for (delivery, tokens) in zip(deliveries, summary.groupTokens) where Int64(tokens) != delivery.delivered {
            throw MixtureError.invalid("internal: \(delivery.language)/\(delivery.domain) packed \(tokens) tokens, selected \(delivery.delivered)")
        }
        return Result(deliveries: deliveries, shards: summary.shards.count, sequences: summary.sequences, tokens: summary.tokens,
                      paddingTokens: summary.paddingTokens)
    }

    /// The documents to deliver `target` tokens, as indices in a seeded order (an index
    /// once per copy), and the tokens they hold; nil when there are no documents.
    static func select(target: Int64, lengths: [Int], multiplicity: [Double], random: inout SplitMix64) -> (order: [Int], delivered: Int64)? {
        let available = zip(lengths, multiplicity).reduce(0.0) { $0 + Double($1.0) * $1.1 }
        guard available > 0 else { return nil }
        let epochs = Double(target) / available
        var copies = [Int](repeating: 0, count: lengths.count)
        var missing = target
        var left = [Double](repeating: 0, count: lengths.count)
        for d in lengths.indices {
            let share = multiplicity[d] * epochs
            // A hair above a whole number is that number: e = 3 must give 3 copies.
            let whole = Int((share + 1e-9).rounded(.down))
            copies[d] = whole
            missing -= Int64(whole) * Int64(lengths[d])
            left[d] = max(0, share - Double(whole))
        }
        // Rounding must not overshoot: take copies back in a seeded order if it did.
        var shuffled = Array(lengths.indices)
        shuffled.shuffle(using: &random)
        for d in shuffled where missing < 0 && copies[d] > 0 {
            while missing < 0 && copies[d] > 0 {
                copies[d] -= 1
                missing += Int64(lengths[d])
            }
        }
        // The fractional epoch: weighted sampling without replacement, key log(u) / weight.
        var keyed: [(key: Double, document: Int)] = []
        for d in lengths.indices where left[d] > 0 {
            let u = (Double(random.next() >> 11) + 1) / Double(1 << 53)
            keyed.append((log(u) / left[d], d))
        }
        keyed.sort { $0.key != $1.key ? $0.key > $1.key : $0.document < $1.document }
        for d in keyed.map(\.document) + shuffled where missing > 0 && Int64(lengths[d]) <= missing {
            copies[d] += 1
            missing -= Int64(lengths[d])
        }
        var order: [Int] = []
        order.reserveCapacity(copies.reduce(0, +))
        for (d, n) in copies.enumerated() where n > 0 { order += repeatElement(d, count: n) }
        order.shuffle(using: &random)
        return (order, target - missing)
    }
}
