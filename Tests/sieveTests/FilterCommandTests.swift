import Foundation
import SieveTestSupport
import XCTest

/// `sieve filter`: kept and rejected streams, reasons, the words and languages tools.
final class FilterCommandTests: XCTestCase {
    static let repository = ExamplePipelineTests.repository

    static let prose = """
        The old lighthouse keeper climbed the spiral stairs every evening with a lantern in hand.
        Ships that passed the rocky coast relied on his light to find their way home safely.
        During the long winter storms he would write letters to his daughter across the sea.
        She kept every one of them in a wooden box and read them again when spring arrived.
        Years later the light was automated, but the letters remain with the family today.
        """

    func testKeptAndRejectedDocumentsWithEveryFailedRule() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input = try dir.write("in.jsonl", Fixtures.jsonl([
            #"{"id":"good","text":\#(Fixtures.jsonString(Self.prose)),"metadata":{"language":"eng_Latn"}}"#,
            #"{"id":"short","text":"Buy now!!! Click here."}"#,
            #"{"id":"broken","text":"#,
            #"{"id":"list","text":\#(Fixtures.jsonString((1...40).map { "- item \($0)" }.joined(separator: "\n")))}"#,
            #"{"id":"zh","text":"人人生而自由，在尊严和权利上一律平等。","metadata":{"language":"zho_Hans"}}"#,
        ]))
        for threads in ["1", "2"] {
            let out = dir.file("kept-\(threads).jsonl"), rejected = dir.file("rejected-\(threads).jsonl.zst")
            let r = try Command.run(Command.sieve, ["filter", "--filters", Self.repository + "/filters/default.toml", input,
                                                    "-o", out, "--rejected", rejected, "--threads", threads, "--no-progress", "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let kept = try Fixtures.objects(try Fixtures.contents(out))
            XCTAssertEqual(kept.map { $0["id"] as! String }, ["good"])
            XCTAssertEqual(kept[0]["text"] as? String, Self.prose)
            let dropped = try Fixtures.objects(try Fixtures.contents(rejected))
            XCTAssertEqual(dropped.map { $0["id"] as! String }, ["short", "list", "zh"])
            let metadata = dropped.map { $0["metadata"] as! [String: Any] }
            // The first failure in the set's order is the reason; every failure is listed.
            XCTAssertEqual(metadata[0]["drop_reason"] as? String, "filter:gopher_repetition:top_2_gram")
            let failures = metadata[0]["filter_failures"] as! [[String: Any]]
            XCTAssertEqual(failures[0]["rule"] as? String, "top_2_gram")
            // "! !" twice among Buy, now, !, !, !, Click, here, . : 3 characters × 2 of 22.
            XCTAssertEqual(failures[0]["value"] as! Double, 6.0 / 22.0, accuracy: 1e-6)
            let words = failures.first { $0["rule"] as? String == "word_count" }
            XCTAssertEqual(words?["value"] as? Int, 4)
            XCTAssertEqual(words?["threshold"] as? Int, 50)
            XCTAssertTrue(failures.contains { $0["filter"] as? String == "fineweb" })
            XCTAssertEqual(metadata[1]["drop_reason"] as? String, "filter:gopher_repetition:top_2_gram")
            // The report counts every drop, the malformed record included.
            let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            let text = String(describing: report)
            XCTAssertTrue(text.contains("filter:gopher_repetition:top_2_gram"), text)
            XCTAssertTrue(text.contains("read:malformed_json"), text)
        }
        XCTAssertEqual(try Fixtures.contents(dir.file("kept-1.jsonl")), try Fixtures.contents(dir.file("kept-2.jsonl")))
    }

    func testWordsAsTheFiltersCountThem() throws {
        let r = try Command.run(Command.sieve, ["filter", "words", "--language", "eng_Latn"],
                                stdin: Array("They'll pay $3.50 (cash), won't they?".utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, ["They", "'ll", "pay", "$", "3.50", "(", "cash", ")", ",", "wo", "n't", "they", "?"]
                        .map { $0 + "\n" }.joined())
        let zh = try Command.run(Command.sieve, ["filter", "words", "--language", "zho_Hans"], stdin: Array("我们是朋友。".utf8))
        XCTAssertEqual(zh.stdout.split(separator: "\n").joined(), "我们是朋友")
    }

    func testLanguagesFileFromText() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try dir.write("registry.tsv", "code\tname\tfamily\tscript\tsegmentation\tmin_score\n"
                            + "fra_Latn\tFrench\tIndo-European\tLatn\tspace\t0.50\n"
                            + "jpn_Jpan\tJapanese\tOther\tJpan\tdictionary\t0.50\n"
                            + "xyz_Latn\tNone\tOther\tLatn\tspace\t0.50\n")
        try FileManager.default.createDirectory(atPath: dir.file("text"), withIntermediateDirectories: true)
        let french = (0..<40).map { "Le chat de la maison est sur le toit et il regarde la rue numéro \($0)." }
        _ = try dir.write("text/fra_Latn.txt", french.joined(separator: "\n") + "\n")
        _ = try dir.write("text/jpn_Jpan.txt", Array(repeating: "私は毎日学校に行きます。", count: 40).joined(separator: "\n"))
        let r = try Command.run(Command.sieve, ["filter", "languages", "--data", dir.file("text"), "--registry", dir.file("registry.tsv"),
                                                "-o", dir.file("languages.toml")])
        XCTAssertEqual(r.status, 0, r.stderr)
        let toml = try String(contentsOfFile: dir.file("languages.toml"), encoding: .utf8)
        XCTAssertTrue(toml.contains("[fra_Latn]\npunkt = \"french\""), toml)
        XCTAssertTrue(toml.contains("stop_words = [\"chat\", \"de\", \"la\", \"maison\", \"est\", \"sur\", \"le\", \"toit\"]"), toml)
        XCTAssertTrue(toml.contains("[jpn_Jpan]\nwords = \"icu\"\nicu_locale = \"ja\""), toml)
        XCTAssertTrue(toml.contains("[xyz_Latn.gopher_quality]\nmin_stop_words = 0"), toml)
        // The file it writes is a valid languages file.
        // (French names NLTK's Punkt model, which this folder does not have.)
        _ = try dir.write("set.toml", "languages = \"languages.toml\"\nallow_missing_sentence_models = true\n[[filter]]\ntype = \"gopher_quality\"\n")
        let check = try Command.run(Command.sieve, ["filter", "words", "--filters", dir.file("set.toml"), "--language", "jpn_Jpan"],
                                    stdin: Array("私は学校".utf8))
        XCTAssertEqual(check.status, 0, check.stderr)
    }

    /// `sieve run` with a filter stage and `output.rejected`: every input document is
    /// either kept or in the unit's rejected file, and a resumed run keeps both.
    func testPipelineWritesRejectedDocumentsPerUnit() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let records = (0..<60).map { i -> String in
            let text = i % 3 == 0 ? Self.prose.replacingOccurrences(of: "old", with: "old \(i)") : "Short text number \(i)."
            return #"{"id":"d\#(i)","text":\#(Fixtures.jsonString(text))}"#
        }
        _ = try dir.write("corpus/a.jsonl", Fixtures.jsonl(Array(records[..<30])))
        _ = try dir.write("corpus/b.jsonl", Fixtures.jsonl(Array(records[30...])))
        let config = try dir.write("pipeline.toml", """
            [input]
            paths = ["corpus"]
            [output]
            dir = "out"
            kind = "documents"
            rejected = true
            [[stage]]
            type = "filter"
            filters = "\(Self.repository)/filters/default.toml"
            """)
        let run = try Command.run(Command.sieve, ["run", config, "--no-progress"])
        XCTAssertEqual(run.status, 0, run.stderr)
        func ids(_ folder: String) throws -> [String] {
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.file("out/\(folder)")).filter { !$0.hasPrefix(".") }.sorted()
            return try names.flatMap { try Fixtures.objects(try Fixtures.contents(dir.file("out/\(folder)/\($0)"))).map { $0["id"] as! String } }
        }
        let kept = try ids("documents"), rejected = try ids("rejected")
        XCTAssertEqual(kept, (0..<60).filter { $0 % 3 == 0 }.map { "d\($0)" })
        XCTAssertEqual(rejected, (0..<60).filter { $0 % 3 != 0 }.map { "d\($0)" })
        let before = try Fixtures.contents(dir.file("out/rejected/00000.jsonl.zst"))
        let again = try Command.run(Command.sieve, ["run", config, "--no-progress", "--json"])
        XCTAssertEqual(again.status, 0, again.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(report["units_resumed"] as? Int, report["units"] as? Int)
        XCTAssertEqual(try Fixtures.contents(dir.file("out/rejected/00000.jsonl.zst")), before)
    }
}
