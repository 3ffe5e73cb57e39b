import Dispatch
import Foundation

/// Streams a source through the stages into a sink.
///
/// One reader thread pulls items from the source, `threads` workers decode, process
/// and encode batches, and the calling thread writes results in input order (a
/// re-sequencer holds results that finish early). At most `maxInFlight` items exist
/// at any time, so memory is bounded by that many batches whatever the input size;
/// batch boundaries come from the source alone, so output bytes do not depend on the
/// number of threads.
public struct Runner {
    public var stages: [any Stage]
    public var threads: Int
    public var maxInFlight: Int
    public var progress: Progress?

    public init(stages: [any Stage], threads: Int, maxInFlight: Int? = nil, progress: Progress? = nil) {
        self.stages = stages
        self.threads = max(1, threads)
        self.maxInFlight = max(2, maxInFlight ?? 2 * max(1, threads) + 2)
        self.progress = progress
    }

    /// Runs to the end of the source and returns the run's statistics in pipeline order
    /// (`read`, the stages, `write`). Throws when the source or sink fails.
    public func run<S: BatchSource>(source: S, sink: any BatchSink) throws -> RunStats {
        let state = RunState(maxInFlight: maxInFlight)
        let group = DispatchGroup()
        let box = SourceBox(source)

        Self.thread(group) {
            var seq = 0
            var batchesOfUnit: [Int: Int] = [:]
            while true {
                state.permits.wait()
                if state.isCancelled { break }
                let item: SourceItem?
                do {
                    item = try box.source.next()
                } catch {
                    state.results.put(seq, .failed(error))
                    break
                }
                guard let item else {
                    state.results.put(seq, .end)
                    break
                }
                switch item {
                case .batch(let batch):
                    let number = batchesOfUnit[batch.unit, default: 0]
                    batchesOfUnit[batch.unit] = number + 1
                    state.work.push((seq, number, batch))
                case .unitEnd(let unit, let stats):
                    state.results.put(seq, .unitEnd(unit: unit, stats: stats))
                }
                seq += 1
            }
            state.work.close()
        }

        let stages = self.stages
        for _ in 0..<threads {
            Self.thread(group) {
                while let (seq, number, batch) = state.work.pop() {
                    if state.isCancelled { continue }
                    state.results.put(seq, Self.process(batch, number: number, stages: stages, sink: sink))
                }
            }
        }

        var total = RunStats()
        var unitStats: [Int: RunStats] = [:]
        var failure: Error?
        var seq = 0
        loop: while true {
            let result = state.results.take(seq)
            seq += 1
            do {
                switch result {
                case .batch(let unit, let encoded, let rejected, let documents, let inputBytes, var stats):
                    let start = DispatchTime.now()
                    try sink.write(encoded, unit: unit)
                    if let rejected { try sink.writeRejected(rejected, unit: unit) }
                    stats[stage: "write"].documentsIn += documents.count
                    stats[stage: "write"].bytesIn += documents.bytes
                    stats[stage: "write"].documentsOut += documents.count
                    stats[stage: "write"].bytesOut += documents.bytes
                    stats[stage: "write"].seconds += start.secondsElapsed
                    unitStats[unit, default: RunStats()].merge(stats)
                    progress?.advance(inputBytes: inputBytes, documents: documents.count)
                case .unitEnd(let unit, let stats):
                    var all = unitStats.removeValue(forKey: unit) ?? RunStats()
                    all.merge(stats)
                    try sink.endUnit(unit, stats: all)
                    total.merge(all)
                case .failed(let error):
                    throw error
                case .end:
                    break loop
                }
            } catch {
                failure = error
                state.cancel()
                break loop
            }
            state.permits.signal()
        }
        group.wait()
        progress?.finish()
        if let failure { throw failure }
        return total
    }

