import Foundation
import XCTest
@testable import SieveExtract
import SieveTestSupport

/// HTML main-text extraction on real pages from ../shared/data/html and on small pages.
final class HTMLExtractorTests: XCTestCase {
    func page(_ file: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: try SharedData.path("html/" + file))))
    }

    /// The scrapinghub benchmark's metric for one page: F1 of 4-token shingles of \w+ tokens.
    func shingleF1(_ predicted: String, _ truth: String) -> Double {
        func shingles(_ text: String) -> [String: Int] {
            var tokens: [String] = [], current = ""
            for c in text {
                if c.isLetter || c.isNumber || c == "_" { current.append(c) } else if !current.isEmpty { tokens.append(current); current = "" }
            }
            if !current.isEmpty { tokens.append(current) }
            var out: [String: Int] = [:]
            if tokens.count >= 4 { for i in 0...(tokens.count - 4) { out[tokens[i..<i + 4].joined(separator: " "), default: 0] += 1 } }
            return out
        }
        let p = shingles(predicted), t = shingles(truth)
        let tp = p.reduce(0) { $0 + min($1.value, t[$1.key] ?? 0) }
        let precision = Double(tp) / Double(max(1, p.values.reduce(0, +)))
        let recall = Double(tp) / Double(max(1, t.values.reduce(0, +)))
        return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
    }

    func groundTruth(_ id: String) throws -> String {
        let lines = try String(contentsOfFile: try SharedData.path("html/ground_truth.jsonl"), encoding: .utf8).split(separator: "\n")
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            if object["id"] as? String == id { return object["article_body"] as! String }
        }
        throw XCTSkip("no ground truth for \(id)")
    }

    func testNewsArticleMatchesItsGroundTruth() throws {
        let id = "scrapinghub/04a6711caa7c687592777718866e781e976e0fe684faebe8b3cedcef8cd0ea34"
        let page = HTMLExtractor().extract(try page(id + ".html"))
        XCTAssertGreaterThan(shingleF1(page.text, try groundTruth(id)), 0.95)
        XCTAssertTrue(page.title.hasPrefix("Opinion | Republicans Are Following Trump to Nowhere"), page.title)
        XCTAssertEqual(page.charset, Charset.Decision(name: "UTF-8", source: "utf8"))
        // The full-text mode keeps the navigation that main-text extraction drops.
        let full = HTMLExtractor(mainContent: false).extract(try self.page(id + ".html"))
        XCTAssertGreaterThan(full.text.count, page.text.count + 1000)
    }

    func testBlogArticleInsideAWidgetAndTextBetweenBreaks() throws {
        // Blogger: the post is text and <br>s directly inside a div of a "widget Blog".
        let id = "scrapinghub/34a7328535ad4e60b059f81d37eec5d25c2bc8de759ce9a7b5e47ac7dc6fd1b0"
        let bytes = try page(id + ".html"), truth = try groundTruth(id)
        XCTAssertGreaterThan(shingleF1(HTMLExtractor().extract(bytes).text, truth), 0.8)
    }

    func testWindows1252PageIsDecoded() throws {
        // CleanEval page 175 is windows-1252 (0x92 is a right single quote).
        let page = HTMLExtractor().extract(try page("cleaneval/175.html"))
        XCTAssertEqual(page.charset.name, "windows-1252")
        XCTAssertTrue(page.text.contains("as long as it\u{2019}s money"), String(page.text.prefix(300)))
        XCTAssertFalse(page.text.contains("\u{FFFD}"))
        XCTAssertGreaterThan(shingleF1(page.text, try groundTruth("cleaneval/175")), 0.8)
    }

    func testEUCKRPageIsDecoded() throws {
        let page = HTMLExtractor().extract(try page("cleaneval/621.html"))
        XCTAssertTrue(page.text.hasPrefix("Mountains and Hills\nMt. Seoraksan National Park"), String(page.text.prefix(100)))
        XCTAssertGreaterThan(shingleF1(page.text, try groundTruth("cleaneval/621")), 0.9)
    }

    func testBoilerplateSnippetsStayOutAndArticleSnippetsIn() throws {
        // Soft hyphens in the article (Mit­tel­al­ter) are removed, so the snippets match.
        let text = HTMLExtractor().extract(try page("trafilatura-eval/weinkenner.de-st.magdalener.html")).text
        let collapsed = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for snippet in ["Italiens, neben Barolo und Barbaresco", "St. Magdalener überzeugen mit zarter Frucht"] {
            XCTAssertTrue(collapsed.contains(snippet), snippet)
        }
        for snippet in ["Südtiroler Weissweine die Geschichte schrieben", "Das ideale Universal-Weinglas"] {
            XCTAssertFalse(collapsed.contains(snippet), snippet)
        }
    }

    func testCharsetOrderAndLabels() {
        let latin = Array("<html><head><meta charset=\"iso-8859-1\"></head><body><p>caf".utf8) + [0xE9] + Array("</p></body></html>".utf8)
        XCTAssertEqual(Charset.toUTF8(latin).1, Charset.Decision(name: "windows-1252", source: "meta"))
        XCTAssertTrue(String(decoding: Charset.toUTF8(latin).0, as: UTF8.self).contains("café"))
        // The HTTP header wins over <meta>; a byte-order mark wins over both.
        XCTAssertEqual(Charset.toUTF8(latin, httpCharset: "koi8-r").1.source, "http")
        XCTAssertEqual(Charset.toUTF8([0xEF, 0xBB, 0xBF] + latin, httpCharset: "koi8-r").1, Charset.Decision(name: "UTF-8", source: "bom"))
        XCTAssertEqual(Charset.toUTF8(latin, httpCharset: "no-such-charset").1.source, "meta")
        // No declaration and not UTF-8: ICU's detector decides.
        let russian = Array("<p>".utf8) + Array(repeating: [0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2, 0x2C, 0x20, 0xEC, 0xE8, 0xF0, 0x21, 0x20], count: 20).flatMap { $0 }
        XCTAssertEqual(Charset.toUTF8(russian).1, Charset.Decision(name: "windows-1251", source: "detected"))
        XCTAssertTrue(String(decoding: Charset.toUTF8(russian).0, as: UTF8.self).contains("Привет, мир!"))
        XCTAssertEqual(Charset.metaCharset(Array("<META http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">".utf8)), "shift_jis")
    }

    func testDamagedPagesNeverFail() {
        let cases: [[UInt8]] = [[], Array("<html><body><p>unclosed <b>bold <div>mixed".utf8), [0x00, 0xFF, 0xFE, 0x3C],
                                Array("<p>before a NUL byte, long enough to count as a paragraph of text</p>".utf8) + [0]
                                    + Array("<p>and after it, also long enough to count as a paragraph</p>".utf8)]
        for bytes in cases { _ = HTMLExtractor().extract(bytes) }
        let nul = HTMLExtractor().extract(cases[3]).text
        XCTAssertTrue(nul.contains("and after it"), nul)
    }
}
