import ArgumentParser
import Foundation
import SieveCore
import SieveDedup
import SieveExecutor
import SieveIO
import SievePipeline

struct DedupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup",
        abstract: "Exact and MinHash LSH deduplication, in one process or as sharded passes (docs/dedup.md).",
        subcommands: [Online.self, Signatures.self, Buckets.self, Clusters.self, Filter.self],
        defaultSubcommand: Online.self)

    /// The settings every pass of a run shares.
    struct SettingsOptions: ParsableArguments {
        @Flag(help: "Exact duplicates (normalized text hash). With neither flag, both kinds.")
        var exact = false

        @Flag(help: "Near duplicates (MinHash LSH). With neither flag, both kinds.")
        var minhash = false

        @Option(help: "Shingle unit: word or character.")
        var shingle: ShingleUnit = .word

        @Option(help: "Units per shingle.")
        var ngram = 5

        @Option(help: "LSH bands.")
        var bands = 14

        @Option(help: "MinHash values per band.")
        var rows = 8

        @Option(help: "Seed of the hash permutations; every task of a run must use the same.")
        var seed: UInt64 = 1

        @Flag(help: "Cluster colliding documents only if the exact Jaccard similarity of their shingle sets reaches --threshold.")
        var verify = false

        @Option(help: "Jaccard similarity that --verify requires.")
        var threshold = 0.75

        func validate() throws {
            guard ngram >= 1, bands >= 1, rows >= 1 else { throw ValidationError("--ngram, --bands and --rows must be at least 1") }
            guard bands * rows <= 4096 else { throw ValidationError("--bands × --rows must be at most 4096") }
            guard (0...1).contains(threshold) else { throw ValidationError("--threshold must be between 0 and 1") }
        }

        var settings: DedupSettings {
            var settings = DedupSettings()
            settings.exact = exact || !minhash
            settings.minhash = minhash || !exact
            settings.shingleUnit = shingle
            settings.shingleSize = ngram
            settings.bands = bands
            settings.rows = rows
            settings.seed = seed
            settings.verifyThreshold = verify ? threshold : nil
            return settings
        }
    }

    /// Reading options shared by the passes that read documents.
    struct InputOptions: ParsableArguments {
        @Argument(help: "Input files or directories (read twice: standard input cannot be used).")
        var inputs: [String]

        @OptionGroup var selection: SelectionOptions

        @Option(name: .customLong("unit-bytes"), help: "Largest work unit in bytes (sharded passes; the same in every pass).")
        var unitBytes = 256 << 20

        func files() throws -> ([InputFile], RunStats) {
            guard !inputs.contains("-") else {
                throw CommandError(description: "sieve dedup reads its input twice: pass files, not -", isUsage: true)
            }
            return SingleFileRun.discover(inputs, include: selection.include, exclude: selection.exclude)
        }
    }

    struct WorkOptions: ParsableArguments {
        @Option(help: "Folder for the files between the sharded passes.")
        var work: String
    }

    /// Writes the documents of `units` that `stage` keeps to `output`, after its first
    /// pass when it has one (the online mode).
    static func runPasses(units: [WorkUnit], stage: DedupStage, output: String, rejected: String?,
                          processing: ProcessingOptions, files: [InputFile], stats discovered: RunStats) throws -> RunReport {
        var run = SingleFileRun(stages: [stage], options: readOptions(), threads: processing.resolvedThreads())
        run.showProgress = !processing.noProgress
        run.command = CommandLine.arguments.joined(separator: " ")
        return try run.run(units, inputFiles: files.count, discovered: discovered, to: output, rejected: rejected)
    }

    struct Online: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "`sieve dedup INPUT... -o OUT [--rejected REJ]`: both passes in this process (the default subcommand).",
            discussion: """
                Reads the input twice: first to fingerprint every document (on all cores) \
                and cluster them in memory, then to write the documents kept, in input \
                order. The first document of each cluster in input order is kept; the \
                others are dropped with dedup:exact or dedup:minhash and carry \
                dedup_cluster, the id of the document kept.
                """)

        @OptionGroup var input: InputOptions

        @Option(name: .shortAndLong, help: "Output file; the extension picks compression (.zst, .gz). - for stdout.")
        var output: String

        @Option(help: "Where dropped documents go (the extension picks compression).")
        var rejected: String?

        @OptionGroup var settings: SettingsOptions

        @OptionGroup var processing: ProcessingOptions

        func run() throws {
            let (files, stats) = try input.files()
            let plan = WorkPlan(files: files, splitBytes: Int.max, taskCount: 1)
            let stage = DedupStage(settings: settings.settings)
            let report = try DedupCommand.runPasses(units: plan.units, stage: stage, output: output, rejected: rejected,
                                                    processing: processing, files: files, stats: stats)
            let index = stage.index!
            try processing.printSummary(report)
            let perDocument = index.documentCount == 0 ? 0 : index.byteCount / index.documentCount
            let verified = settings.verify ? "; verified \(index.compared) candidate pairs, \(index.rejected) below \(settings.threshold)" : ""
            FileHandle.standardError.write(Data("dedup: \(index.documentCount) documents; clustering held \(index.byteCount) bytes (\(perDocument) per document)\(verified)\n".utf8))
        }
    }

    struct Signatures: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "signatures",
            abstract: "Sharded pass 1: fingerprint this task's share of the input into WORK/signatures.")

        @OptionGroup var input: InputOptions
        @OptionGroup var work: WorkOptions
        @OptionGroup var task: TaskOptions
        @OptionGroup var settings: SettingsOptions
        @OptionGroup var processing: ProcessingOptions

        func run() throws {
            let dedup = ShardedDedup(work: work.work)
            if let done = dedup.signatureSummary(task: task.taskIndex), done.settings == settings.settings,
               done.taskCount == task.taskCount {
                FileHandle.standardError.write(Data("dedup signatures: task \(task.taskIndex) already done (\(done.documents) documents)\n".utf8))
                return
            }
            let (files, _) = try input.files()
            let plan = WorkPlan(files: files, splitBytes: input.unitBytes, taskCount: task.taskCount)
            let units = plan.units(task: task.taskIndex, of: task.taskCount)
            let writer = dedup.signatureWriter(settings: settings.settings)
            let runner = Runner(stages: [], threads: processing.resolvedThreads(),
                                progress: processing.noProgress ? nil : Progress(totalBytes: units.reduce(0) { $0 + $1.bytes }))
            _ = try runner.run(source: CorpusSource(units: units, options: readOptions()), sink: writer)
            let summary = try dedup.finish(writer, task: task.taskIndex, of: task.taskCount, units: units.map(\.index))
            FileHandle.standardError.write(Data("dedup signatures: task \(task.taskIndex): \(summary.documents) documents, \(summary.withoutShingles) without shingles\n".utf8))
        }
    }

    struct Buckets: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "buckets",
            abstract: "Sharded pass 2: cluster this task's share of every band's key range.")

        @OptionGroup var work: WorkOptions
        @OptionGroup var task: TaskOptions

        func run() throws {
            let summary = try ShardedDedup(work: work.work).buckets(task: task.taskIndex, of: task.taskCount)
            FileHandle.standardError.write(Data("dedup buckets: task \(task.taskIndex): \(summary.pairs) keys, \(summary.members) documents linked, \(summary.compared) candidate pairs verified, \(summary.rejected) below the threshold\n".utf8))
        }
    }

    struct Clusters: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clusters",
            abstract: "Sharded pass 3: join the buckets tasks' forests into clusters, in rounds of tasks.",
            discussion: """
                With --round, one task of one round (what sieve run --tasks and sieve slurm run); \
                with --bucket-tasks, every round of every task in this process. Rounds after \
                the last do nothing (docs/dedup.md).
                """)

        @OptionGroup var work: WorkOptions

        @Option(name: .customLong("bucket-tasks"), help: "Run every round here, as this many tasks (those of the buckets pass).")
        var bucketTasks: Int?

        @Option(help: "Run this round (from 1) of task --task-index of --task-count.")
        var round: Int?

        @OptionGroup var task: TaskOptions

        @Option(name: .customLong("max-rounds"), help: "Stop with an error when the clusters need more rounds than this.")
        var maxRounds = PassPlan.clusterRounds

        func validate() throws {
            guard (bucketTasks == nil) != (round == nil) else {
                throw ValidationError("give either --bucket-tasks (every round) or --round (one task's round)")
            }
            if let round, round < 1 { throw ValidationError("--round counts from 1") }
            if let bucketTasks, bucketTasks < 1 { throw ValidationError("--bucket-tasks must be at least 1") }
        }

        func run() throws {
            let dedup = ShardedDedup(work: work.work)
            if let round {
                guard let summary = try dedup.clusters(round: round, task: task.taskIndex, of: task.taskCount, maxRounds: maxRounds) else {
                    FileHandle.standardError.write(Data("dedup clusters: round \(round): nothing to do, an earlier round found the clusters\n".utf8))
                    return
                }
                let what = summary.result.map { "the last: \($0.components) clusters, \($0.members) duplicates" }
                    ?? "\(summary.unsettled ?? 0) of \(summary.nodes) nodes unsettled, \(summary.written) records written"
                FileHandle.standardError.write(Data("dedup clusters: round \(round) task \(task.taskIndex): \(summary.records) records read; \(what)\n".utf8))
                return
            }
            let summary = try dedup.clusters(bucketTasks: bucketTasks!, maxRounds: maxRounds)
            let rounds = dedup.components.converged()?.round ?? 0
            FileHandle.standardError.write(Data("dedup clusters: \(summary.clusters) clusters, \(summary.exactDuplicates) exact and \(summary.minhashDuplicates) MinHash duplicates, in \(rounds) rounds\n".utf8))
        }
    }

    struct Filter: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "filter",
            abstract: "Sharded pass 4: write this task's documents without its duplicates.")

        @OptionGroup var input: InputOptions
        @OptionGroup var work: WorkOptions
        @OptionGroup var task: TaskOptions

        @Option(name: .shortAndLong, help: "Output file of this task; the extension picks compression (.zst, .gz).")
        var output: String

        @Option(help: "Where this task's dropped documents go.")
        var rejected: String?

        @OptionGroup var processing: ProcessingOptions

        func run() throws {
            let dedup = ShardedDedup(work: work.work)
            guard let summary = dedup.signatureSummary(task: task.taskIndex) else {
                throw CommandError(description: "\(work.work): signatures task \(task.taskIndex) has not finished")
            }
            let (files, stats) = try input.files()
            let plan = WorkPlan(files: files, splitBytes: input.unitBytes, taskCount: summary.taskCount)
            let units = plan.units(task: task.taskIndex, of: summary.taskCount)
            guard task.taskCount == summary.taskCount, units.map(\.index) == summary.units else {
                throw CommandError(description: """
                    the inputs, --unit-bytes or --task-count differ from the signatures pass \
                    (task \(task.taskIndex) had units \(summary.units) of \(summary.taskCount) tasks)
                    """, isUsage: true)
            }
            let stage = DedupStage(decisions: try dedup.decisions(task: task.taskIndex))
            let report = try DedupCommand.runPasses(units: units, stage: stage, output: output, rejected: rejected,
                                                    processing: processing, files: files, stats: stats)
            try processing.printSummary(report)
        }
    }
}

extension ShingleUnit: ExpressibleByArgument {}
