import Foundation
import SieveCore
import SieveFiles
import SieveIO

/// `sieve shards pack`: turns the document shards a manifest lists into training
/// sequences, per (language, domain), in a new output directory with its own manifest.
/// Output shard `K` of a group is `OUT/shards/LANGUAGE/DOMAIN/packed-SEQLEN-KKKKK`: an
/// `IndexedDataset` pair of sequences, and beside it the pair `…​.cu_seqlens` whose
/// sequence `i` holds sequence `i`'s document boundaries.
public struct PackJob {
    /// How documents are laid into sequences.
    public enum Strategy: String, Sendable, CaseIterable {
        /// End to end, cut every `seqLen` tokens (`SequencePacker`): sequences of exactly
        /// `seqLen`; each group's incomplete last sequence is dropped.
        case concat
        /// Whole documents, best-fit decreasing per chunk (`BestFitPacker`): sequences of
        /// at most `seqLen`; nothing dropped.
        case bestFit = "best-fit"
    }

    public var manifestPath: String
    public var outputDirectory: String
    public var seqLen: Int
    public var strategy = Strategy.concat
    /// best-fit: tokens gathered before a chunk is packed; more memory, less padding.
    public var chunkTokens = 1 << 24
    /// Documents with fewer tokens (end-of-text included) are left out: the long-context
    /// stage's selection.
    public var minDocumentTokens = 0
    /// An SQL condition on the `shards` table choosing which shards to pack.
    public var filter: String?
    public var maxShardBytes = 1 << 30
    public var command = "sieve shards pack"

    public init(manifestPath: String, outputDirectory: String, seqLen: Int) {
        self.manifestPath = manifestPath
        self.outputDirectory = outputDirectory
        self.seqLen = seqLen
    }

    /// What packing did.
    public struct Summary: Sendable, Equatable {
        public var shards: [ShardRecord] = []
        public var sequences = 0
        /// Tokens in the sequences, padding not counted.
        public var tokens = 0
        public var documents = 0
        /// Documents cut across sequences: with best-fit, exactly those longer than `seqLen`.
        public var documentsSplit = 0
        /// Documents left out for being shorter than `minDocumentTokens`.
        public var documentsTooShort = 0
        /// concat: tokens of each group's last, incomplete sequence, not emitted.
        public var tailTokensDropped = 0
        /// What `seqLen`-token rows need on top of the tokens: `sequences × seqLen − tokens`.
        public var paddingTokens = 0

        public var paddingShare: Double { sequences == 0 ? 0 : Double(paddingTokens) / Double(paddingTokens + tokens) }
    }

    public func run() throws -> Summary {
        let source = try Manifest(readingFrom: manifestPath)
        let selected = try source.query("""
            SELECT path, language, domain FROM shards WHERE kind = 'documents' AND (\(filter ?? "1"))
            ORDER BY language, domain, task_index, path
            """).rows
        try makeDirectories(outputDirectory)
        let manifest = try Manifest(writingTo: outputDirectory + "/manifest.sqlite")
        let settings = "seq_len=\(seqLen) strategy=\(strategy.rawValue)\(strategy == .bestFit ? " chunk_tokens=\(chunkTokens)" : "") min_document_tokens=\(minDocumentTokens) where=\(filter ?? "") source=\(Paths.absolute(manifestPath))"
        let run = try manifest.beginRun(command: command, config: settings,
                                        fingerprint: XXHash64.hex(Array(settings.utf8).withUnsafeBytes { XXHash64.hash($0) }),
                                        task: 0, taskCount: 1, threads: 1)
        do {
            var summary = Summary()
            var groupStart = 0
            while groupStart < selected.count {
                let language = selected[groupStart][1].string ?? "und", domain = selected[groupStart][2].string ?? "unlabeled"
                var groupEnd = groupStart
                while groupEnd < selected.count, selected[groupEnd][1].string == language, selected[groupEnd][2].string == domain {
                    groupEnd += 1
                }
                try pack(selected[groupStart..<groupEnd].compactMap { $0[0].string.map(source.resolved) },
                         language: language, domain: domain, into: &summary)
                groupStart = groupEnd
            }
            try manifest.recordOutputs(task: 0, kind: "packed", seqLen: seqLen, shards: summary.shards, stats: nil)
            try manifest.endRun(run, error: nil)
            try manifest.checkpoint()
            return summary
        } catch {
            try? manifest.endRun(run, error: String(describing: error))
            throw error
        }
    }

    private func pack(_ shards: [String], language: String, domain: String, into summary: inout Summary) throws {
        var packer: any SequencePacking = strategy == .concat ? SequencePacker(seqLen: seqLen)
            : BestFitPacker(seqLen: seqLen, chunkTokens: chunkTokens)
        var writer = PackedShardWriter(prefix: "\(outputDirectory)/shards/\(language)/\(domain)/packed-\(seqLen)", language: language,
                                       domain: domain, seqLen: seqLen, maxShardBytes: maxShardBytes)
        func emit(_ sequence: PackedSequence) throws {
            try writer.append(sequence)
            summary.sequences += 1
            summary.tokens += sequence.tokens.count / 4
            summary.paddingTokens += seqLen - sequence.tokens.count / 4
        }
        for path in shards {
            let reader = try IndexedDatasetReader(prefix: path)
            var released = 0
            for i in 0..<reader.sequenceCount {
                let count = Int(reader.sequenceLengths[i])
                guard count >= minDocumentTokens else {
                    summary.documentsTooShort += 1
                    continue
                }
                let start = Int(reader.sequencePointers[i])
                if start - released >= 1 << 26 {
                    reader.release(before: start)
                    released = start
                }
                summary.documents += 1
                if try packer.add(UnsafeRawBufferPointer(rebasing: reader.tokenBytes[start..<start + count * 4]), emit: emit) {
                    summary.documentsSplit += 1
                }
            }
        }
        summary.tailTokensDropped += try packer.finish(emit: emit)
        try writer.close()
        summary.shards += writer.shards
    }
}
