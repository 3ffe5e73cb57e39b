#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import SieveCore
import SieveFiles
import SieveIO
import SieveReport
import SieveShards

/// One task of a pipeline over a corpus: discovers the inputs, plans work units, takes
/// this task's share, skips what an earlier run already finished (as its manifest
/// records), streams the rest through the stages, and writes the outputs.
///
/// Output layout (see `docs/pipeline.md` and `docs/shards.md`):
/// - `manifest.sqlite` (one task) or `manifest-task-I-of-N.sqlite`: runs, inputs, units,
///   shards, statistics; what resuming reads;
/// - documents: `documents/NNNNN.jsonl.zst`, one file per work unit;
/// - shards: `shards/LANGUAGE/DOMAIN/TTTTT-KKKKK.{bin,idx,docs}`, assembled from the
///   units' token parts (`.sieve/parts/NNNNN.part`) when all of the task's units are done;
/// - `report.json` (one task) or `report-task-I-of-N.json`.
public struct PipelineRun {
    public var config: PipelineConfig
    public var stages: [any Stage]
    /// Files the stages were built from (a tokenizer, a model): their contents are part of
    /// the resume fingerprint.
    public var stageFiles: [String] = []
    /// The language registry of the run's language-ID stage, recorded in the manifest.
    public var languages: [Manifest.Language] = []
    public var threads: Int
    public var taskIndex = 0
    public var taskCount = 1
    /// Which pass of a task this run is; see `Pass`.
    public private(set) var pass = Pass.documents
    public var showProgress = true
    /// The command line, for the report and the manifest.
    public var command = "sieve run"

    /// A task's passes. With one task, `documents` is the whole run. With several tasks and
    /// a dedup stage, each task first runs `signatures`; then the `sieve dedup buckets` and
    /// `clusters` passes find the duplicates across tasks; then each task's `documents`
    /// pass drops its share of them.
    public enum Pass: String, CaseIterable, Sendable {
        /// The stages before dedup, into the task's MinHash signatures under `dedupWork`.
        case signatures
        /// All stages, into the task's documents or shards and its manifest.
        case documents
    }

    /// Every path under the output folder.
    public var layout: OutputLayout { OutputLayout(config.outputDirectory) }

    /// Where the sharded dedup passes of a run with several tasks keep their files.
    public var dedupWork: String { layout.dedup }

    /// How HTML pages, WARC responses and PDFs become text (`ReadOptions.pages`).
    public var pages: (any PageDecoder)?
    /// What building the stages had to say (`Pipeline.warnings`).
    public var warnings: [String] = []

    /// A run of `config`'s stages, built now: a stage that cannot be built (a missing
    /// model, a bad setting) stops the run before it reads any input. The `signatures`
    /// pass builds only the stages up to dedup, which is all it runs. The `documents` pass
    /// of one of several tasks (`taskCount`) only describes the stages before dedup
    /// (`Pipeline.Need.describe`): its units come from the spill, past them; `run()` builds
    /// them for a unit that has to be read from its inputs.
    public init(config: PipelineConfig, threads: Int, pass: Pass = .documents, taskCount: Int = 1) throws {
        let dedup = config.stages.firstIndex { $0.type == DedupKind.type }
        let need: (Int) -> Pipeline.Need
        switch (pass, dedup) {
        case (.signatures, let dedup?): need = { $0 <= dedup ? .run : .none }
        case (.documents, let dedup?) where taskCount > 1 && config.spill:
            need = { $0 < dedup ? .describe : .run }
            describedBefore = dedup
        default: need = { _ in .run }
        }
        let pipeline = try Pipeline(config.stages, baseDirectory: config.baseDirectory, need: need)
        self.config = config
        self.stages = pipeline.stages
        self.threads = threads
        self.pass = pass
        self.taskCount = taskCount
        stageFiles = pipeline.files
        stageFilesByStage = pipeline.filesByStage
        languages = pipeline.languages
        warnings = pipeline.warnings
    }

    /// The stages that no task of the first pass builds when `config` runs as `taskCount`
    /// tasks: with a dedup stage and several tasks, those after dedup (`signatures` builds
    /// the others, `init`); none otherwise (`documents` builds every stage).
    public static func stagesAfterFirstPass(_ config: PipelineConfig, taskCount: Int) -> Range<Int> {
        guard taskCount > 1, let dedup = config.stages.firstIndex(where: { $0.type == DedupKind.type }) else {
            return config.stages.endIndex..<config.stages.endIndex
        }
        return dedup + 1..<config.stages.endIndex
    }

    /// The stages before this index were described and not built (`init`).
    private var describedBefore: Int?

