import Foundation
import SieveShards
@testable import SieveParquet
import SieveTestSupport
import XCTest

/// Parquet as an input of `sieve cat` and `sieve run`: rows become documents with the
/// other columns as metadata, files split into work units at row groups, and a damaged
/// row group is skipped with its reason while every other row is kept.
final class ParquetCommandTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path

    func fixtures(_ dir: TemporaryDirectory) throws {
        let run = try Command.run("/usr/bin/env", ["python3", Self.repository + "/scripts/parquet-fixtures.py", dir.file("pq")])
        guard run.status == 0 else {
            throw XCTSkip("needs Python with pyarrow (`python3 -m pip install pyarrow`; .ci/run installs it): \(run.stderr.suffix(300))")
        }
    }

    func testRowsBecomeDocumentsAndADamagedRowGroupIsSkippedWithItsReason() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try fixtures(dir)
        try FileManager.default.createDirectory(atPath: dir.file("in"), withIntermediateDirectories: true)
        let good = try Fixtures.contents(dir.file("pq/dict-snappy-v1.parquet"))
        _ = try dir.write("in/a.parquet", good)
        _ = try dir.write("in/b.parquet", try Fixtures.contents(dir.file("pq/delta-snappy-v2.parquet")))

        // sieve cat: every row, in file order, text and id from their columns.
        let cat = try Command.run(Command.sieve, ["cat", dir.file("in"), "-o", dir.file("all.jsonl"), "--no-progress"])
        XCTAssertEqual(cat.status, 0, cat.stderr)
        let documents = try Fixtures.objects(try Fixtures.contents(dir.file("all.jsonl")))
        XCTAssertEqual(documents.count, 5000)
        XCTAssertEqual(documents[0]["id"] as? String, "doc-00000")
        XCTAssertEqual(documents[2500]["source"] as? String, "b.parquet")
        let metadata = documents[1]["metadata"] as! [String: Any]
        XCTAssertEqual(metadata["lang"] as? String, "de")
        XCTAssertEqual(metadata["day"] as? String, "1923-12-23")
        XCTAssertNil(metadata["text"])

        // A pipeline over row-group units (about 700 rows each), then the same with a
        // byte of a.parquet's third row group flipped: its page checksum fails, that
        // row group is skipped and recorded, every other row is kept.
        let config = try dir.write("pipeline.toml", """
            [input]
            paths = ["in"]
            split_bytes = 60000
            [output]
            dir = "out"
            kind = "documents"
            """)
        let run = try Command.run(Command.sieve, ["run", config, "--no-progress", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let manifest = try Manifest(readingFrom: dir.file("out/manifest.sqlite"))
        XCTAssertGreaterThanOrEqual(try manifest.query("SELECT count(*) FROM units").rows[0][0].int!, 4, "several units per file")

        let file = try ParquetFile(path: dir.file("in/a.parquet"))
        let third = file.metadata.rowGroups[2].columns[1]
        var damaged = good
        damaged[third.start + third.totalCompressedSize / 2] ^= 0x5A
        _ = try dir.write("in/a.parquet", damaged)
        let again = try Command.run(Command.sieve, ["run", config, "--no-progress", "--output", dir.file("damaged"), "--json"])
        XCTAssertEqual(again.status, 0, again.stderr)
        var kept: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.file("damaged/documents")).sorted() where !name.hasPrefix(".") {
            kept += try Fixtures.objects(try Fixtures.contents(dir.file("damaged/documents/" + name))).map { "\($0["source"]!)#\($0["id"]!)" }
        }
        let lost = Set((1400..<2100).map { String(format: "a.parquet#doc-%05d", $0) })
        XCTAssertEqual(kept.count, 5000 - 700)
        XCTAssertTrue(lost.isDisjoint(with: kept), "the third row group's rows are the ones missing")
        let report = try String(contentsOfFile: dir.file("damaged/report.json"), encoding: .utf8)
        XCTAssertTrue(report.contains("read:parquet_crc") && report.contains("row group 2 (700 rows from row 1400) skipped"), report)

        // No text column: the file is refused with its columns named.
        let config2 = try dir.write("notext.toml", """
            [input]
            paths = ["in/b.parquet"]
            text_field = "body"
            [output]
            dir = "out2"
            kind = "documents"
            """)
        let notext = try Command.run(Command.sieve, ["run", config2, "--no-progress"])
        let report2 = try String(contentsOfFile: dir.file("out2/report.json"), encoding: .utf8)
        XCTAssertTrue(report2.contains("no column \\\"body\\\" (text_field); the columns are id, text, lang"), "\(notext.stderr)\n\(report2)")
    }
}
