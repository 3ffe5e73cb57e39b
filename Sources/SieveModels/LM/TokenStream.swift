import Foundation
import SieveCore
import SieveMixture
import SieveShards

/// Training rows from document shards (docs/lm.md): each row of `length + 1` tokens is
/// filled with whole documents, drawn one at a time from a shard picked at random by
/// weight (SplitMix64, seeded); each shard is read in order and starts over when done. A
/// document that does not fit goes on at the start of the next row. The state (generator,
/// each shard's next document, the unfinished document) is small, so a resumed run
/// continues with exactly the rows an uninterrupted run would have had.
public final class TokenStream {
    public struct Source: Sendable {
        public var prefix: String
        public var weight: Double
    }

    /// Where the stream is; saved in checkpoints.
    public struct State: Codable, Equatable, Sendable {
        public var random: UInt64
        /// Per shard, the next document to read.
        public var next: [Int]
        /// The document being cut across rows: shard, document, tokens already used.
        public var pendingShard = -1, pendingDocument = 0, pendingOffset = 0
    }

    public let sources: [Source]
    public let vocabSize: Int
    public private(set) var state: State
    private let readers: [IndexedDatasetReader]
    private let cumulative: [Double]

    public init(sources: [Source], vocabSize: Int, seed: UInt64) throws {
        let sources = sources.filter { $0.weight > 0 }
        guard !sources.isEmpty else { throw ModelError("no shards with tokens to train on") }
        self.sources = sources
        self.vocabSize = vocabSize
        readers = try sources.map { try IndexedDatasetReader(prefix: $0.prefix) }
        if let empty = readers.first(where: { $0.sequenceCount == 0 }) { throw ModelError("\(empty.prefix): no documents") }
        let total = sources.reduce(0) { $0 + $1.weight }
        var sum = 0.0
        cumulative = sources.map { sum += $0.weight / total; return sum }
        state = State(random: seed, next: [Int](repeating: 0, count: sources.count))
    }

    /// Every document shard of a manifest (or those meeting `condition`, SQL on the
    /// `shards` table), weighted by its tokens; or, with a mixture plan, the shards and
    /// weights of one of its stages.
    public static func sources(manifest path: String, condition: String? = nil, plan: MixturePlan? = nil, stage: String? = nil) throws -> [Source] {
        if let plan {
            let weights = try MixtureExport.weights(plan)
            let name = stage ?? plan.stages.first?.request.name ?? ""
            let mine = weights.filter { $0.stage == name }
            guard !mine.isEmpty else { throw ModelError("the mixture plan has no stage \(name) with shards") }
            let manifest = try Manifest(readingFrom: plan.manifest)
            return mine.map { Source(prefix: manifest.resolved($0.prefix), weight: $0.weight) }
        }
        let manifest = try Manifest(readingFrom: path)
        return try manifest.documentShards(where: condition).filter { $0.tokens > 0 }.map {
            Source(prefix: manifest.resolved($0.path), weight: Double($0.tokens))
        }
    }

    public func restore(_ saved: State) throws {
        guard saved.next.count == sources.count else {
            throw ModelError("the checkpoint's data state is for \(saved.next.count) shards, this run reads \(sources.count)")
        }
        state = saved
    }

    /// `rows` rows of `length` positions: tokens, next-token targets, positions within
    /// each document and document segments.
    public func batch(rows: Int, length: Int) throws -> LMBatch {
        var tokens: [Int32] = [], targets: [Int32] = [], positions: [Int32] = [], segments: [Int32] = []
        for _ in 0..<rows {
            var row: [Int32] = [], rowSegments: [Int32] = [], rowPositions: [Int32] = []
            var segment: Int32 = 0
            while row.count < length + 1 {
                if state.pendingShard < 0 { pickDocument() }
                let reader = readers[state.pendingShard]
                let document = reader.sequence(state.pendingDocument)
                if let bad = document.first(where: { $0 < 0 || Int($0) >= vocabSize }) {
                    throw ModelError("\(reader.prefix): document \(state.pendingDocument) holds token id \(bad), "
                                     + "outside the model's vocabulary of \(vocabSize)")
                }
                let take = min(document.count - state.pendingOffset, length + 1 - row.count)
                row += document[state.pendingOffset..<(state.pendingOffset + take)]
                rowSegments += [Int32](repeating: segment, count: take)
                rowPositions += (0..<take).map(Int32.init)
                segment += 1
                state.pendingOffset += take
                if state.pendingOffset == document.count { state.pendingShard = -1 }
            }
            tokens += row[0..<length]
            positions += rowPositions[0..<length]
            segments += rowSegments[0..<length]
            targets += row[1...length]
        }
        return LMBatch(batch: rows, length: length, tokens: tokens, targets: targets, positions: positions, segments: segments)
    }

    private func pickDocument() {
        var random = SplitMix64(seed: state.random)
        let u = Double(random.next() >> 11) / Double(1 << 53)
        state.random = random.next()
        let shard = cumulative.firstIndex { u < $0 } ?? cumulative.count - 1
        state.pendingShard = shard
        state.pendingDocument = state.next[shard]
        state.pendingOffset = 0
        state.next[shard] = (state.next[shard] + 1) % readers[shard].sequenceCount
    }
}
