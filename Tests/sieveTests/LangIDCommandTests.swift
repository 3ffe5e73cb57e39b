import Foundation
import SieveShards
@testable import SieveLangID
import SieveTestSupport
import XCTest

/// `sieve langid` commands and the `langid` stage in a pipeline run.
final class LangIDCommandTests: XCTestCase {
    static let repository = ExamplePipelineTests.repository

    /// Sentences written for these tests, in no training file (not the UDHR, which the
    /// language-ID training text holds).
    func testDetectPrintsOneLineOfCodeAndScorePerInputLineInOrder() throws {
        let input = [
            "Am Wochenende fahren wir mit dem Zug an die Küste und besuchen meine Großeltern.",
            "",
            "Nous avons visité le marché du samedi et acheté des légumes pour toute la semaine.",
            "1234 5678",
            "Миналата седмица ходихме на планина и видяхме много красиви езера.",
        ].joined(separator: "\n") + "\n"
        for threads in ["1", "2"] {
            let r = try Command.run(Command.sieve, ["langid", "detect", "--threads", threads], stdin: Array(input.utf8))
            XCTAssertEqual(r.status, 0, r.stderr)
            let rows = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { $0.split(separator: "\t") }
            XCTAssertEqual(rows.map { String($0[0]) }, ["deu_Latn", "und", "fra_Latn", "und", "bul_Cyrl"])
            XCTAssertEqual(rows[1][1], "0.0000")
            XCTAssertGreaterThan(Double(rows[0][1])!, 0.9)
        }
        let top = try Command.run(Command.sieve, ["langid", "detect", "--top", "2"],
                                  stdin: Array("Eu não sei onde ele mora, mas vou descobrir amanhã.\n".utf8))
        let fields = top.stdout.split(separator: "\t")
        XCTAssertEqual(fields.count, 4, top.stdout)
        XCTAssertEqual(fields[0], "por_Latn")
    }

