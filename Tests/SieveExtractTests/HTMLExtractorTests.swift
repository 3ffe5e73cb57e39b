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
        // The detector reads from the first non-ASCII byte, not the page's first kilobytes.
        let late = Array("<html><head><script>".utf8) + Array(repeating: UInt8(ascii: "x"), count: 20_000) + Array("</script></head>".utf8) + russian
        XCTAssertEqual(Charset.toUTF8(late).1, Charset.Decision(name: "windows-1251", source: "detected"))
        XCTAssertEqual(Charset.metaCharset(Array("<META http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">".utf8)), "shift_jis")
    }

    func testDetectionReadsTheTextNotTheMenu() throws {
        // Legacy-charset pages with an English menu and a script around the text: in a
        // window of raw bytes, ICU read all of them as Latin-1.
        let menu = "<div class=\"nav\"><ul>" + (0..<25).map { "<li><a href=\"/section/\($0)/index.html\">Section \($0)</a></li>" }.joined() + "</ul></div>"
        let script = "<script type=\"text/javascript\">var config = {\"ids\": [" + (0..<300).map(String.init).joined(separator: ",") + "]};</script>"
        let pages: [(String, String, String.Encoding)] = [
            ("windows-1251", "Все люди рождаются свободными и равными в своем достоинстве и правах. Они наделены разумом и совестью и должны поступать в отношении друг друга в духе братства.", .windowsCP1251),
            ("ISO-8859-2", "Wszyscy ludzie rodzą się wolni i równi pod względem swej godności i swych praw. Są oni obdarzeni rozumem i sumieniem i powinni postępować wobec innych w duchu braterstwa.", .isoLatin2),
            ("windows-1253", "Όλοι οι άνθρωποι γεννιούνται ελεύθεροι και ίσοι στην αξιοπρέπεια και τα δικαιώματα. Είναι προικισμένοι με λογική και συνείδηση, και οφείλουν να συμπεριφέρονται μεταξύ τους με πνεύμα αδελφοσύνης.", .windowsCP1253),
        ]
        for (charset, text, encoding) in pages {
            let html = "<html><head><title>Page</title>\(script)</head><body>\(menu)<div id=\"content\"><p>\(text)</p><p>\(text)</p></div>\(menu)</body></html>"
            let bytes = try XCTUnwrap(html.data(using: encoding))
            let (utf8, decision) = Charset.toUTF8(Array(bytes))
            XCTAssertEqual(decision.source, "detected", charset)
            XCTAssertTrue(String(decoding: utf8, as: UTF8.self).contains(text), "\(charset) read as \(decision.name)")
        }
        // A single accented letter is too little text; the page's bytes around it decide.
        let cafe = Array("<html><body>\(menu)<p>Le caf".utf8) + [0xE9] + Array(" est ouvert.</p></body></html>".utf8)
        XCTAssertLessThan(Charset.textSample(cafe).count, 64)
        XCTAssertTrue(String(decoding: Charset.toUTF8(cafe).0, as: UTF8.self).contains("Le café est ouvert."))
    }

    func testWindows1252TableGivesICUsBytes() throws {
        // Every byte, alone and in a run of text around each of them.
        let all = (0...255).map(UInt8.init)
        XCTAssertEqual(Charset.convert(all, with: try XCTUnwrap(Charset.windows1252)), Charset.icuConvert(all, from: "windows-1252"))
        let text = all.flatMap { Array("caf".utf8) + [$0] + Array(" <p>".utf8) }
        XCTAssertEqual(Charset.convert(text, from: "windows-1252"), Charset.icuConvert(text, from: "windows-1252"))
    }

    func testDamagedPagesNeverFail() {
        let cases: [[UInt8]] = [[], Array("<html><body><p>unclosed <b>bold <div>mixed".utf8), [0x00, 0xFF, 0xFE, 0x3C],
                                Array("<p>before a NUL byte, long enough to count as a paragraph of text</p>".utf8) + [0]
                                    + Array("<p>and after it, also long enough to count as a paragraph</p>".utf8)]
        for bytes in cases { _ = HTMLExtractor().extract(bytes) }
        let nul = HTMLExtractor().extract(cases[3]).text
        XCTAssertTrue(nul.contains("and after it"), nul)
    }

    /// The tree read from libxml2's SAX events: implied elements, namespace prefixes
    /// dropped, text split where a comment was, skipped elements gone, attributes kept.
    func testTreeFromParserEvents() {
        let html = "<div class='Main Story' id=X hidden><p>one<!-- c -->two &amp; more</p><o:p>three</o:p>"
            + "<script>var s = '<p>not text</p>';</script><span aria-hidden=TRUE style='Display: None'>four</span></div>"
        let tree = HTMLTree(utf8: Array(html.utf8))
        XCTAssertEqual(tree.nodes.map(\.tag), [.html, .body, .div, .p, .textNode, .textNode, .p, .textNode, .other, .textNode])
        XCTAssertEqual(tree.nodes.map(\.parent), [-1, 0, 1, 2, 3, 3, 2, 6, 2, 8])
        XCTAssertEqual(tree.nodes.map(\.end), [10, 10, 10, 6, 5, 6, 8, 8, 10, 10])
        XCTAssertEqual(String(decoding: tree.slice(2), as: UTF8.self), "main story x")
        XCTAssertEqual(String(decoding: tree.slice(5), as: UTF8.self), "two & more")
        XCTAssertEqual(tree.nodes.map(\.hidden), [false, false, true, false, false, false, false, false, true, false])
        XCTAssertEqual(Array(tree.children(2)), [3, 6, 8])
        XCTAssertEqual(tree.lastChild(2), 8)
        XCTAssertEqual(tree.nodes[5].characters, 10)
        XCTAssertEqual(tree.nodes[5].commas, 0)
    }

    /// Class/id words: equal, or a long word at the start or end of a part; URLs ignored.
    func testClassWordsMatchWholePartsOrLongEnds() {
        let vocabulary = Vocabulary([["comment", "nav", "pager"], ["main"]])
        func lists(_ value: String) -> UInt8 { Array(value.utf8).withUnsafeBufferPointer { vocabulary.lists(matching: $0) } }
        XCTAssertEqual(lists("comments"), 1)
        XCTAssertEqual(lists("usercomment"), 1)
        XCTAssertEqual(lists("top-nav"), 1)
        XCTAssertEqual(lists("navbar"), 0)  // a short word only when equal
        XCTAssertEqual(lists("apageroot"), 0)
        XCTAssertEqual(lists("x mainmenu_nav"), 3)
        XCTAssertEqual(lists("https://example.com/comments"), 0)
        XCTAssertEqual(lists("  "), 0)
    }

    /// The validator that decides "is this page UTF-8" agrees with the standard library.
    func testUTF8ValidationAgreesWithTheStandardLibrary() {
        var cases: [[UInt8]] = [[], [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
                                [0xE2, 0x82], Array("ascii only, longer than eight bytes".utf8) + [0xFF],
                                Array("héllo wörld ✓ 𝄞".utf8)]
        var generator = SystemRandomNumberGenerator()
        let pieces: [[UInt8]] = [Array("abcdefgh".utf8), [0xC3, 0xA9], [0xE2, 0x9C, 0x93], [0xF0, 0x9D, 0x84, 0x9E], [0x80], [0xC3], [0xF5]]
        for _ in 0..<2000 {
            cases.append((0..<Int.random(in: 0...12, using: &generator)).flatMap { _ in pieces.randomElement(using: &generator)! })
        }
        for bytes in cases {
            XCTAssertEqual(bytes.withUnsafeBufferPointer(Charset.isValidUTF8), String(validating: bytes, as: UTF8.self) != nil, "\(bytes)")
        }
    }

    /// Trimming a page before libxml2 reads it (script and style contents cut, unread
    /// attributes dropped) gives the tree that reading every byte gives, where the quick
    /// scan is fooled too.
    func testTrimmingKeepsTheTree() throws {
        let pages = [
            "<p>a</p><!-- <script> --> kept <p>text</p> </script><p>after</p>",
            "<!--[if IE]><script>ie()</script><![endif]--><script>real()</script><p>b</p>",
            "<script type=text/template><div>template</div></script><p>after the template</p>",
            "<script></div>x</script><p>c</p>", "<script>var a = '\u{1}</div>';</script><p>d</p>",
            "<script/>text after a closed script<p>e</p>", "<p title=\"<script>\">f</p><script>x()</script><p>g</p>",
            "<p title=<script>>h</p>i</script><p>j</p>", "<script>never closed <p>lost</p>",
            "<SCRIPT type='a>b'>x < y</SCRIPT ><p>k</p>", "<scripts>l</scripts><style-x>m</style-x><style>p{}</style>n",
            "<title><script>t()</script>title</title><p>o</p>", "<a onclick='<script>'>p</a><script>q()</script>r",
            "<!-- <script>a</script>", "<style>/* </styles */ a{}</style>s", "<script>a</script",
            // Content the parser does not read as raw text in one go: it looks for tags
            // first, and again after a control character.
            "<div><script></div>x</script>text</div>", "<div><script>a\u{1}</div>b</script>c</div>",
            "<div><script type=text/template><p>one</p></script>two</div>",
            // Attributes: unquoted values before `/>`, bogus ones, repeated and unspaced
            // ones, entities, quotes holding `>`, uppercase names, empty values.
            "<a href=/x/ class=k>l</a><img class=logo src=\"a.png\" alt=Logo /><p data-x='a>b' class=\"m\">n</p>",
            "<div \"bogus\" class=a data-y=1 class=b id=\"c\"role=main/data-z>o</div><DIV CLASS=P Data-Q=\"&quot;>\">q</DIV>",
            "<p class= data-a=1>r</p><p class = \"s\" title=t hidden>u</p><span style=\"display:none\" lang=en>v</span>",
            "<html lang=en><head><meta charset=utf-8 name=x><title>w</title></head><body class=x data-b=1><p data-c>y</p>",
            "<p a" + String(repeating: "b", count: 120) + "=1 class=z>long name</p><p data-d=1 class=\"\u{1}\">control</p>",
            "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0//EN\" \"x>y\"><p data-e=1 class=z>after a doctype</p>",
            "<?xml version=\"1.0\"?><p data-f=1>after a processing instruction</p></p data-g=1><p data-h=2>z</p>",
            "<textarea><p data-i=1 class=a>in a textarea</p></textarea><title><b data-j=1>in a title</b></title>",
            "<_x class=\"<p data-k=1 class=b>\">a tag the scan takes for text</_x>",
            "<p " + String(repeating: "class=a ", count: 17) + "data-l=1>more kept attributes than the scan notes</p>",
        ]
        var all = pages.map { Array($0.utf8) }
        let files = try String(contentsOfFile: try SharedData.path("html/ground_truth.jsonl"), encoding: .utf8)
            .split(separator: "\n").prefix(60).map { line -> String in
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                return object["file"] as! String
            }
        for file in files { all.append(try page(file)) }
        all += try ["trafilatura-eval/together.ch.schaffhausen.html"].map(page)
        for (k, bytes) in all.enumerated() {
            let cut = HTMLTree(utf8: bytes), whole = HTMLTree(utf8: bytes, trimmed: false)
            XCTAssertEqual(cut.nodes, whole.nodes, String(decoding: bytes.prefix(80), as: UTF8.self))
            XCTAssertEqual(cut.bytes, whole.bytes)
            // Real pages are read trimmed: the parser confirmed every edit (an edit it
            // reads differently, such as `class=logo/>`, would make it parse them whole).
            if k >= pages.count { XCTAssertTrue(cut.readTrimmed, "page \(k - pages.count) was parsed again whole") }
            XCTAssertFalse(whole.readTrimmed)
        }
        XCTAssertTrue(MainText.text(of: HTMLTree(utf8: all[0]), mainContent: false).contains("kept"))
    }

    /// Damaged copies of a real page (cut off inside a tag, a quoted value or a script; a
    /// control byte in a tag; a closing quote gone) give the same tree trimmed as whole.
    func testTrimmingDamagedPagesKeepsTheTree() throws {
        let original = try page("trafilatura-eval/together.ch.schaffhausen.html")
        func at(_ needle: String) -> Int {
            let n = Array(needle.utf8)
            return (0...(original.count - n.count)).first { original[$0..<$0 + n.count].elementsEqual(n) }!
        }
        let script = at("<script>"), quoted = at("content=\"Vom"), tag = at("<img class=logo")
        var damaged: [[UInt8]] = [Array(original[..<(script + 20)]), Array(original[..<(quoted + 15)]), Array(original[..<(tag + 7)])]
        var control = original
        control[tag + 4] = 0x01
        damaged.append(control)
        var unclosed = original
        unclosed.remove(at: quoted + 8)  // the opening quote of content="…": the value runs on unquoted
        damaged.append(unclosed)
        var quote = original
        quote.insert(UInt8(ascii: "\""), at: tag + 10)  // a quote that never closes
        damaged.append(quote)
        for (k, bytes) in damaged.enumerated() {
            let trimmed = HTMLTree(utf8: bytes), whole = HTMLTree(utf8: bytes, trimmed: false)
            XCTAssertEqual(trimmed.nodes, whole.nodes, "damaged copy \(k)")
            XCTAssertEqual(trimmed.bytes, whole.bytes, "damaged copy \(k)")
        }
        // The copies cut off in the page's head have no article; the others keep it.
        for bytes in damaged[3...] { XCTAssertTrue(HTMLExtractor().extract(bytes).text.contains("Schaffhausen")) }
    }
}