    /// `stages` with those that `init` only described built, for units read from their
    /// inputs.
    private func builtStages() throws -> [any Stage] {
        guard let end = describedBefore else { return stages }
        let built = try Pipeline(config.stages, baseDirectory: config.baseDirectory, need: { $0 < end ? .run : .none })
        return Array(built.stages[0..<end]) + stages[end...]
    }

    /// `stageFiles` stage by stage.
    var stageFilesByStage: [[String]] = []

    public var readOptions: ReadOptions {
        var options = ReadOptions()
        options.pages = pages
        options.fields = FieldNames(text: config.textField, id: config.idField)
        options.maxDocumentBytes = config.maxDocumentBytes
        options.batchBytes = config.batchBytes
        return options
    }

    public var format: OutputFormat {
        var format = OutputFormat(container: config.format, compression: config.compression)
        format.rowGroupBytes = config.rowGroupBytes
        return format
    }

    /// The manifest this task writes.
    public var manifestPath: String { layout.manifest(task: taskIndex, of: taskCount) }

    public func run() throws -> RunReport {
        let started = Date()
        let kind = config.resolvedOutputKind
        if kind == .shards && !config.stages.contains(where: { $0.type == TokenizeKind.type }) {
            throw SieveShardsError(message: "output.kind = \"shards\" needs a tokenize stage")
        }
        let discovery = CorpusDiscovery(include: config.include ?? CorpusDiscovery.defaultInclude,
                                        exclude: config.exclude)
        let (files, discoveryStats) = discovery.discover(config.inputPaths)
        let plan = WorkPlan(files: files, splitBytes: config.splitBytes, taskCount: taskCount)
        let mine = plan.units(task: taskIndex, of: taskCount)

        var job = self
        let sharded = stages.firstIndex { $0 is any ShardedStage }
        if pass == .signatures {
            guard let sharded, taskCount > 1, let stage = stages[sharded] as? any ShardedStage else {
                throw SieveShardsError(message: "the signatures pass is for a pipeline with a dedup stage run as several tasks")
            }
            return try signatures(mine, at: sharded, stage: stage, settings: spillSettings(before: sharded), started: started,
                                  discoveryStats: discoveryStats)
        }
        var spillStage = stages.firstIndex { ($0 as? any TwoPassStage)?.needsFirstPass == true }
        if taskCount > 1, let sharded, let stage = stages[sharded] as? any ShardedStage {
            let resolved = try stage.resolved(work: dedupWork, task: taskIndex, of: taskCount, units: mine.map(\.index))
            job.stages[sharded] = resolved.stage
            job.stageFiles += resolved.files
            spillStage = sharded
        }
        return try job.documents(mine, kind: kind, spill: spillStage.map { ($0, spillSettings(before: $0)) }, started: started,
                                 discoveryStats: discoveryStats)
    }

    /// The `signatures` pass: the stages before the sharded stage over this task's units,
    /// into its signature files, and the documents that reach it into the spill files
    /// that the `documents` pass reads. A task whose signatures are there, with the same
    /// settings and units, does nothing.
    private func signatures(_ mine: [WorkUnit], at index: Int, stage: any ShardedStage, settings: String, started: Date,
                            discoveryStats: RunStats) throws -> RunReport {
        var stats = discoveryStats
        let signatures = stage.signatures(work: dedupWork, task: taskIndex, of: taskCount, units: mine.map(\.index))
        if let sink = signatures.sink {
            var spill: SpillPlan?
            if config.spill {
                AtomicFile.removeStale(in: [layout.spill])
                spill = try spillPlan(mine, stage: index, settings: settings, inputHashes: inputHashes(mine))
            }
            stats.merge(try firstPass(mine, through: stages, before: index, into: sink, spill: spill,
                                      spilling: Set(mine.map(\.index))))
            try signatures.finish()
        }
        return RunReport(command: command, startedAt: started, seconds: Date().timeIntervalSince(started), threads: threads,
                         taskIndex: taskIndex, taskCount: taskCount, inputFiles: Set(mine.flatMap { $0.segments.map(\.file.path) }).count,
                         inputBytes: mine.reduce(0) { $0 + $1.bytes }, units: mine.count, unitsResumed: 0,
                         outputs: [signatures.folder], stats: stats)
    }

