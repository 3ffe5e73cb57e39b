#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SieveCore
import SieveFiles
import SieveIO

/// Where a run keeps the documents that reach its dedup stage between the two passes
/// (`.sieve/spill`, one `SpillFile` per work unit), so that the stages before dedup run
/// once per document: the first pass writes them, the second reads them and runs only
/// the stages from dedup on. A unit's file counts only under its key, which names the
/// run's settings, the unit's byte ranges and its inputs' hashes.
struct SpillPlan {
    var directory: String
    /// The dedup stage's index: the stages before it are done in a spilled batch.
    var stage: Int
    /// Every unit of the task, with its key.
    var keys: [Int: String]
    var keepsRejected: Bool

    /// - Parameters:
    ///   - settings: the run's fingerprint text, before the sharded passes' files are added.
    ///   - inputHashes: XXH64 of each input file, by path.
    init(directory: String, stage: Int, units: [WorkUnit], settings: String, inputHashes: [String: String],
         keepsRejected: Bool) throws {
        self.directory = directory
        self.stage = stage
        self.keepsRejected = keepsRejected
        keys = [:]
        for unit in units {
            var text = settings + "|" + (try unit.segmentsJSON())
            for path in Set(unit.segments.map(\.file.path)).sorted() { text += "|" + (inputHashes[path] ?? "unreadable") }
            keys[unit.index] = XXHash64.hex(Array(text.utf8).withUnsafeBytes { XXHash64.hash($0) })
        }
    }

    func path(_ unit: Int) -> String { SpillFile.path(directory: directory, unit: unit) }

    /// Whether unit `unit` has a complete spill file under its key.
    func isSpilled(_ unit: Int) -> Bool {
        keys[unit].map { SpillFile.isValid(path(unit), key: $0) } ?? false
    }

    /// The units in order, those with a spill file read from it (as batches the stages
    /// before dedup already processed), the rest from their inputs; and the latter.
    func source(_ units: [WorkUnit], options: ReadOptions) -> (source: any BatchSource, fromInputs: [WorkUnit]) {
        var sources: [any BatchSource] = []
        var fromInputs: [WorkUnit] = []
        var run: [WorkUnit] = []
        var runSpilled = false
        func flush() {
            guard !run.isEmpty else { return }
            sources.append(runSpilled
                ? SpillSource(units: run.map { ($0.index, $0.bytes) }, directory: directory, stagesDone: stage)
                : CorpusSource(units: run, options: options))
            run = []
        }
        for unit in units {
            let spilled = isSpilled(unit.index)
            if spilled != runSpilled { flush() }
            runSpilled = spilled
            run.append(unit)
            if !spilled { fromInputs.append(unit) }
        }
        flush()
        return (ChainedSource(sources), fromInputs)
    }

    /// A sink writing the spill files of `units`.
    func sink(units: [WorkUnit]) throws -> SpillSink {
        try makeDirectories(directory)
        return SpillSink(directory: directory,
                         keys: Dictionary(uniqueKeysWithValues: units.map { ($0.index, keys[$0.index]!) }),
                         keepsRejected: keepsRejected)
    }

    /// Deletes the spill files of `units` (and the folder, once empty).
    func remove(_ units: [WorkUnit]) {
        for unit in units { unlink(path(unit.index)) }
        rmdir(directory)
    }
}
