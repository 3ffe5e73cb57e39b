/// Produces work in input order. Called from a single reader thread, so it may keep
/// state; the expensive part of turning bytes into documents belongs in
/// `SourceBatch.decode`, which runs on the worker threads.
public protocol BatchSource {
    /// The next item, or nil when the input is exhausted. Throwing fails the run, so
    /// problems with one input are recorded in a `.unitEnd` item's stats instead.
    mutating func next() throws -> SourceItem?
}

/// One item of a source's stream.
public enum SourceItem: Sendable {
    /// Records to turn into documents and run through the stages.
    case batch(SourceBatch)
    /// The end of a work unit (the input for one output file), with what the reader
    /// found while reading it: truncated streams, unreadable files.
    case unitEnd(unit: Int, stats: RunStats)
}

/// A batch of raw records from one work unit, or of documents that the run's first
/// stages already processed in an earlier pass.
public struct SourceBatch: Sendable {
    /// The work unit the records belong to.
    public var unit: Int
    /// Input bytes consumed to produce it (compressed size for compressed inputs),
    /// for progress by bytes.
    public var inputBytes: Int
    /// Parses the records; runs on a worker thread. Records failures in the stats.
    public var decode: @Sendable (inout RunStats) -> [Document]
    /// How many of the run's first stages already ran on these documents; the runner
    /// starts at the next one. Zero for raw records.
    public private(set) var stagesDone = 0
    /// For a processed batch: loads it (worker thread) instead of `decode`.
    public private(set) var load: (@Sendable () throws -> ProcessedBatch)?

    public init(unit: Int, inputBytes: Int, decode: @escaping @Sendable (inout RunStats) -> [Document]) {
        self.unit = unit
        self.inputBytes = inputBytes
        self.decode = decode
    }

    /// A batch that the run's first `stagesDone` stages processed in an earlier pass and
    /// that was written in between (the documents reaching a dedup stage, `.sieve/spill`).
    public init(unit: Int, inputBytes: Int, stagesDone: Int, load: @escaping @Sendable () throws -> ProcessedBatch) {
        self.unit = unit
        self.inputBytes = inputBytes
        self.decode = { _ in [] }
        self.stagesDone = stagesDone
        self.load = load
    }
}

/// What the first stages of a run made of a batch: the documents they kept, the ones
/// they dropped (with `drop_reason`, when the run keeps them) and their statistics
/// (`read` included), to be merged as if those stages had just run.
public struct ProcessedBatch: Sendable {
    public var documents: [Document]
    public var rejected: [Document]
    public var stats: RunStats

    public init(documents: [Document], rejected: [Document], stats: RunStats) {
        self.documents = documents
        self.rejected = rejected
        self.stats = stats
    }
}

/// Receives the processed documents. `encode` runs on worker threads, concurrently,
/// and must not touch shared state; `write` and `endUnit` run on one writer thread,
/// in input order.
public protocol BatchSink: AnyObject {
    /// Serializes one batch (for example to a compressed frame).
    func encode(_ documents: [Document], unit: Int) -> [UInt8]
    /// Appends an encoded batch to the unit's output.
    func write(_ encoded: [UInt8], unit: Int) throws
    /// Completes the unit's output; `stats` are the unit's own, every stage included.
    func endUnit(_ unit: Int, stats: RunStats) throws
    /// Whether dropped documents are wanted (a rejected stream); stages then hand them
    /// over with `drop_reason` in their metadata.
    var wantsRejected: Bool { get }
    /// Serializes one batch of dropped documents (worker threads).
    func encodeRejected(_ documents: [Document], unit: Int) -> [UInt8]
    /// Appends an encoded batch of dropped documents to the unit's rejected stream.
    func writeRejected(_ encoded: [UInt8], unit: Int) throws
}

extension BatchSink {
    public var wantsRejected: Bool { false }
    public func encodeRejected(_ documents: [Document], unit: Int) -> [UInt8] { [] }
    public func writeRejected(_ encoded: [UInt8], unit: Int) throws {}
}

/// Keeps nothing: for runs whose product is gathered by a stage (word counts for BPE
/// training).
public final class DiscardingSink: BatchSink {
    public init() {}
    public func encode(_ documents: [Document], unit: Int) -> [UInt8] { [] }
    public func write(_ encoded: [UInt8], unit: Int) throws {}
    public func endUnit(_ unit: Int, stats: RunStats) throws {}
}