    func testEvalReportsMacroAccuracyAndConfusions() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let tsv = try dir.write("dev.tsv", Array("""
            code\ttext
            deu_Latn\tAm Wochenende fahren wir mit dem Zug an die Küste und besuchen meine Großeltern.
            deu_Latn\tNous avons visité le marché du samedi et acheté des légumes pour toute la semaine.
            fra_Latn\tNous avons visité le marché du samedi et acheté des légumes pour toute la semaine.

            """.utf8))
        let r = try Command.run(Command.sieve, ["langid", "eval", "--data", tsv, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(json["macro_accuracy"] as? Double, 0.75)
        let confusions = json["confusions"] as! [[String: Any]]
        XCTAssertEqual(confusions.first?["expected"] as? String, "deu_Latn")
        XCTAssertEqual(confusions.first?["predicted"] as? String, "fra_Latn")
    }

    func testStageTagsAndFiltersDocuments() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input = try dir.write("in.jsonl", Array("""
            {"id":"a","text":"Am Wochenende fahren wir mit dem Zug an die Küste und besuchen meine Großeltern."}
            {"id":"b","text":"Nous avons visité le marché du samedi et acheté des légumes pour toute la semaine."}
            {"id":"c","text":"!!! 123 ???"}

            """.utf8))
        let r = try Command.run(Command.sieve, ["langid", input, "-o", dir.file("out.jsonl"), "--languages", "fra_Latn",
                                                "--no-progress", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let docs = try Fixtures.objects(Array(try String(contentsOfFile: dir.file("out.jsonl"), encoding: .utf8).utf8))
        XCTAssertEqual(docs.map { $0["id"] as! String }, ["b"])
        let metadata = docs[0]["metadata"] as! [String: Any]
        XCTAssertEqual(metadata["language"] as? String, "fra_Latn")
        XCTAssertEqual(metadata["script"] as? String, "Latn")
        XCTAssertEqual(metadata["mixed_script"] as? Bool, false)
        XCTAssertEqual((metadata["language_top"] as? [[String: Any]])?.count, 2)
        XCTAssertEqual(metadata["language_group"] as? String, "fra_Latn")
        XCTAssertEqual(metadata["language_group_score"] as? Double, metadata["language_score"] as? Double)
        // The two others are counted with their reasons.
        XCTAssertTrue(r.stdout.contains("langid:not_allowed"), r.stdout)
        XCTAssertTrue(r.stdout.contains("langid:no_letters"), r.stdout)
    }
}

final class LangIDResumeTests: XCTestCase {
    /// A retrained model changes outputs: a rerun into the same directory is refused
    /// rather than mixing documents identified by two models.
    func testChangedModelIsPartOfTheResumeFingerprint() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let model = try Fixtures.contents(LangIDCommandTests.repository + "/languages/langid.model")
        _ = try dir.write("a.model", model)
        _ = try dir.write("corpus/docs.jsonl", Array("{\"text\":\"Am Wochenende fahren wir mit dem Zug an die Küste und besuchen meine Großeltern.\"}\n".utf8))
        _ = try dir.write("pipeline.toml", Array("""
            [input]
            paths = ["corpus"]
            [output]
            dir = "out"
            kind = "documents"
            [[stage]]
            type = "langid"
            model = "a.model"

            """.utf8))
        let first = try Command.run(Command.sieve, ["run", dir.file("pipeline.toml"), "--no-progress"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let again = try Command.run(Command.sieve, ["run", dir.file("pipeline.toml"), "--no-progress"])
        XCTAssertEqual(again.status, 0, again.stderr)
        // The same model with one bias changed, as a retraining would change it.
        var changed = try LanguageModel(contentsOfFile: dir.file("a.model"))
        changed.groups[0].bias[0] += 1
        try changed.write(to: dir.file("a.model"))
        let retrained = try Command.run(Command.sieve, ["run", dir.file("pipeline.toml"), "--no-progress"])
        XCTAssertEqual(retrained.status, 1)
        XCTAssertTrue(retrained.stderr.contains("other settings"), retrained.stderr)
    }
}

final class NormalizeStageRunTests: XCTestCase {
    /// `normalize` then `langid` in a run: texts cleaned, repairs counted, rules recorded.
    func testNormalizeStageInARun() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try dir.write("corpus/docs.jsonl", Array("""
            {"id":"a","text":"Alle  Menschen\\r\\nsind frei\\u0000 und gleich.\\n\\n\\n\\nEnde"}
            {"id":"b","text":"Tous les êtres humains naissent libres."}

            """.utf8))
        _ = try dir.write("pipeline.toml", Array("""
            [input]
            paths = ["corpus"]
            [output]
            dir = "out"
            kind = "documents"
            compression = "none"
            [[stage]]
            type = "normalize"
            nfc = true
            [[stage]]
            type = "langid"
            model = "\(LangIDCommandTests.repository)/languages/langid.model"

            """.utf8))
        let r = try Command.run(Command.sieve, ["run", dir.file("pipeline.toml"), "--no-progress", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("normalize:whitespace"), r.stdout)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.file("out/documents")).sorted()
        let docs = try Fixtures.objects(try Fixtures.contents(dir.file("out/documents/" + files[0])))
        XCTAssertEqual(docs[0]["text"] as? String, "Alle Menschen\nsind frei und gleich.\n\nEnde")
        let metadata = docs[0]["metadata"] as! [String: Any]
        XCTAssertEqual(metadata["normalized"] as? [String], ["line_endings", "controls", "whitespace"])
        XCTAssertEqual(metadata["language"] as? String, "deu_Latn")
        XCTAssertNil((docs[1]["metadata"] as! [String: Any])["normalized"])
        let bad = try dir.write("bad.toml", Array("[input]\npaths = [\"corpus\"]\n[[stage]]\ntype = \"normalize\"\nnfc = 1\n".utf8))
        XCTAssertEqual(try Command.run(Command.sieve, ["run", bad, "--no-progress"]).status, 2)
    }
}

final class LangIDBadInputTests: XCTestCase {
    /// Invalid UTF-8 on stdin is repaired, not fatal: one output line per input line.
    func testDetectRepairsInvalidUTF8AndKeepsEveryLine() throws {
        var input = Array("Alle Menschen sind frei und gleich an Würde geboren.\n".utf8)
        input += [0x41, 0x62, 0xFF, 0xFE, 0xC3, 0x0A]  // "Ab", two invalid bytes, a cut-off sequence
        input += Array("Tous les êtres humains naissent libres et égaux.\r\n".utf8)
        let r = try Command.run(Command.sieve, ["langid", "detect"], stdin: input)
        XCTAssertEqual(r.status, 0, r.stderr)
        let codes = r.stdout.split(separator: "\n").map { $0.split(separator: "\t")[0] }
        XCTAssertEqual(codes.count, 3)
        XCTAssertEqual(codes[0], "deu_Latn")
        XCTAssertEqual(codes[2], "fra_Latn")
    }

    func testADamagedModelIsAUsageErrorWithItsReason() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let model = try Fixtures.contents(LangIDCommandTests.repository + "/languages/langid.model")
        let bad = try dir.write("cut.model", Array(model.prefix(model.count / 3)))
        let r = try Command.run(Command.sieve, ["langid", "detect", "--model", bad], stdin: Array("text\n".utf8))
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("cut.model") && r.stderr.contains("zstd frame"), r.stderr)
    }
}