    /// Starts `body` on a thread of its own. The reader and the workers block on each
    /// other (permits, the work queue), which Dispatch's pool cannot see: with the process
    /// held to one core (taskset, a Slurm task of one CPU) the pool then held back the
    /// second thread, and a run spent about half its wall time idle.
    private static func thread(_ group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        let thread = Thread {
            body()
            group.leave()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Runs the first pass of the first `TwoPassStage` in `stages`, if there is one:
    /// streams `source` through the stages before it into its first-pass sink, then
    /// finishes it. The stages after it run only in the usual pass that follows.
    public func runFirstPass<S: BatchSource>(source: S) throws {
        guard let p = stages.firstIndex(where: { ($0 as? any TwoPassStage)?.needsFirstPass == true }) else { return }
        let stage = stages[p] as! any TwoPassStage
        var before = self
        before.stages = Array(stages[..<p])
        _ = try before.run(source: source, sink: stage.firstPass())
        try stage.finishFirstPass()
    }

    private static func process(_ batch: SourceBatch, number: Int, stages: [any Stage], sink: any BatchSink) -> Outcome {
        var stats = RunStats()
        var start = DispatchTime.now()
        let keepsRejected = sink.wantsRejected
        var rejected: [Document] = []
        var documents: [Document]
        if let load = batch.load {
            do {
                let processed = try load()
                stats = processed.stats
                documents = processed.documents
                if keepsRejected { rejected = processed.rejected }
            } catch {
                return .failed(error)
            }
        } else {
            documents = batch.decode(&stats)
            stats[stage: "read"].documentsOut += documents.count
            stats[stage: "read"].bytesOut += documents.bytes
            stats[stage: "read"].seconds += start.secondsElapsed
        }
        for stage in stages.dropFirst(batch.stagesDone) {
            start = DispatchTime.now()
            var context = StageContext(stage: stage.name)
            context.unit = batch.unit
            context.batch = number
            context.keepsRejected = keepsRejected
            context.stats.documentsIn = documents.count
            context.stats.bytesIn = documents.bytes
            documents = stage.process(documents, context: &context)
            rejected += context.rejected
            context.stats.documentsOut = documents.count
            context.stats.bytesOut = documents.bytes
            context.stats.seconds = start.secondsElapsed
            var part = RunStats()
            part[stage: stage.name] = context.stats
            stats.merge(part)
        }
        start = DispatchTime.now()
        let encoded = sink.encode(documents, unit: batch.unit)
        let encodedRejected = keepsRejected ? sink.encodeRejected(rejected, unit: batch.unit) : nil
        stats[stage: "write"].seconds += start.secondsElapsed
        return .batch(unit: batch.unit, encoded: encoded, rejected: encodedRejected, documents: DocumentCount(documents),
                      inputBytes: batch.inputBytes, stats: stats)
    }
}

/// Document and byte counts of an encoded batch (the documents themselves are gone).
struct DocumentCount {
    var count: Int
    var bytes: Int
    init(_ documents: [Document]) {
        count = documents.count
        bytes = documents.bytes
    }
}

enum Outcome {
    case batch(unit: Int, encoded: [UInt8], rejected: [UInt8]?, documents: DocumentCount, inputBytes: Int, stats: RunStats)
    case unitEnd(unit: Int, stats: RunStats)
    case failed(Error)
    case end
}

/// Gives the reader thread sole access to the (non-Sendable) source.
private final class SourceBox<S: BatchSource>: @unchecked Sendable {
    var source: S
    init(_ source: S) { self.source = source }
}

private final class RunState: @unchecked Sendable {
    let permits: Permits
    let maxInFlight: Int
    let work = WorkQueue<(Int, Int, SourceBatch)>()
    let results = Resequencer<Outcome>()
    private let lock = NSLock()
    private var cancelled = false

    init(maxInFlight: Int) {
        self.maxInFlight = maxInFlight
        permits = Permits(maxInFlight)
    }

    var isCancelled: Bool { lock.withLock { cancelled } }

    /// Stops the reader (waking it if it waits for a permit) and idles the workers.
    func cancel() {
        lock.withLock { cancelled = true }
        for _ in 0..<maxInFlight { permits.signal() }
    }
}

/// A counting semaphore. (DispatchSemaphore traps when released below its initial
/// value, which happens whenever a run stops early.)
final class Permits: @unchecked Sendable {
    private let condition = NSCondition()
    private var available: Int

    init(_ count: Int) { available = count }

    func wait() {
        condition.withLock {
            while available == 0 { condition.wait() }
            available -= 1
        }
    }

    func signal() {
        condition.withLock {
            available += 1
            condition.signal()
        }
    }
}

/// A FIFO that workers block on; its length is bounded by the runner's permits.
final class WorkQueue<T>: @unchecked Sendable {
    private let condition = NSCondition()
    /// Popped slots are cleared at once: a batch must not outlive its processing.
    private var items: [T?] = []
    private var head = 0
    private var closed = false

    func push(_ item: T) {
        condition.withLock {
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            }
            items.append(item)
            condition.signal()
        }
    }

    /// The next item, or nil once the queue is closed and empty.
    func pop() -> T? {
        condition.withLock {
            while head == items.count && !closed { condition.wait() }
            guard head < items.count else { return nil }
            let item = items[head].take()
            head += 1
            if head >= 1024 {
                items.removeFirst(head)
                head = 0
            }
            return item
        }
    }

    func close() {
        condition.withLock {
            closed = true
            condition.broadcast()
        }
    }
}

/// Hands out results strictly by sequence number, whatever order they arrive in.
final class Resequencer<T>: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Int: T] = [:]

    func put(_ seq: Int, _ value: T) {
        condition.withLock {
            ready[seq] = value
            condition.broadcast()
        }
    }

    func take(_ seq: Int) -> T {
        condition.withLock {
            while ready[seq] == nil { condition.wait() }
            return ready.removeValue(forKey: seq)!
        }
    }
}

extension Array where Element == Document {
    /// Total text bytes.
    var bytes: Int { reduce(0) { $0 + $1.byteCount } }
}

extension DispatchTime {
    var secondsElapsed: Double {
        Double(DispatchTime.now().uptimeNanoseconds - uptimeNanoseconds) / 1e9
    }
}
