import XCTest
import SieveCore
@testable import SieveIO
import SieveTestSupport

/// Splitting files into work units and tasks must neither lose nor duplicate a record,
/// wherever the split points fall.
final class SplittingTests: XCTestCase {
    var dir: TemporaryDirectory!
    override func setUpWithError() throws { dir = try TemporaryDirectory() }
    override func tearDown() { dir.remove() }

    func testPlainJSONLSplitsAtRecordBoundaries() throws {
        let bytes = Fixtures.jsonl(Fixtures.records(6000))
        XCTAssertGreaterThan(bytes.count, 2 << 20)
        let path = try dir.write("big.jsonl", bytes)
        let whole = try Read.all([path]).output
        let plan = WorkPlan(files: CorpusDiscovery().discover([path]).files, splitBytes: 1 << 20, taskCount: 1)
        XCTAssertGreaterThan(plan.units.count, 2)
        XCTAssertEqual(try Read.all([path], splitBytes: 1 << 20).output, whole)
        // Split points that land exactly after a newline, and one byte before it.
        for taskCount in [2, 3, 7] {
            XCTAssertEqual(try Read.all([path], splitBytes: 300_001, taskCount: taskCount).output, whole,
                           "\(taskCount) tasks")
        }
    }

    func testMultiFrameZstdSplitsAtFramesEvenWhenFramesCutRecords() throws {
        let bytes = Fixtures.jsonl(Fixtures.records(8000))
        // Frames of 100,000 bytes cut records in the middle.
        let path = try dir.write("big.jsonl.zst", Fixtures.zstdFrames(bytes, chunkBytes: 100_000))
        let reference = try dir.write("ref.jsonl", bytes)
        let expected = try Fixtures.objects(try Read.all([reference]).output).map { $0["id"] as! String }
        let whole = try Read.all([path]).output
        XCTAssertEqual(try Fixtures.objects(whole).map { $0["id"] as! String }, expected)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        let plan = WorkPlan(files: CorpusDiscovery().discover([path]).files, splitBytes: size / 4 + 1, taskCount: 1)
        // Units end at frame boundaries, so a quarter of the bytes gives 4 or 5 units.
        XCTAssertTrue((4...5).contains(plan.units.count), "a \(size)-byte file in units of a quarter")
        XCTAssertTrue(plan.units.allSatisfy { $0.segments.count == 1 })
        for splitBytes in [size / 4 + 1, 150_000, 250_000] {
            for taskCount in [1, 2, 3] {
                XCTAssertEqual(try Read.all([path], splitBytes: splitBytes, taskCount: taskCount).output, whole,
                               "\(taskCount) tasks, units of \(splitBytes) bytes")
            }
        }
    }

    func testIDsDoNotDependOnSplitting() throws {
        // Records without ids get `path@offset`, the same in every split.
        let lines = (0..<3000).map { #"{"text":"record \#($0) "# + String(repeating: "z", count: $0 % 700) + #""}"# }
        let path = try dir.write("noid.jsonl", Fixtures.jsonl(lines))
        let whole = try Fixtures.objects(try Read.all([path]).output).map { $0["id"] as! String }
        XCTAssertEqual(whole.first, "noid.jsonl@0")
        XCTAssertEqual(whole.count, 3000)
        let split = try Fixtures.objects(try Read.all([path], splitBytes: 100_000, taskCount: 5).output)
            .map { $0["id"] as! String }
        XCTAssertEqual(split, whole)
    }

    func testSmallFilesAreGroupedAndTasksShareBytes() throws {
        var files: [InputFile] = []
        for i in 0..<40 { files.append(InputFile(path: "/x/\(i).jsonl", relativePath: "\(i).jsonl", size: 100_000)) }
        let plan = WorkPlan(files: files, splitBytes: 1 << 20, taskCount: 1)
        // 4 MB of files in units of at most 1 MiB: 10 files each.
        XCTAssertEqual(plan.units.map { $0.segments.count }, [10, 10, 10, 10])
        let quarters = (0..<4).map { plan.units(task: $0, of: 4).map(\.index) }
        XCTAssertEqual(quarters, [[0], [1], [2], [3]])
        // Every unit goes to exactly one task.
        let sevenths = (0..<7).flatMap { plan.units(task: $0, of: 7).map(\.index) }
        XCTAssertEqual(sevenths, [0, 1, 2, 3])
    }

    func testDiscoveryIsSortedFilteredAndSurvivesSymlinkLoops() throws {
        try dir.write("c/b.jsonl", "{}\n")
        try dir.write("c/a/z.jsonl.zst", [])
        try dir.write("c/a/y.txt", "t")
        try dir.write("c/a/skip.jsonl", "{}\n")
        try dir.write("c/notes.md", "#")
        try dir.write("c/B.jsonl", "{}\n")
        XCTAssertEqual(symlink(dir.file("c"), dir.file("c/a/loop")), 0)
        let discovery = CorpusDiscovery(exclude: ["skip.*"])
        let (files, stats) = discovery.discover([dir.file("c")])
        XCTAssertEqual(files.map(\.relativePath), ["B.jsonl", "a/y.txt", "a/z.jsonl.zst", "b.jsonl"])
        XCTAssertEqual(stats.errors, ["read:symlink_loop": 1])
        let onlyA = CorpusDiscovery(include: ["a/*"]).discover([dir.file("c")]).files
        XCTAssertEqual(onlyA.map(\.relativePath), ["a/skip.jsonl", "a/y.txt", "a/z.jsonl.zst"])
    }
}
