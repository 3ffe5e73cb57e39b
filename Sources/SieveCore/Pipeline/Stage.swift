/// One step of the pipeline: takes a batch of documents, returns the ones it keeps
/// (possibly changed). A stage never knows which executor runs it or on how many
/// threads; `process` is called concurrently on different batches.
public protocol Stage: Sendable {
    /// The stage's name, the first half of every drop reason it records.
    var name: String { get }

    /// Processes one batch. Every document not returned must be passed to
    /// `context.drop(_:rule:)`, so that nothing disappears without a reason.
    func process(_ documents: [Document], context: inout StageContext) -> [Document]
}

/// A stage that must see every document of the run before it can decide on any
/// (deduplication keeps the first document of each cluster). A run streams the input
/// through the stages before it into `firstPass()` (in input order, like any sink), calls
/// `finishFirstPass()`, and then runs all stages as usual. Within a work unit, the
/// second pass hands this stage the same documents, in the same batches (numbered by
/// `StageContext.batch`), in the same order as the first pass's sink received them.
public protocol TwoPassStage: Stage {
    /// False when the stage was given what the first pass would find (the sharded passes
    /// computed it elsewhere): then it runs as a plain stage.
    var needsFirstPass: Bool { get }
    /// Receives the documents that reach this stage, in input order.
    func firstPass() -> any BatchSink
    /// Called once the first pass is complete, before the second begins.
    func finishFirstPass() throws
}

/// What a stage may record while processing a batch.
public struct StageContext {
    /// The stage's name.
    public let stage: String
    /// The work unit of the batch, and the batch's number within the unit (from 0, in
    /// input order): the same for the same input whatever the thread count.
    public internal(set) var unit = 0
    public internal(set) var batch = 0
    var stats: StageStats
    /// Dropped documents, kept only when the run writes a rejected stream.
    public internal(set) var rejected: [Document] = []
    var keepsRejected = false

    /// A context of its own, for running a stage outside the runner (tests, tools).
    public init(stage: String) {
        self.stage = stage
        self.stats = StageStats(name: stage)
    }

    /// The drops recorded so far, by reason.
    public var drops: [String: Int] { stats.drops }

    /// The repairs recorded so far, by reason.
    public var repairs: [String: Int] { stats.repairs }

    /// Records that `document` is dropped by `rule` (the reason becomes `stage:rule`);
    /// when the run writes a rejected stream, the document goes there with the reason
    /// in `metadata.drop_reason`.
    public mutating func drop(_ document: Document, rule: String) {
        stats.countDrop("\(stage):\(rule)", language: document.language ?? "und")
        if keepsRejected {
            var document = document
            document.setMetadata(.dropReason, .string("\(stage):\(rule)"))
            rejected.append(document)
        }
    }

    /// Adds one to the report counter `name` of `language` (`StageStats.countsByLanguage`).
    public mutating func count(_ name: String, language: String) {
        stats.count(name, language: language)
    }

    /// Adds one to bin `bin` of histogram `name` of `language`
    /// (`StageStats.histogramsByLanguage`, the manifest's `histograms` table).
    public mutating func count(_ name: String, bin: Int, language: String) {
        stats.count(name, bin: bin, language: language)
    }

    /// Adds `value` in [0, 1] to the report histogram `name` (`StageStats.histograms`).
    public mutating func observe(_ name: String, value: Double, bins: Int = 20) {
        stats.observe(name, value: value, bins: bins)
    }

    /// Records that a kept document was repaired by `rule`.
    public mutating func repaired(rule: String) {
        stats.repairs["\(stage):\(rule)", default: 0] += 1
    }
}

/// A two-pass stage that a run of several tasks splits into passes (dedup): each task's
/// `signatures` pass streams the documents that reach the stage into `signatures(…)`'s
/// sink, the stage's own passes combine what every task wrote (`PassPlan`), and each
/// task's `documents` pass runs the stage that `resolved(…)` builds from their result.
/// `work` is the folder the stage's passes share; `units` are the task's work units.
public protocol ShardedStage: TwoPassStage {
    /// Where task `task`'s signatures go; without a sink when an earlier run already
    /// wrote them with the same settings, task count and units.
    func signatures(work: String, task: Int, of count: Int, units: [Int]) -> ShardedSignatures
    /// The stage of task `task`'s documents pass; throws when the passes before it are
    /// missing or were run with other settings, tasks or inputs.
    func resolved(work: String, task: Int, of count: Int, units: [Int]) throws -> ResolvedStage
}

/// A task's signatures: the folder they are written to, the sink its documents go to
/// (nil when they are written already), and what writes the files after the last one.
public struct ShardedSignatures {
    public var folder: String
    public var sink: (any BatchSink)?
    public var finish: () throws -> Void

    public init(folder: String, sink: (any BatchSink)?, finish: @escaping () throws -> Void) {
        self.folder = folder
        self.sink = sink
        self.finish = finish
    }
}

/// The stage a `ShardedStage` becomes in a documents pass, with the files it was built
/// from (for the resume fingerprint).
public struct ResolvedStage {
    public var stage: any Stage
    public var files: [String]

    public init(stage: any Stage, files: [String]) {
        self.stage = stage
        self.files = files
    }
}
