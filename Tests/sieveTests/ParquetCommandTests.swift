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

    /// Documents with every kind of metadata written as Parquet (`sieve cat -o x.parquet`,
    /// small row groups) read back as the same documents, by Sieve and by pyarrow; and a
    /// pipeline with `format = "parquet"` writes one file per unit, the same bytes on a
    /// second run.
    func testWrittenParquetReadsBackAsTheSameDocuments() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var lines: [String] = []
        var random = SplitMix(seed: 9)
        for i in 0..<3000 {
            var metadata = ["\"n\":\(Int(random.next() % 1000)) ", "\"x\":\(Double(i) / 8)", "\"ok\":\(i % 3 == 0)",
                            "\"lang\":\"\(["en", "de", "fr"][i % 3])\"", "\"big\":18446744073709551615",
                            "\"obj\":{\"a\":[1,2,{\"b\":null}]}", "\"mixed\":\(i % 2 == 0 ? "1" : "\"one\"")",
                            "\"id\":\"inner\\\"quote\""]
            if i % 5 == 0 { metadata.append("\"maybe\":null") } else { metadata.append("\"maybe\":\(i)") }
            if i > 2000 { metadata.append("\"late\":\"only after the first row group\"") }
            let text = DedupCommandTests.text(words: 5 + Int(random.next() % 200), random: &random)
            lines.append("{\"id\":\"d\(i)\",\"text\":\"\(text) ü 日本\",\"source\":\"s\(i % 7)\",\"metadata\":{\(metadata.joined(separator: ","))}}")
        }
        let input = try dir.write("in.jsonl", Fixtures.jsonl(lines))
        // A pipeline writing Parquet in row groups of 200 KB of text, one unit.
        let config = try dir.write("pipeline.toml", """
            [input]
            paths = ["in.jsonl"]
            [output]
            dir = "out"
            kind = "documents"
            format = "parquet"
            row_group_bytes = 200000
            """)
        let write = try Command.run(Command.sieve, ["run", config, "--no-progress"])
        XCTAssertEqual(write.status, 0, write.stderr)
        let written = try FileManager.default.contentsOfDirectory(atPath: dir.file("out/documents")).filter { $0.hasSuffix(".parquet") }
        XCTAssertEqual(written.count, 1)
        try FileManager.default.copyItem(atPath: dir.file("out/documents/" + written[0]), toPath: dir.file("out.parquet"))
        let back = try Command.run(Command.sieve, ["cat", dir.file("out.parquet"), "-o", dir.file("back.jsonl"), "--no-progress"])
        XCTAssertEqual(back.status, 0, back.stderr)
        let original = try Fixtures.objects(try Fixtures.contents(input))
        let read = try Fixtures.objects(try Fixtures.contents(dir.file("back.jsonl")))
        XCTAssertEqual(read.count, original.count)
        for (a, b) in zip(original, read) where !(NSDictionary(dictionary: a).isEqual(to: b)) {
            XCTFail("\(a)\n\(b)")
            break
        }
        let file = try ParquetFile(path: dir.file("out.parquet"))
        XCTAssertGreaterThan(file.rowGroupCount, 3)

        // pyarrow: the same rows, typed columns where the documents agree.
        let script = """
            import json, sys
            import pyarrow.parquet as pq
            t = pq.read_table(sys.argv[1])
            print(json.dumps({f.name: str(f.type) for f in t.schema}))
            rows = t.to_pylist()
            print(json.dumps([rows[0]["n"], rows[2001].get("late"), rows[1]["mixed"], rows[0]["maybe"], rows[1]["maybe"], len(rows)]))
            """
        guard try Command.run("/usr/bin/env", ["python3", "-c", "import pyarrow"]).status == 0 else {
            throw XCTSkip("needs Python with pyarrow (`python3 -m pip install pyarrow`; .ci/run installs it)")
        }
        let py = try Command.run("/usr/bin/env", ["python3", "-c", script, dir.file("out.parquet")])
        XCTAssertEqual(py.status, 0, py.stderr)
        let out = py.stdout.split(separator: "\n")
        let types = try JSONSerialization.jsonObject(with: Data(out[0].utf8)) as! [String: String]
        XCTAssertEqual(types["n"], "int64")
        XCTAssertEqual(types["x"], "double")
        XCTAssertEqual(types["ok"], "bool")
        XCTAssertEqual(types["lang"], "string")
        XCTAssertEqual(types["text"], "string")
        XCTAssertTrue(types["obj"]?.contains("json") ?? false, "\(types)")
        XCTAssertNil(types["late"], "a key first seen after the first row group goes to the metadata column")
        let values = try JSONSerialization.jsonObject(with: Data(out[1].utf8)) as! [Any]
        XCTAssertEqual(values[0] as? Int, original[0]["metadata"].flatMap { ($0 as! [String: Any])["n"] as? Int })
        XCTAssertTrue(values[1] is NSNull, "late lives in metadata")
        XCTAssertEqual(values[2] as? String, "\"one\"", "a key of mixed types is JSON text")
        XCTAssertTrue(values[3] is NSNull)
        XCTAssertEqual(values[4] as? Int, 1)
        XCTAssertEqual(values[5] as? Int, 3000)

        // Units of 1 MB: a file per unit, the same bytes when run again; sieve cat to
        // one Parquet file reads back the same.
        let units = try dir.write("units.toml", """
            [input]
            paths = ["in.jsonl"]
            split_bytes = 1000000
            [output]
            dir = "out"
            kind = "documents"
            format = "parquet"
            """)
        for output in ["p1", "p2"] {
            let run = try Command.run(Command.sieve, ["run", units, "--no-progress", "--output", dir.file(output)])
            XCTAssertEqual(run.status, 0, run.stderr)
        }
        let single = try Command.run(Command.sieve, ["cat", input, "-o", dir.file("single.parquet"), "--no-progress"])
        XCTAssertEqual(single.status, 0, single.stderr)
        let singleBack = try Command.run(Command.sieve, ["cat", dir.file("single.parquet"), "-o", dir.file("single.jsonl"), "--no-progress"])
        XCTAssertEqual(singleBack.status, 0, singleBack.stderr)
        XCTAssertEqual(try Fixtures.objects(try Fixtures.contents(dir.file("single.jsonl"))).count, 3000)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.file("p1/documents")).filter { $0.hasSuffix(".parquet") }.sorted()
        XCTAssertGreaterThan(files.count, 1)
        for name in files {
            XCTAssertEqual(try Fixtures.contents(dir.file("p1/documents/" + name)), try Fixtures.contents(dir.file("p2/documents/" + name)), name)
        }
        let cat = try Command.run(Command.sieve, ["cat", dir.file("p1/documents"), "-o", dir.file("p1.jsonl"), "--no-progress"])
        XCTAssertEqual(cat.status, 0, cat.stderr)
        XCTAssertEqual(try Fixtures.objects(try Fixtures.contents(dir.file("p1.jsonl"))).count, 3000)
    }
}
