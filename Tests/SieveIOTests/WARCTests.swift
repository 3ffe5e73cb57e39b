import Foundation
import XCTest
import SieveCore
import SieveExtract
@testable import SieveIO
import SieveTestSupport

/// WARC reading on the real and edge-case files of ../shared/data/warc, and on damaged copies.
final class WARCTests: XCTestCase {
    func path(_ name: String) throws -> String { try SharedData.path("warc/" + name) }

    func documents(_ paths: [String]) throws -> ([[String: Any]], RunStats) {
        let (output, stats) = try Read.all(paths)
        return (try Fixtures.objects(output), stats)
    }

    func testEveryHTMLResponseIsTheMainTextOfItsPage() throws {
        // The made file wraps the HTML benchmark pages; each response must give exactly what
        // extracting the page file with its HTTP charset gives.
        let (docs, stats) = try documents([try path("made-benchmark-pages.warc.gz")])
        let byID = Dictionary(uniqueKeysWithValues: docs.map { ($0["id"] as! String, $0) })
        let map = try String(contentsOfFile: try path("made-benchmark-pages.records.jsonl"), encoding: .utf8)
        var compared = 0, withText = 0
        for line in map.split(separator: "\n") {
            let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let file = record["file"] as! String
            guard file.hasSuffix(".html") else { continue }
            let id = String((record["warc_record_id"] as! String).dropFirst().dropLast())
            let page = HTMLExtractor().extract(Array(try Data(contentsOf: URL(fileURLWithPath: try SharedData.path("html/" + file)))),
                                               httpCharset: record["http_charset"] as? String)
            if !page.text.isEmpty { withText += 1 }
            guard let doc = byID[id] else {
                XCTAssertTrue(page.text.isEmpty, "\(file) is missing from the WARC output")
                continue
            }
            XCTAssertEqual(doc["text"] as? String, page.text, file)
            let metadata = doc["metadata"] as! [String: Any]
            XCTAssertEqual(metadata["url"] as? String, record["target_uri"] as? String)
            compared += 1
        }
        XCTAssertEqual(compared, withText)
        XCTAssertGreaterThan(compared, 165, "of the 171 HTML pages")
        let drops = stats[stage: "read"].drops
        XCTAssertEqual(drops["read:warc_request"], 175)
        XCTAssertEqual(drops["read:warc_metadata"], 175)
        XCTAssertEqual(drops["read:warc_warcinfo"], 1)
        XCTAssertEqual(drops["read:warc_http_status"], 2, "the 301 and the 404")
        XCTAssertEqual(drops["read:warc_not_html"], 2, "the two PDFs")
    }

    func testEdgeCases() throws {
        // Chunked transfer encoding, uncompressed WARC.
        let (chunked, _) = try documents([try path("edge-cases/warcio-uncompressed-http-chunked.warc")])
        XCTAssertEqual(chunked.count, 1)
        XCTAssertTrue((chunked[0]["text"] as! String).hasPrefix("Internet Assigned Numbers Authority"))
        // wget 1.19 wrote the target URI in angle brackets.
        let (bracketed, _) = try documents([try path("edge-cases/warcio-wget-bracketed-target-uri.warc.gz")])
        XCTAssertEqual((bracketed[0]["metadata"] as! [String: Any])["url"] as? String, "http://example.com/")
        // One gzip member for the whole file instead of one per record.
        let (whole, wholeStats) = try documents([try path("edge-cases/warcio-whole-file-gzip-not-per-record.warc.gz")])
        XCTAssertEqual(whole.count, 1)
        XCTAssertEqual(wholeStats[stage: "read"].drops["read:warc_revisit"], 1)
        // A record whose Content-Length runs past the end of the file.
        let (_, clipped) = try documents([try path("real-commoncrawl-2016-clipped-record.warc.gz")])
        XCTAssertEqual(clipped[stage: "read"].drops["read:truncated_record"], 1)
        // ClueWeb09: WARC/0.18, EUC-JP pages, a Content-Encoding header over decoded payloads.
        let (clueweb, _) = try documents([try path("real-clueweb09-ja-quirks.warc.gz")])
        XCTAssertEqual(clueweb.count, 29)
        XCTAssertTrue((clueweb[0]["text"] as! String).hasPrefix("アイテム詳細情報"))
        XCTAssertEqual((clueweb[0]["metadata"] as! [String: Any])["charset"] as? String, "euc-jp")
    }

    func testDamageLosesOnlyTheDamagedRecords() throws {
        let original = try Data(contentsOf: URL(fileURLWithPath: try path("made-benchmark-pages.warc.gz")))
        let (reference, _) = try documents([try path("made-benchmark-pages.warc.gz")])
        let texts = Dictionary(uniqueKeysWithValues: reference.map { ($0["id"] as! String, $0["text"] as! String) })
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // Garbage written over three places inside gzip members.
        var damaged = [UInt8](original)
        for at in [damaged.count / 5, damaged.count / 2, damaged.count * 4 / 5] {
            for k in 0..<64 { damaged[at + k] ^= 0x5A }
        }
        let (docs, stats) = try documents([try dir.write("damaged.warc.gz", damaged)])
        XCTAssertGreaterThanOrEqual(docs.count, reference.count - 3)
        for doc in docs { XCTAssertEqual(texts[doc["id"] as! String], doc["text"] as? String) }
        XCTAssertEqual(Set(docs.map { $0["id"] as! String }).count, docs.count, "no document twice")
        XCTAssertGreaterThanOrEqual(stats[stage: "read"].errors["read:corrupt_stream"] ?? 0, 1)
        // Uncompressed, with junk between records: the reader skips to the next record.
        let (edge, _) = try documents([try path("edge-cases/warcio-uncompressed-http-chunked.warc")])
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try path("edge-cases/warcio-uncompressed-http-chunked.warc"))))
        let second = WARCScanner.nextRecordStart(in: bytes, from: 10)!
        bytes.insert(contentsOf: Array("this is not a WARC record\r\n\r\n".utf8), at: second)
        let (junk, junkStats) = try documents([try dir.write("junk.warc", bytes)])
        XCTAssertEqual(junk.map { $0["text"] as! String }, edge.map { $0["text"] as! String })
        XCTAssertEqual(junkStats[stage: "read"].errors["read:warc_malformed_record"], 1)
    }

    func testOversizedRecordsAndPagesWithoutTextAreSkippedAndCounted() throws {
        // Records larger than max_document_bytes are skipped as they stream past; the
        // records after them are read as usual.
        let path = try path("made-benchmark-pages.warc.gz")
        let (all, _) = try documents([path])
        var options = ReadOptions.withExtractors
        options.maxDocumentBytes = 60_000
        let (output, stats) = try Read.all([path], options: options)
        let kept = try Fixtures.objects(output)
        let tooLarge = stats[stage: "read"].drops["read:document_too_large"] ?? 0
        XCTAssertGreaterThan(tooLarge, 10)
        XCTAssertGreaterThan(kept.count, 50)
        let texts = Dictionary(uniqueKeysWithValues: all.map { ($0["id"] as! String, $0["text"] as! String) })
        for doc in kept { XCTAssertEqual(texts[doc["id"] as! String], doc["text"] as? String) }
        // A page with no visible text (a script and an image) gives no document, and says so.
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let page = try dir.write("empty.html", "<html><body><script>show()</script><img src='a.png'><div hidden>x</div></body></html>")
        let (none, noneStats) = try Read.all([page])
        XCTAssertTrue(none.isEmpty)
        XCTAssertEqual(noneStats[stage: "extract"].drops["extract:no_main_text"], 1)
    }
}
