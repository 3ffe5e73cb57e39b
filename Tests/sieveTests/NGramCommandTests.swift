import Foundation
import SieveTestSupport
import XCTest

/// `sieve ngram train` and `query` as a user runs them: files in, ARPA out, a score and
/// perplexity per input line in order, clear errors for bad input.
final class NGramCommandTests: XCTestCase {
    func testTrainThenQuery() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let corpus = try dir.write("corpus.txt", (0..<200).map { "the cat sat on mat number \($0 % 7) today" }.joined(separator: "\n") + "\n")
        let arpa = dir.file("model.arpa")
        let sparse = try Command.run(Command.sieve, ["ngram", "train", "--order", "3", corpus, "-o", arpa])
        // Artificial text: no 3-grams seen once, as lmplz would say.
        XCTAssertEqual(sparse.status, 1)
        XCTAssertTrue(sparse.stderr.contains("cannot estimate Kneser-Ney discounts"), sparse.stderr)
        let train = try Command.run(Command.sieve, ["ngram", "train", "--order", "3", "--discount-fallback", corpus, "-o", arpa])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(try String(contentsOfFile: arpa, encoding: .utf8).hasPrefix("\\data\\\nngram 1="))
        let lines = ["the cat sat on mat number 3 today", "a dog", "", "ќ cat"]
        let query = try Command.run("/bin/sh", ["-c", "printf '%s\\n' \"$@\" | \"\(Command.sieve)\" ngram query --model \(arpa)", "sh"] + lines)
        XCTAssertEqual(query.status, 0, query.stderr)
        let rows = query.stdout.split(separator: "\n").map { $0.split(separator: "\t").compactMap { Double($0) } }
        XCTAssertEqual(rows.count, lines.count)
        XCTAssertTrue(rows.allSatisfy { $0.count == 2 && $0[0] <= 0 && $0[1] >= 1 }, query.stdout)
        // A seen sentence is far more probable than unseen words.
        XCTAssertGreaterThan(rows[0][0], rows[1][0])
        XCTAssertTrue(query.stderr.contains("scored 4 lines"), query.stderr)

        let bad = try dir.write("bad.arpa", "\\data\\\nngram 1=5\n\n\\1-grams:\n-1\t<unk>\n")
        let refused = try Command.run(Command.sieve, ["ngram", "query", "--model", bad])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("bad.arpa: the header says 5 1-grams, the section has 1"), refused.stderr)
    }
}
