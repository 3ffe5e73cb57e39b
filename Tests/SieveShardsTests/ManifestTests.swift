import Foundation
import XCTest
import SieveCore
import SieveFiles
import SieveIO
@testable import SieveShards
import SieveTestSupport

/// The manifest: schema versions, read-only queries, verification, merging.
final class ManifestTests: XCTestCase {
    var dir: TemporaryDirectory!
    override func setUpWithError() throws { dir = try TemporaryDirectory() }
    override func tearDown() { dir.remove() }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized.path

    /// A manifest in `DIR/out` with two finished shards of task `task`.
    @discardableResult
    func makeRun(_ out: String, task: Int = 0, languages: [String] = ["eng_Latn", "swh_Latn"]) throws -> Manifest {
        let documents = languages.enumerated().map { i, language -> Document in
            var d = Document(id: "\(task)-\(i)", text: "text \(i)", source: "src")
            d.setMetadata("language", .string(language))
            d.setMetadata("domain", .string("math"))
            d.tokens = (0..<(10 + i)).map(UInt32.init)
            return d
        }
        try dir.write("\(out)/.sieve/parts/00000.part", TokenPart.encode(documents))
        let shards = try ShardAssembler(directory: dir.file("\(out)/shards"), task: task, maxShardBytes: 1 << 20)
            .assemble(parts: [dir.file("\(out)/.sieve/parts/00000.part")])
        let manifest = try Manifest(writingTo: dir.file("\(out)/manifest.sqlite"))
        let run = try manifest.beginRun(command: "test", config: "{}", fingerprint: "f", task: task, taskCount: 2, threads: 1)
        var stats = RunStats()
        stats[stage: "filter"].countDrop("filter:short", language: "swh_Latn")
        try manifest.recordOutputs(task: task, kind: "documents", shards: shards, stats: stats)
        try manifest.endRun(run, error: nil)
        return manifest
    }

    func testSchemaFileIsTheSchemaSieveCreates() throws {
        let file = try String(contentsOfFile: Self.repository + "/manifests/schema.sql", encoding: .utf8)
        XCTAssertEqual(file, Manifest.schemaSQL, "regenerate with: sieve manifest schema > manifests/schema.sql")
        // And applying the file yields a database that opens as a current manifest.
        let db = try SQLiteDatabase(path: dir.file("m.sqlite"), mode: .readWriteCreate)
        try db.execute(file)
        XCTAssertNoThrow(try Manifest(readingFrom: dir.file("m.sqlite")))
    }

    func testStatsGroupAndFilter() throws {
        let manifest = try Manifest(readingFrom: try makeRun("out").path)
        let table = try manifest.stats(by: ["language", "domain"], where: "language = 'swh_Latn'")
        XCTAssertEqual(table.columns, ["language", "domain", "tokens", "documents", "shards", "bytes"])
        XCTAssertEqual(table.rows.count, 1)
        XCTAssertEqual(Array(table.rows[0][0...4]), [.text("swh_Latn"), .text("math"), .int(11), .int(1), .int(1)])
        XCTAssertThrowsError(try manifest.stats(by: ["path"], where: nil))
        XCTAssertEqual(try manifest.query("SELECT stage, rule, language, documents FROM rejections").rows,
                       [[.text("filter"), .text("short"), .text("swh_Latn"), .int(1)]])
        XCTAssertEqual(table.csv().split(separator: "\r\n").first, "language,domain,tokens,documents,shards,bytes")
        XCTAssertTrue(table.json().hasPrefix("[{\"language\":\"swh_Latn\",\"domain\":\"math\",\"tokens\":11,"))
    }

    func testQueriesCannotWriteOrAttach() throws {
        let path = try makeRun("out").path
        let manifest = try Manifest(readingFrom: path)
        for sql in ["DELETE FROM shards", "UPDATE shards SET tokens = 0", "DROP TABLE shards", "ATTACH 'x.db' AS x",
                    "PRAGMA user_version = 7", "CREATE TABLE t (x)", "INSERT INTO languages VALUES ('a','b','c','d','e','f')"] {
            XCTAssertThrowsError(try manifest.query(sql), sql) {
                XCTAssertTrue("\($0)".contains("not authorized") || "\($0)".contains("readonly"), "\(sql): \($0)")
            }
        }
        XCTAssertEqual(try manifest.query("SELECT count(*) FROM shards").rows, [[.int(2)]])
        XCTAssertEqual(try manifest.query("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3) SELECT sum(x) FROM n").rows,
                       [[.int(6)]])
    }

    /// A version-1 manifest is refused for reading until a write opens it, which adds
    /// `units.finished_at` and the `histograms` table and keeps its rows.
    func testVersionOneManifestIsUpgradedWhenOpenedForWriting() throws {
        let path = dir.file("v1.sqlite")
        let db = try SQLiteDatabase(path: path, mode: .readWriteCreate)
        try db.execute(ManifestSchema.migrations[0])
        try db.execute("INSERT INTO units VALUES (0, 3, '[]', 'done', 'documents/00003.jsonl.zst', '{}', '{}')")
        try db.execute("INSERT INTO languages VALUES ('arz_Arab', 'Egyptian Arabic', 'Afro-Asiatic', 'Arab', 'space')")
        try db.execute("PRAGMA user_version = 1")
        XCTAssertThrowsError(try Manifest(readingFrom: path)) {
            XCTAssertTrue("\($0)".contains("manifest schema version 1 is older than this sieve's (\(ManifestSchema.version))"), "\($0)")
        }
        _ = try Manifest(writingTo: path)
        XCTAssertEqual(try Manifest(readingFrom: path).query("SELECT unit, output, finished_at FROM units").rows,
                       [[.int(3), .text("documents/00003.jsonl.zst"), .null]])
        XCTAssertEqual(try Manifest(readingFrom: path).query("SELECT count(*) FROM histograms").rows, [[.int(0)]])
        // Languages recorded before groups existed have none; new rows keep theirs.
        let upgraded = try Manifest(writingTo: path)
        try upgraded.recordLanguages([.init(code: "ary_Arab", name: "Moroccan Arabic", family: "Afro-Asiatic", script: "Arab",
                                            segmentation: "space", group: "arabic")])
        XCTAssertEqual(try Manifest(readingFrom: path).registryLanguages().map { [$0.code, $0.group] },
                       [["ary_Arab", "arabic"], ["arz_Arab", ""]])
    }

