import SieveCore

/// Reads work units in order and hands their records to the runner in batches; a unit's
/// batches are followed by its `.unitEnd`, carrying what reading found.
public struct CorpusSource: BatchSource {
    private let units: [WorkUnit]
    private let options: ReadOptions
    private var unitIndex = 0
    private var segmentIndex = 0
    private var reader: SegmentReader?
    private var batch: RecordBatch?
    private var unitStats = RunStats()
    private var pending: [SourceItem] = []
    private var pendingHead = 0

    public init(units: [WorkUnit], options: ReadOptions) {
        self.units = units
        self.options = options
    }

    public mutating func next() throws -> SourceItem? {
        while true {
            if pendingHead < pending.count {
                defer {
                    pendingHead += 1
                    if pendingHead == pending.count {
                        pending.removeAll(keepingCapacity: true)
                        pendingHead = 0
                    }
                }
                return pending[pendingHead]
            }
            guard unitIndex < units.count else { return nil }
            let unit = units[unitIndex]
            guard let reader else {
                if segmentIndex == unit.segments.count {
                    pending.append(.unitEnd(unit: unit.index, stats: unitStats))
                    unitStats = RunStats()
                    unitIndex += 1
                    segmentIndex = 0
                } else if unit.segments[segmentIndex].file.recordFormat == .parquet {
                    // Row groups are batches of their own, decoded on the workers.
                    let (batches, stats) = ParquetDocuments.batches(unit.segments[segmentIndex], unit: unit.index, options: options)
                    pending.append(contentsOf: batches.map { .batch($0) })
                    unitStats.merge(stats)
                    segmentIndex += 1
                } else {
                    let segment = unit.segments[segmentIndex]
                    self.reader = SegmentReader(segment: segment, options: options)
                    batch = RecordBatch(file: segment.file, capacity: options.batchBytes)
                }
                continue
            }
            var current = batch!
            var full: [RecordBatch] = []
            let more = reader.step(batch: &current) { done in
                full.append(done)
                return RecordBatch(file: done.file, capacity: options.batchBytes)
            }
            if !more && !current.isEmpty { full.append(current) }
            batch = current
            for (i, records) in full.enumerated() {
                // Progress by bytes: attribute what was read to the first batch it produced.
                let bytes = i == 0 ? reader.unreportedInputBytes : 0
                if i == 0 { reader.unreportedInputBytes = 0 }
                pending.append(.batch(Self.sourceBatch(records, unit: unit.index, bytes: bytes, options: options)))
            }
            if !more {
                unitStats.merge(reader.stats)
                self.reader = nil
                batch = nil
                segmentIndex += 1
            }
        }
    }

    private static func sourceBatch(_ records: RecordBatch, unit: Int, bytes: Int, options: ReadOptions) -> SourceBatch {
        SourceBatch(unit: unit, inputBytes: bytes) { stats in records.decode(fields: options.fields, pages: options.pages, stats: &stats) }
    }
}