    private func documents(_ mine: [WorkUnit], kind: PipelineConfig.OutputKind, spill: (stage: Int, settings: String)?,
                           started: Date, discoveryStats: RunStats) throws -> RunReport {
        try makeDirectories(layout.work)
        // A killed run's half-written files (its writer is gone) are removed; they would
        // never be renamed into place, and only take space. Shard folders are swept by the
        // assembler as it writes into them, not walked whole at every task's start.
        AtomicFile.removeStale(in: [layout.root, layout.parts, layout.documents, layout.rejected, layout.spill])
        let manifest = try Manifest(writingTo: manifestPath)
        try manifest.recordLanguages(languages)
        let runID = try manifest.beginRun(command: command, config: configJSON(), fingerprint: fingerprint(),
                                          task: taskIndex, taskCount: taskCount, threads: threads)
        do {
            let report = try run(mine, kind: kind, spill: spill, manifest: manifest, runID: runID, started: started,
                                 discoveryStats: discoveryStats)
            try manifest.endRun(runID, error: nil)
            try manifest.checkpoint()
            // With several tasks, the report comes after their manifests are merged.
            if taskCount == 1 { try RunReportPage.write(manifest: manifestPath, to: layout.reportPage) }
            return report
        } catch {
            try? manifest.endRun(runID, error: String(describing: error))
            throw error
        }
    }

