import Foundation
import SieveCore
import SieveFiles

/// The writing half of `sieve mix materialize`: given, per (language, domain) group, the
/// documents to deliver in the order to pack them (a document may come several times),
/// packs each group best-fit (`BestFitPacker`) and writes all groups' sequences in one
/// seeded random order, so that a trainer reading them front to back sees the mixture
/// throughout. Output: `OUT/shards/NAME/materialized-SEQLEN-KKKKK` pairs with their
/// `.cu_seqlens` pairs (language `mul`, domain `mixed` in `OUT/manifest.sqlite`).
///
/// Each group's sequences go to a work file under `OUT/.sieve/` first (deleted at the
/// end); memory holds the document list and 8 bytes per sequence for the order.
public struct InterleavedPackJob {
    /// A document: sequence `index` of shard `shard` (an index into `shards`).
    public struct Document: Sendable, Equatable {
        public var shard: Int32
        public var index: Int32
        public init(shard: Int32, index: Int32) {
            self.shard = shard
            self.index = index
        }
    }

    public struct Group: Sendable {
        public var language: String
        public var domain: String
        public var documents: [Document]
        public init(language: String, domain: String, documents: [Document]) {
            self.language = language
            self.domain = domain
            self.documents = documents
        }
    }

    /// Document shards' path prefixes.
    public var shards: [String]
    public var groups: [Group]
    public var outputDirectory: String
    /// Names the output shards' folder (the stage).
    public var name: String
    public var seqLen: Int
    public var chunkTokens = 1 << 24
    public var seed: UInt64
    public var maxShardBytes = 1 << 30
    public var command = "sieve mix materialize"
    /// Recorded in the run's settings (the plan and stage).
    public var settings = ""

    public init(shards: [String], groups: [Group], outputDirectory: String, name: String, seqLen: Int, seed: UInt64) {
        self.shards = shards
        self.groups = groups
        self.outputDirectory = outputDirectory
        self.name = name
        self.seqLen = seqLen
        self.seed = seed
    }

    public struct Summary: Sendable {
        public var shards: [ShardRecord] = []
        public var sequences = 0
        /// Per group, in `groups` order: tokens delivered and sequences.
        public var groupTokens: [Int] = []
        public var groupSequences: [Int] = []
        public var tokens: Int { groupTokens.reduce(0, +) }
        public var paddingTokens: Int { sequences * seqLen - tokens }
        let seqLen: Int
    }

    /// Packs and writes; `record` adds to the output manifest before the run is closed.
    public func run(record: (Manifest) throws -> Void = { _ in }) throws -> Summary {
        try makeDirectories(outputDirectory)
        let work = outputDirectory + "/.sieve/materialize"
        try? FileManager.default.removeItem(atPath: work)
        try makeDirectories(work)
        defer { try? FileManager.default.removeItem(atPath: outputDirectory + "/.sieve") }
        let manifest = try Manifest(writingTo: outputDirectory + "/manifest.sqlite")
        let runSettings = "seq_len=\(seqLen) chunk_tokens=\(chunkTokens) seed=\(seed) \(settings)"
        let run = try manifest.beginRun(command: command, config: runSettings,
                                        fingerprint: XXHash64.hex(Array(runSettings.utf8).withUnsafeBytes { XXHash64.hash($0) }),
                                        task: 0, taskCount: 1, threads: 1)
        do {
            var summary = Summary(seqLen: seqLen)
            let readers = try shards.map { try IndexedDatasetReader(prefix: $0) }
            // 1. Each group packed into its work file.
            var packed: [(tokens: IndexedDatasetReader, bounds: IndexedDatasetReader, started: [Int32])] = []
            for (g, group) in groups.enumerated() {
                var packer = BestFitPacker(seqLen: seqLen, chunkTokens: chunkTokens)
                let tokens = try IndexedDatasetWriter(prefix: "\(work)/\(g)")
                let bounds = try IndexedDatasetWriter(prefix: "\(work)/\(g).cu_seqlens")
                var started: [Int32] = []
                var delivered = 0, read = 0
                func emit(_ sequence: PackedSequence) throws {
                    try tokens.append(sequence.tokens)
                    try bounds.append(sequence.cuSeqlens)
                    started.append(Int32(sequence.documentsStarted))
                    delivered += sequence.tokens.count / 4
                }
                for document in group.documents {
                    let reader = readers[Int(document.shard)]
                    let i = Int(document.index)
                    let start = Int(reader.sequencePointers[i]), count = Int(reader.sequenceLengths[i])
                    _ = try packer.add(UnsafeRawBufferPointer(rebasing: reader.tokenBytes[start..<start + count * 4]), emit: emit)
                    // Documents come in a random order: every 64 MiB read, the mapped pages go.
                    read += count * 4
                    if read >= 1 << 26 {
                        for r in readers { r.release(before: Int.max) }
                        read = 0
                    }
                }
                _ = try packer.finish(emit: emit)
                _ = try tokens.finish()
                _ = try bounds.finish()
                summary.groupTokens.append(delivered)
                summary.groupSequences.append(started.count)
                packed.append((try IndexedDatasetReader(prefix: "\(work)/\(g)"), try IndexedDatasetReader(prefix: "\(work)/\(g).cu_seqlens"), started))
            }
            for r in readers { r.release(before: Int.max) }
            // 2. All sequences in one seeded order.
            var order: [(group: Int32, sequence: Int32)] = []
            order.reserveCapacity(summary.groupSequences.reduce(0, +))
            for (g, count) in summary.groupSequences.enumerated() {
                for s in 0..<count { order.append((Int32(g), Int32(s))) }
            }
            var random = SplitMix64(seed: seed)
            order.shuffle(using: &random)
            var writer = PackedShardWriter(prefix: "\(outputDirectory)/shards/\(name)/materialized-\(seqLen)", language: "mul",
                                           domain: "mixed", seqLen: seqLen, maxShardBytes: maxShardBytes)
            var copied = 0
            for (g, s) in order {
                let (groupTokens, groupBounds, started) = packed[Int(g)]
                let i = Int(s)
                let t = Int(groupTokens.sequencePointers[i]), n = Int(groupTokens.sequenceLengths[i])
                let b = Int(groupBounds.sequencePointers[i]), m = Int(groupBounds.sequenceLengths[i])
                try writer.append(PackedSequence(tokens: UnsafeRawBufferPointer(rebasing: groupTokens.tokenBytes[t..<t + n * 4]),
                                                 cuSeqlens: UnsafeRawBufferPointer(rebasing: groupBounds.tokenBytes[b..<b + m * 4]),
                                                 documentsStarted: Int(started[i]), minDocumentTokens: 0, maxDocumentTokens: 0))
                summary.sequences += 1
                copied += n * 4
                if copied >= 1 << 26 {
                    for p in packed { p.tokens.release(before: Int.max) }
                    copied = 0
                }
            }
            try writer.close()
            summary.shards = writer.shards
            try manifest.recordOutputs(task: 0, kind: "packed", seqLen: seqLen, shards: summary.shards, stats: nil)
            try record(manifest)
            try manifest.endRun(run, error: nil)
            try manifest.checkpoint()
            return summary
        } catch {
            try? manifest.endRun(run, error: String(describing: error))
            throw error
        }
    }
}