    func testRefusesNewerSchemasAndFilesThatAreNotManifests() throws {
        let path = try makeRun("out").path
        try SQLiteDatabase(path: path, mode: .readWrite).execute("PRAGMA user_version = 99")
        XCTAssertThrowsError(try Manifest(readingFrom: path)) {
            XCTAssertTrue("\($0)".contains("schema version 99 is newer than this sieve understands (\(ManifestSchema.version))"), "\($0)")
        }
        XCTAssertThrowsError(try Manifest(writingTo: path))
        try dir.write("text.sqlite", "just some text, long enough to look like a file header..........................")
        XCTAssertThrowsError(try Manifest(readingFrom: dir.file("text.sqlite"))) {
            XCTAssertTrue("\($0)".contains("not a Sieve manifest"), "\($0)")
        }
        try SQLiteDatabase(path: dir.file("other.sqlite"), mode: .readWriteCreate).execute("CREATE TABLE t (x)")
        XCTAssertThrowsError(try Manifest(readingFrom: dir.file("other.sqlite"))) {
            XCTAssertTrue("\($0)".contains("an SQLite database, but not a Sieve manifest"), "\($0)")
        }
        XCTAssertThrowsError(try Manifest(readingFrom: dir.file("missing.sqlite")))
    }

    func testVerifyReportsEveryMissingTruncatedOrChangedFile() throws {
        let path = try makeRun("out").path
        XCTAssertEqual(try Manifest(readingFrom: path).verify(), [])
        let eng = dir.file("out/shards/eng_Latn/math/00000-00000")
        let swh = dir.file("out/shards/swh_Latn/math/00000-00000")
        try FileManager.default.removeItem(atPath: eng + ".docs")
        let bin = try Fixtures.contents(swh + ".bin")
        try dir.write("out/shards/swh_Latn/math/00000-00000.bin", Array(bin.dropLast(4)))
        var idx = try Fixtures.contents(swh + ".idx")
        idx[idx.count - 1] ^= 1
        try dir.write("out/shards/swh_Latn/math/00000-00000.idx", idx)
        let problems = try Manifest(readingFrom: path).verify()
        XCTAssertEqual(problems.map(\.path), ["shards/eng_Latn/math/00000-00000.docs", "shards/swh_Latn/math/00000-00000.bin",
                                              "shards/swh_Latn/math/00000-00000.idx"])
        XCTAssertEqual(problems[0].message, "missing")
        XCTAssertEqual(problems[1].message, "size 40 bytes, manifest says 44 (truncated or changed)")
        XCTAssertTrue(problems[2].message.hasPrefix("checksum "), problems[2].message)
    }

    func testMovedOutputStillVerifies() throws {
        try makeRun("out")
        try FileManager.default.moveItem(atPath: dir.file("out"), toPath: dir.file("elsewhere"))
        XCTAssertEqual(try Manifest(readingFrom: dir.file("elsewhere/manifest.sqlite")).verify(), [])
    }

    func testMergeJoinsTaskManifestsWithPathsRelativeToTheMergedOne() throws {
        try makeRun("task0", task: 0)
        try makeRun("task1", task: 1, languages: ["eng_Latn"])
        try makeDirectories(dir.file("merged"))
        try Manifest.merge(into: dir.file("merged/all.sqlite"), from: [dir.file("task0/manifest.sqlite"), dir.file("task1/manifest.sqlite")])
        let merged = try Manifest(readingFrom: dir.file("merged/all.sqlite"))
        XCTAssertEqual(try merged.verify(), [])
        XCTAssertEqual(try merged.stats(by: ["language"], where: nil).rows.map { Array($0[0...3]) },
                       [[.text("eng_Latn"), .int(20), .int(2), .int(2)], [.text("swh_Latn"), .int(11), .int(1), .int(1)]])
        XCTAssertEqual(try merged.query("SELECT path FROM shards ORDER BY shard_id").rows.map { $0[0] },
                       [.text("../task0/shards/eng_Latn/math/00000-00000"), .text("../task0/shards/swh_Latn/math/00000-00000"),
                        .text("../task1/shards/eng_Latn/math/00001-00000")])
        XCTAssertEqual(try merged.query("SELECT count(*), sum(documents) FROM rejections").rows, [[.int(2), .int(2)]])
        XCTAssertEqual(try merged.query("SELECT count(*) FROM shard_files").rows, [[.int(9)]])
        // Merging into an existing file is refused; merging a shard twice too.
        XCTAssertThrowsError(try Manifest.merge(into: dir.file("merged/all.sqlite"), from: [dir.file("task0/manifest.sqlite")]))
        XCTAssertThrowsError(try Manifest.merge(into: dir.file("merged/twice.sqlite"),
                                                from: [dir.file("task0/manifest.sqlite"), dir.file("task0/manifest.sqlite")]))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("merged/twice.sqlite")))
    }
}