    private func run(_ mine: [WorkUnit], kind: PipelineConfig.OutputKind, spill spillAt: (stage: Int, settings: String)?,
                     manifest: Manifest, runID: Int64, started: Date, discoveryStats: RunStats) throws -> RunReport {
        // Inputs: hashed now, so that a later run can tell whether they changed.
        var unitsOfFile: [String: [Int]] = [:]
        var sizes: [String: Int] = [:]
        for unit in mine {
            for segment in unit.segments {
                if unitsOfFile[segment.file.path]?.last != unit.index { unitsOfFile[segment.file.path, default: []].append(unit.index) }
                sizes[segment.file.path] = segment.file.size
            }
        }
        let paths = unitsOfFile.keys.sorted()
        let hashes = try Self.hash(paths, sizes: sizes)
        let unchanged = try manifest.recordInputs(hashes, task: taskIndex)
        let spill = try spillAt.flatMap { at in
            config.spill ? try spillPlan(mine, stage: at.stage, settings: at.settings,
                                         inputHashes: Dictionary(hashes.map { ($0.path, $0.xxh64) }, uniquingKeysWith: { a, _ in a })) : nil
        }

        // Which units an earlier run finished (`ResumePlan`).
        let finished = try manifest.finishedUnits(task: taskIndex)
        let oldShardFiles = kind == .shards ? try manifest.shardFiles(task: taskIndex, kind: "documents") : []
        let resume = ResumePlan(ResumePlan.State(
            units: try mine.map { ($0.index, try $0.segmentsJSON(), $0.segments.map(\.file.path)) }, finished: finished,
            unchangedInputs: unchanged, kind: kind,
            previousRunFinished: kind == .shards ? try manifest.previousRunFinished(task: taskIndex, current: runID) : false,
            shardFiles: oldShardFiles), fileExists: { FileManager.default.fileExists(atPath: $0) })
        let alreadyComplete = resume.alreadyComplete
        let redo = Set(resume.todo)
        let todo = mine.filter { redo.contains($0.index) }
        try manifest.forgetUnits(todo.map(\.index), task: taskIndex)

        // What earlier runs did counts too: their units' statistics and per-input counts.
        var unitStats: [Int: RunStats] = [:]
        for unit in mine where !redo.contains(unit.index) { unitStats[unit.index] = finished[unit.index]!.stats }
        let unitsByIndex = Dictionary(uniqueKeysWithValues: mine.map { ($0.index, $0) })
        var remaining = Dictionary(uniqueKeysWithValues: unitsOfFile.map { ($0.key, Set($0.value)) })
        var counts: [String: InputCounts] = [:]
        let pathOf = Dictionary(paths.map { (manifest.stored($0), $0) }, uniquingKeysWith: { a, _ in a })
        for (index, stats) in unitStats {
            for (stored, c) in stats.inputs { counts[pathOf[stored] ?? stored, default: InputCounts()].merge(c) }
            for segment in unitsByIndex[index]!.segments { remaining[segment.file.path]?.remove(index) }
        }

        let outputDirectory = kind == .shards ? layout.parts : layout.documents
        let onUnitDone: (Int, RunStats) throws -> Void = { index, stats in
            let unit = unitsByIndex[index]!
            var done: [(path: String, counts: InputCounts)] = []
            for path in Set(unit.segments.map(\.file.path)).sorted() {
                counts[path, default: InputCounts()].merge(stats.inputs[path] ?? InputCounts())
                remaining[path]!.remove(index)
                if remaining[path]!.isEmpty { done.append((path, counts[path]!)) }
            }
            unitStats[index] = stats
            let output = UnitFilesSink.path(directory: outputDirectory, unit: index,
                                            fileExtension: kind == .shards ? "part" : format.fileExtension)
            try manifest.unitDone(task: taskIndex, unit: index, segments: try unit.segmentsJSON(), output: output,
                                  stats: stats, inputsDone: done)
        }
        let documentSink: any BatchSink = kind == .shards
            ? try TokenPartSink.make(directory: outputDirectory, onUnitDone: onUnitDone)
            : try UnitFilesSink(directory: outputDirectory, format: format, onUnitDone: onUnitDone)
        let sink: any BatchSink = config.writeRejected
            ? try RejectedUnitsSink(wrapping: documentSink, directory: layout.rejected, format: OutputFormat(compression: .zstd))
            : documentSink
        let todoBytes = todo.reduce(0) { $0 + $1.bytes }
        // A stage that needs every document first (dedup) gets a first pass over all of
        // the task's units, resumed ones included, through the stages before it; the
        // units to do are spilled on the way, so that the stages before dedup run once.
        let twoPass = self.stages.firstIndex { ($0 as? any TwoPassStage)?.needsFirstPass == true }
        // Stages that `init` only described are built for units read from their inputs.
        var stages = self.stages
        if !todo.isEmpty, let twoPass, let stage = stages[twoPass] as? any TwoPassStage {
            stages = try builtStages()
            _ = try firstPass(mine, through: stages, before: twoPass, into: stage.firstPass(), spill: spill, spilling: redo)
            try stage.finishFirstPass()
        }
        var source: any BatchSource = CorpusSource(units: todo, options: readOptions)
        var fromInputs = todo
        var unitsFromSpill: Int?
        if let spill {
            (source, fromInputs) = spill.source(todo, options: readOptions)
            unitsFromSpill = todo.count - fromInputs.count
        }
        if !fromInputs.isEmpty && twoPass == nil { stages = try builtStages() }
        let runner = Runner(stages: stages, threads: threads,
                            progress: showProgress ? Progress(totalBytes: todoBytes, label: twoPass != nil || spill != nil ? "pass 2" : nil) : nil)
        _ = try runner.run(source: source, sink: sink)

        // Totals in unit order, whether a unit was done now or by an earlier run.
        var stats = discoveryStats
        for unit in mine { stats.merge(unitStats[unit.index]!) }

        var outputs: [String]
        if kind == .shards {
            if alreadyComplete {
                outputs = try manifest.documentShards(task: taskIndex, order: .recorded).map(\.path)
                try manifest.recordOutputs(task: taskIndex, kind: "documents", shards: nil, stats: stats)
            } else {
                let parts = mine.map { UnitFilesSink.path(directory: outputDirectory, unit: $0.index, fileExtension: "part") }
                let shards = try ShardAssembler(directory: layout.shards, task: taskIndex, maxShardBytes: config.shardBytes)
                    .assemble(parts: parts)
                try manifest.recordOutputs(task: taskIndex, kind: "documents", shards: shards, stats: stats)
                for part in parts { unlink(part) }
                // Shards of an earlier run that this one did not write again (an input changed).
                let written = Set(shards.flatMap { shard in shard.files.map { manifest.resolved(manifest.stored(shard.prefix + $0.suffix)) } })
                for file in oldShardFiles where !written.contains(file) { unlink(file) }
                outputs = shards.map { manifest.stored($0.prefix) }
            }
        } else {
            try manifest.recordOutputs(task: taskIndex, kind: "documents", shards: nil, stats: stats)
            outputs = mine.map { UnitFilesSink.path(directory: "documents", unit: $0.index, fileExtension: format.fileExtension) }
        }
        var report = RunReport(
            command: command, startedAt: started, seconds: Date().timeIntervalSince(started), threads: threads,
            taskIndex: taskIndex, taskCount: taskCount, inputFiles: paths.count,
            inputBytes: mine.reduce(0) { $0 + $1.bytes }, units: mine.count, unitsResumed: mine.count - todo.count,
            outputs: outputs, stats: stats)
        report.unitsFromSpill = unitsFromSpill
        try writeFileAtomically(Array(try report.json()) + [0x0A], to: layout.report(task: taskIndex, of: taskCount))
        if !config.keepSpill { spill?.remove(mine) }
        return report
    }

    /// The spill files of this task's units: where the documents that reach stage
    /// `stage` (dedup) wait between the passes.
    private func spillPlan(_ mine: [WorkUnit], stage: Int, settings: String, inputHashes: [String: String]) throws -> SpillPlan {
        try SpillPlan(directory: layout.spill, stage: stage, units: mine, settings: settings, inputHashes: inputHashes,
                      keepsRejected: config.writeRejected)
    }

