import SieveCore
import SievePipeline
import SieveShards
import XCTest

/// `ResumePlan` on its own: which units a rerun does again, from what the manifest
/// recorded and what is on disk.
final class ResumePlanTests: XCTestCase {
    /// Units 0-2; unit 1 reads two files.
    let units: [(index: Int, segments: String, inputs: [String])] = [
        (0, "[a:0-10]", ["a"]), (1, "[a:10-20,b:0-5]", ["a", "b"]), (2, "[c:0-9]", ["c"]),
    ]

    func finished(_ indices: [Int], output: (Int) -> String) -> [Int: Manifest.FinishedUnit] {
        Dictionary(uniqueKeysWithValues: indices.map { i in
            (i, Manifest.FinishedUnit(segments: units[i].segments, output: output(i), stats: RunStats()))
        })
    }

    func plan(finished: [Int: Manifest.FinishedUnit], unchanged: Set<String> = ["a", "b", "c"],
              kind: PipelineConfig.OutputKind = .documents, previousRunFinished: Bool = true,
              shardFiles: [String] = [], existing: Set<String>) -> ResumePlan {
        ResumePlan(.init(units: units, finished: finished, unchangedInputs: unchanged, kind: kind,
                         previousRunFinished: previousRunFinished, shardFiles: shardFiles),
                   fileExists: existing.contains)
    }

    func testAFirstRunDoesEverything() {
        XCTAssertEqual(plan(finished: [:], existing: []), ResumePlan(todo: [0, 1, 2], alreadyComplete: false))
    }

    func testFinishedUnitsWithTheirOutputsAreReused() {
        let done = finished([0, 1, 2]) { "doc/\($0)" }
        XCTAssertEqual(plan(finished: done, existing: ["doc/0", "doc/1", "doc/2"]), ResumePlan(todo: [], alreadyComplete: false))
        // An output that is gone, a unit that was never finished.
        XCTAssertEqual(plan(finished: done, existing: ["doc/0", "doc/2"]), ResumePlan(todo: [1], alreadyComplete: false))
        XCTAssertEqual(plan(finished: finished([0, 2]) { "doc/\($0)" }, existing: ["doc/0", "doc/1", "doc/2"]),
                       ResumePlan(todo: [1], alreadyComplete: false))
    }

    func testAChangedInputOrPlanRedoesTheUnitsThatReadIt() {
        let done = finished([0, 1, 2]) { "doc/\($0)" }
        let all: Set<String> = ["doc/0", "doc/1", "doc/2"]
        XCTAssertEqual(plan(finished: done, unchanged: ["b", "c"], existing: all).todo, [0, 1])
        XCTAssertEqual(plan(finished: done, unchanged: ["a", "c"], existing: all).todo, [1])
        var moved = done
        moved[2]!.segments = "[c:0-8]"
        XCTAssertEqual(plan(finished: moved, existing: all).todo, [2])
    }

    /// Token parts are deleted once the shards are assembled: a finished task needs nothing
    /// while its shards are all there, and everything again when one is gone.
    func testShardsOfAFinishedTaskNeedNothingUnlessAShardIsGone() {
        let done = finished([0, 1, 2]) { "parts/\($0).part" }
        let shards = ["shards/x.bin", "shards/x.idx"]
        XCTAssertEqual(plan(finished: done, kind: .shards, shardFiles: shards, existing: Set(shards)),
                       ResumePlan(todo: [], alreadyComplete: true))
        XCTAssertEqual(plan(finished: done, kind: .shards, shardFiles: shards, existing: ["shards/x.bin"]),
                       ResumePlan(todo: [0, 1, 2], alreadyComplete: false))
        XCTAssertEqual(plan(finished: done, unchanged: ["a", "b"], kind: .shards, shardFiles: shards, existing: Set(shards)),
                       ResumePlan(todo: [0, 1, 2], alreadyComplete: false))
        // Killed before assembly: the parts written so far are reused.
        XCTAssertEqual(plan(finished: done, kind: .shards, previousRunFinished: false, shardFiles: [],
                            existing: ["parts/0.part", "parts/2.part"]),
                       ResumePlan(todo: [1], alreadyComplete: false))
    }
}
