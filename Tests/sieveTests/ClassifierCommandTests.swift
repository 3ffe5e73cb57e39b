import Foundation
import SieveTestSupport
import XCTest

/// `sieve classifier` on bad input: unusable lines are skipped and reported by reason with
/// their line, the good ones are all used, and input that leaves nothing to do is an error.
final class ClassifierCommandTests: XCTestCase {
    func testBadLinesAreSkippedAndReportedAndNothingGoodIsLost() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var lines: [String] = []
        for i in 0..<40 {
            let (label, words) = i % 2 == 0 ? ("sport", "match goal team score") : ("market", "shares stock price trade")
            lines.append("{\"text\": \"\(words) \(i)\", \"label\": \"\(label)\"}")
        }
        lines.insert("{\"text\": \"no label here\"}", at: 3)                   // line 4
        lines.insert("{not json", at: 6)                                         // line 7
        lines.insert("{\"text\": \"   \", \"label\": \"sport\"}", at: 9)        // line 10
        lines.insert("{\"text\": 5, \"label\": \"sport\"}", at: 12)             // line 13
        lines.insert("{\"text\": \"goal\", \"label\": \"\"}", at: 15)           // line 16
        let data = try dir.write("train.jsonl", lines.joined(separator: "\n") + "\n")
        let model = dir.file("model.cls")
        let train = try Command.run(Command.sieve, ["classifier", "train", "--data", data, "-o", model, "--dim", "8", "--epochs", "20"])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("skipped 5 of 45 lines: 1 empty text (first at line 10), 1 malformed JSON (first at line 7), "
                                            + "2 no label (first at line 4), 1 no string text (first at line 13)"), train.stderr)
        XCTAssertTrue(train.stderr.contains("40 examples"), train.stderr)

        // Evaluation skips labels the model does not know, and says so.
        let test = try dir.write("test.jsonl", """
            {"text": "goal team", "label": "sport"}
            {"text": "stock price", "label": "market"}
            {"text": "rain wind", "label": "weather"}

            """)
        let eval = try Command.run(Command.sieve, ["classifier", "eval", "--model", model, "--data", test, "--json"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        XCTAssertTrue(eval.stderr.contains("1 label unknown to the model (weather) (first at line 3)"), eval.stderr)
        let result = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(result["examples"] as? Int, 2)
        XCTAssertEqual(result["accuracy"] as? Double, 1)

        // Prediction keeps every good line, in order, and reports the bad one.
        let input = try dir.write("in.jsonl", "{\"text\": \"goal team\", \"id\": 1}\n[1, 2]\n{\"text\": \"shares trade\", \"id\": 2}\n")
        let predict = try Command.run(Command.sieve, ["classifier", "predict", "--model", model, input, "-o", "-"])
        XCTAssertEqual(predict.status, 0, predict.stderr)
        XCTAssertTrue(predict.stderr.contains("skipped 1 of 3 lines: 1 malformed JSON (first at line 2)"), predict.stderr)
        let out = try Fixtures.objects(Array(predict.stdout.utf8))
        XCTAssertEqual(out.map { $0["id"] as? Int }, [1, 2])
        XCTAssertEqual(out.map { ($0["labels"] as? [String])?.first }, ["sport", "market"])

        // Lines are read as the pipeline reads documents: invalid UTF-8 becomes U+FFFD and
        // the line is kept; a leading byte-order mark stays part of the text.
        let odd = try dir.write("odd.jsonl", Array("{\"text\": \"goal caf".utf8) + [0xE9] + Array(" team\"}\n{\"text\": \"\u{FEFF}shares\"}\n".utf8))
        let read = try Command.run(Command.sieve, ["classifier", "predict", "--model", model, odd, "-o", "-"])
        XCTAssertEqual(read.status, 0, read.stderr)
        XCTAssertFalse(read.stderr.contains("skipped"), read.stderr)
        XCTAssertEqual(try Fixtures.objects(Array(read.stdout.utf8)).first?["text"] as? String, "goal caf\u{FFFD} team")
        // (Foundation's JSON reader would drop the mark; the bytes show it is there.)
        XCTAssertTrue(read.stdout.contains("\"text\":\"\u{FEFF}shares\""), read.stdout)
    }

    func testPredictionStreamsLargeInputAndSkipsOverlongLines() throws {
        // More lines than one batch, a malformed line in the first batch and a line longer
        // than 64 MiB in the second: every good line comes out once, in order, in a file
        // that appears whole.
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let data = try dir.write("train.jsonl", (0..<40).map { i in
            i % 2 == 0 ? "{\"text\": \"match goal team \(i)\", \"label\": \"sport\"}" : "{\"text\": \"shares stock price \(i)\", \"label\": \"market\"}"
        }.joined(separator: "\n") + "\n")
        let model = dir.file("model.cls")
        let train = try Command.run(Command.sieve, ["classifier", "train", "--data", data, "-o", model, "--dim", "8", "--epochs", "20"])
        XCTAssertEqual(train.status, 0, train.stderr)
        var input = Data()
        for i in 1...9000 {
            switch i {
            case 3000: input += Data("{not json\n".utf8)
            case 7000: input += Data("{\"text\": \"".utf8) + Data(repeating: UInt8(ascii: "a"), count: 65 << 20) + Data("\"}\n".utf8)
            default: input += Data("{\"id\": \(i), \"text\": \"\(i % 2 == 0 ? "goal team" : "stock price")\"}\n".utf8)
            }
        }
        let path = dir.file("in.jsonl")
        try input.write(to: URL(fileURLWithPath: path))
        input = Data()
        let out = dir.file("out.jsonl")
        let predict = try Command.run(Command.sieve, ["classifier", "predict", "--model", model, path, "-o", out, "--threads", "2"])
        XCTAssertEqual(predict.status, 0, predict.stderr)
        XCTAssertTrue(predict.stderr.contains("skipped 2 of 9000 lines: 1 line longer than 64 MiB (first at line 7000), 1 malformed JSON (first at line 3000)"), predict.stderr)
        let objects = try Fixtures.objects(Array(try Data(contentsOf: URL(fileURLWithPath: out))))
        XCTAssertEqual(objects.map { $0["id"] as? Int }, (1...9000).filter { $0 != 3000 && $0 != 7000 })
        XCTAssertEqual(objects.last?["labels"] as? [String], ["sport"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains("tmp") }, [])
    }

    func testInputThatLeavesNothingToLearnIsAnError() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let none = try dir.write("none.jsonl", "{\"text\": \"a\"}\nnot json\n")
        let r = try Command.run(Command.sieve, ["classifier", "train", "--data", none, "-o", dir.file("m.cls")])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("no usable examples in 2 lines"), r.stderr)
        let one = try dir.write("one.jsonl", "{\"text\": \"a b\", \"label\": \"x\"}\n{\"text\": \"c\", \"label\": \"x\"}\n")
        let single = try Command.run(Command.sieve, ["classifier", "train", "--data", one, "-o", dir.file("m.cls")])
        XCTAssertEqual(single.status, 1)
        XCTAssertTrue(single.stderr.contains("one label (x) in every example"), single.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("m.cls")))
        let missing = try Command.run(Command.sieve, ["classifier", "eval", "--model", dir.file("absent.cls"), "--data", one])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("cannot read"), missing.stderr)
    }
}