    /// XXH64 of each input file of `units`, by path.
    private func inputHashes(_ units: [WorkUnit]) throws -> [String: String] {
        var sizes: [String: Int] = [:]
        for unit in units { for segment in unit.segments { sizes[segment.file.path] = segment.file.size } }
        return Dictionary(try Self.hash(sizes.keys.sorted(), sizes: sizes).map { ($0.path, $0.xxh64) }, uniquingKeysWith: { a, _ in a })
    }

    /// The first pass: `units` in order through `stages` before `index` into `sink`
    /// (the dedup stage's). Units with a spill file are read from it; the others from
    /// their inputs, and those of them in `spilling` are spilled on the way.
    private func firstPass(_ units: [WorkUnit], through stages: [any Stage], before index: Int, into sink: any BatchSink,
                           spill: SpillPlan?, spilling: Set<Int>) throws -> RunStats {
        var source: any BatchSource = CorpusSource(units: units, options: readOptions)
        var sink = sink
        if let spill {
            let (spilled, fromInputs) = spill.source(units, options: readOptions)
            source = spilled
            let write = fromInputs.filter { spilling.contains($0.index) }
            if !write.isEmpty { sink = TeeSink(sink, try spill.sink(units: write)) }
        }
        let bytes = units.reduce(0) { $0 + $1.bytes }
        return try Runner(stages: Array(stages[..<index]), threads: threads,
                       progress: showProgress ? Progress(totalBytes: bytes, label: "pass 1") : nil)
            .run(source: source, sink: sink)
    }

    /// Size and XXH64 of each input, hashed in parallel.
    static func hash(_ paths: [String], sizes: [String: Int]) throws -> [Manifest.Input] {
        var results = [String?](repeating: nil, count: paths.count)
        results.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            DispatchQueue.concurrentPerform(iterations: paths.count) { i in
                base[i] = try? hashFile(paths[i])
            }
        }
        // An unreadable input still gets a row; reading it records the error.
        return paths.indices.map { Manifest.Input(path: paths[$0], size: sizes[paths[$0]] ?? 0, xxh64: results[$0] ?? "unreadable") }
    }

    static func hashFile(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError.errno(path) }
        defer { close(fd) }
        var hash = XXHash64()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError.errno(path)
            }
            if n == 0 { break }
            hash.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        return XXHash64.hex(hash.digest())
    }

    /// The configuration as JSON, for the manifest's runs table.
    func configJSON() -> String {
        var members: [JSONMember] = [
            JSONMember("input_paths", .array(config.inputPaths.map(JSONValue.string))),
            JSONMember("output_dir", .string(config.outputDirectory)),
            JSONMember("output_kind", .string(config.resolvedOutputKind.rawValue)),
        ]
        members.append(JSONMember("settings", .string(fingerprintText())))
        var writer = JSONWriter()
        writer.value(.object(members))
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Every setting that changes output bytes (inputs are checked separately, by hash),
    /// so that a resumed run never mixes outputs of different settings. Each stage is
    /// its canonical JSON (`StageConfiguration.canonicalJSON`, docs/pipeline.md).
    func fingerprintText() -> String {
        var text = "\(config.textField)|\(config.idField)|\(config.maxDocumentBytes)|\(config.batchBytes)|\(config.splitBytes)"
        text += "|\(config.compression)\(config.format == .jsonl ? "" : "|\(config.format) \(config.rowGroupBytes)")|\(config.resolvedOutputKind.rawValue)|\(config.shardBytes)|\(taskIndex)/\(taskCount)"
        if config.writeRejected { text += "|rejected" }
        for stage in config.stages { text += "|" + stage.canonicalJSON() }
        for file in stageFiles { text += "|" + ((try? Self.hashFile(file)) ?? "unreadable \(file)") }
        return text
    }

    /// What the documents that reach stage `stage` depend on, for the spill files' keys:
    /// how records are read and the stages before it with the files they were built
    /// from (the stages after it may change without making a spill stale).
    func spillSettings(before stage: Int) -> String {
        var text = "\(config.textField)|\(config.idField)|\(config.maxDocumentBytes)|\(config.batchBytes)|\(config.splitBytes)"
        if config.writeRejected { text += "|rejected" }
        for configuration in config.stages.prefix(stage) { text += "|" + configuration.canonicalJSON() }
        for file in stageFilesByStage.prefix(stage).joined() { text += "|" + ((try? Self.hashFile(file)) ?? "unreadable \(file)") }
        return text
    }

    func fingerprint() -> String {
        XXHash64.hex(Array(fingerprintText().utf8).withUnsafeBytes { XXHash64.hash($0) })
    }
}
