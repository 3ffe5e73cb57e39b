import Foundation
import XCTest
@testable import SieveExtract
import SieveTestSupport

/// PDF text extraction on files from ../shared/data/pdf, and the worker pool.
final class PDFExtractorTests: XCTestCase {
    func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: try SharedData.path("pdf/" + name))))
    }

    /// 1 − word-level edit distance / length: order matters, unlike bag-of-words scores.
    func wordSimilarity(_ a: String, _ b: String) -> Double {
        let x = a.split(whereSeparator: \.isWhitespace), y = b.split(whereSeparator: \.isWhitespace)
        var previous = Array(0...y.count), current = previous
        for i in 1...max(1, x.count) where !x.isEmpty {
            current[0] = i
            for j in 1...max(1, y.count) where !y.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return 1 - Double(previous[y.count]) / Double(max(x.count, y.count, 1))
    }

    func document(_ name: String) throws -> PDFDocumentText {
        guard case .document(let d) = PDFExtractor().extract(try bytes(name)) else {
            XCTFail("\(name) did not extract")
            throw XCTSkip()
        }
        return d
    }

    func testTwoColumnPaperIsReadColumnByColumn() throws {
        // poppler alone puts the right column's first block before the left column's rest
        // (pdftotext scores 0.48 on this file); Sieve's order follows the columns.
        let d = try document("gen_gpl3_en_2col_pdflatex.pdf")
        let truth = try String(contentsOfFile: try SharedData.path("pdf/gen_gpl3_en_2col_pdflatex.txt"), encoding: .utf8)
        XCTAssertGreaterThan(wordSimilarity(d.text, truth), 0.97)
        XCTAssertTrue(d.text.contains("changing it is not allowed.\nPreamble\nThe GNU General Public License is a free"))
        XCTAssertEqual(d.pages, 3)
    }

    func testSingleColumnPagesKeepPopplersOrder() throws {
        // A one-column page with tables, side by side in places.
        for name in ["docling_2305.03393v1-pg9"] {
            let truth = try String(contentsOfFile: try SharedData.path("pdf/\(name).txt"), encoding: .utf8)
            XCTAssertGreaterThan(wordSimilarity(try document(name + ".pdf").text, truth), 0.6, name)
        }
    }

    func testRightToLeftPagesKeepTheirLineOrder() throws {
        // Right-aligned Arabic lines of different lengths must not be taken for columns:
        // a line stays whole, in logical order, its words apart. The page's first line
        // (which a selection from the top-left corner leaves out) comes first.
        let text = try document("docling_right_to_left_02.pdf").text
        XCTAssertTrue(text.hasPrefix("وعليه، فإن الحكومة المصرية تضع صوو\nعييهاوخ لوال المر اوة الم باوة\nتكايف السيد رئيس الجماورية لاخ بخلعمل ياى تح يق يدد من"), String(text.prefix(100)))
        XCTAssertFalse(text.unicodeScalars.contains { (0x202A...0x202E).contains($0.value) }, "embedding marks removed")
    }

    func testRightToLeftBlocksKeepTheirFirstAndLastLines() throws {
        // The Arabic part of this file starts with its title and ends with `… قيد من القيود.`;
        // both lines were lost when the page was selected from its top-left corner.
        let text = try document("gen_udhr_mixed_lo.pdf").text
        XCTAssertEqual(text.components(separatedBy: "العالمي لحقوق").count - 1, 2, "the title and the proclamation")
        XCTAssertTrue(text.contains("خاضعة ألي قيد من القيود"))
        XCTAssertTrue(text.contains("عن طريق التعليم والتربية"))
        // Punctuation where it belongs, and lam-alef after the article in logical order.
        XCTAssertTrue(text.contains("في العالم.\n"))
        XCTAssertTrue(text.contains("في المجتمع،"))
        XCTAssertFalse(text.contains("\n. "))
        XCTAssertTrue(text.contains("لحقوق الإنسان"))
        XCTAssertFalse(text.contains("اإلنسان"))
    }

    func testRightToLeftPunctuationSitsAtTheEnd() {
        // poppler reads a full stop drawn at an Arabic line's left end as a run before the
        // line, and a comma after a word as its own run; both go back where they belong.
        XCTAssertEqual(PDFLayout.punctuationAtTheEnd(". والعدل والسلام في العالم"), "والعدل والسلام في العالم.")
        XCTAssertEqual(PDFLayout.punctuationAtTheEnd("، قومية"), "قومية،")
        XCTAssertEqual(PDFLayout.punctuationAtTheEnd(". Latin text stays"), ". Latin text stays")
        XCTAssertEqual(PDFLayout.punctuationAtTheEnd("(والعدل"), "(والعدل", "brackets are not moved")
        let page = PDFPage(selection: "\u{202B}أعينهم\u{202A}،\u{202C}\u{202C} \u{202B}إلى\u{202C}", boxes: [], width: 100, height: 100)
        XCTAssertEqual(page.text, "أعينهم، إلى")
    }

    func testLamAlefAfterTheArticleIsInLogicalOrder() {
        // poppler gives the lam-alef ligature alef first; after the article's alef that is
        // two alefs in a row, which Arabic never writes.
        XCTAssertEqual(PDFLayout.lamAlefInLogicalOrder("اإلعالن العالمي لحقوق اإلنسان"), "الإعالن العالمي لحقوق الإنسان")
        XCTAssertEqual(PDFLayout.lamAlefInLogicalOrder("شعوب األمم واألساسية االعتراف"), "شعوب الأمم والأساسية الاعتراف")
        XCTAssertEqual(PDFLayout.lamAlefInLogicalOrder("العالم والسالم"), "العالم والسالم", "alef then lam inside a word stays")
    }

    func testDirectionMarksAreDroppedAndBoxesLineUp() {
        // poppler's selected text wraps right-to-left words in U+202B…U+202C, which have no
        // boxes; a run of them between two words stands for a space.
        // Boxes for א ב ג ד, the space, x and the line break (right to left, then left to right).
        let boxes: [Double] = [90, 0, 100, 10, 80, 0, 90, 10, 65, 0, 75, 10, 55, 0, 65, 10, 100, 0, 103, 10,
                               103, 0, 110, 10, 110, 0, 110, 10]
        let page = PDFPage(selection: "\u{202B}אב\u{202C}\u{202B}גד\u{202C} x\n", boxes: boxes, width: 200, height: 100)
        XCTAssertEqual(page.text, "אב גד x\n")
        XCTAssertEqual(page.boxes.count, 4 * page.text.unicodeScalars.count)
        XCTAssertEqual(Array(page.boxes[0..<8]), Array(boxes[0..<8]))
        XCTAssertTrue(page.boxes[8...11].allSatisfy(\.isNaN), "the space that stands for the marks has no box")
        XCTAssertEqual(Array(page.boxes[12...]), Array(boxes[8...]))
    }

    func testFailuresAreToldApart() throws {
        // Read first: a missing file skips the test instead of failing an assertion.
        let encrypted = try bytes("gen_udhr_fr_encrypted_userpw.pdf"), aes256 = try bytes("poppler_encrypted-256.pdf")
        let scanned = try bytes("gen_udhr_zh_scanned.pdf"), invalid = try bytes("ocrmypdf_invalid.pdf")
        XCTAssertEqual(PDFExtractor().extract(encrypted), .encrypted)
        XCTAssertEqual(PDFExtractor().extract(aes256), .encrypted)
        XCTAssertEqual(PDFExtractor().extract(scanned), .noTextLayer(pages: 5))
        XCTAssertEqual(PDFExtractor().extract(invalid), .error("PDF document is damaged"))
        XCTAssertEqual(PDFExtractor().extract([]), .error("empty file"))
        // A copy cut to its first third, as a broken download leaves it.
        let good = try bytes("gen_udhr_fr_lo.pdf")
        XCTAssertEqual(PDFExtractor().extract(Array(good.prefix(good.count / 3))), .error("PDF document is damaged"))
    }

    func testMetadata() throws {
        let d = try document("gen_udhr_fr_lo.pdf")
        XCTAssertTrue(d.producer.contains("LibreOffice"), d.producer)
        XCTAssertTrue(d.created.hasPrefix("20"), d.created)
        XCTAssertTrue(d.text.contains("Déclaration universelle des droits de l’homme") || d.text.contains("Déclaration universelle des droits de l'homme"),
                      String(d.text.prefix(200)))
    }

    func testRunningHeadersPageNumbersAndHyphenation() {
        func page(_ lines: [String]) -> PDFPage {
            // One box per character, lines 20 points apart, all in the left half: one column.
            var boxes: [Double] = []
            for (row, line) in lines.enumerated() {
                for k in 0..<(line.unicodeScalars.count + 1) {
                    boxes += [Double(10 + 5 * k), Double(20 * row), Double(14 + 5 * k), Double(20 * row + 10)]
                }
            }
            return PDFPage(text: lines.joined(separator: "\n") + "\n", boxes: boxes, width: 1000, height: 1000)
        }
        let bodies = ["Call me Ishmael, said the narrator, with an exam-", "The sea was calm that morning and the exam-",
                      "Nobody expected the whale to return for an exam-"]
        let endings = ["ple of hyphenation.", "ple to follow.", "ple nobody liked."]
        let pages = (1...3).map { n in
            page(["Journal of Tests, vol. \(n)", bodies[n - 1], endings[n - 1], "\(n)"])
        }
        XCTAssertEqual(PDFLayout.documentText(pages), zip(bodies, endings).map { $0.dropLast() + $1 }.joined(separator: "\n\n"))
    }

    func testTwoColumnsAreReadInOrderAndAMarkOnTheGutterOnce() {
        // Left and right column lines side by side (poppler order: interleaved), and a
        // one-character block on the gutter (a footnote mark, say).
        var text = "", boxes: [Double] = []
        func line(_ s: String, x: Double, y: Double) {
            for (k, _) in s.unicodeScalars.enumerated() { boxes += [x + 4 * Double(k), y, x + 4 * Double(k) + 4, y + 10] }
            boxes += [0, 0, 0, 0]
            text += s + "\n"
        }
        for row in 0..<6 {
            line("left column line number \(row)", x: 50, y: 100 + 14 * Double(row))
            line("right column line number \(row)", x: 320, y: 100 + 14 * Double(row))
        }
        line("*", x: 296, y: 300)
        let ordered = PDFLayout.ordered(PDFPage(text: text, boxes: boxes, width: 600, height: 800)).map(\.text)
        XCTAssertEqual(ordered, (0..<6).map { "left column line number \($0)" } + ["*"] + (0..<6).map { "right column line number \($0)" })
    }

    func testCombiningMarksGoBackToTheirBase() {
        // ท (489.8–496.7), ง (496.8–502.3), then ้ drawn at 497.1 with no width: it belongs
        // to ท, as on page 1 of gen_udhr_th_lo.pdf.
        let page = PDFPage(text: "ทง\u{E49}", boxes: [489.8, 130, 496.7, 144, 496.8, 130, 502.3, 144, 497.1, 130, 497.1, 144],
                           width: 595, height: 842)
        XCTAssertEqual(String(String.UnicodeScalarView(PDFLayout.marksInPlace(page).scalars)), "ท\u{E49}ง")
        // A mark over the right part of the character before it stays.
        let kept = PDFPage(text: "ทง\u{E49}", boxes: [489.8, 130, 496.7, 144, 496.8, 130, 502.3, 144, 501.0, 130, 501.0, 144],
                           width: 595, height: 842)
        XCTAssertEqual(String(String.UnicodeScalarView(PDFLayout.marksInPlace(kept).scalars)), "ทง\u{E49}")
    }

    func testWorkerCrashesAndHangsAreContained() {
        let crashing = PDFWorkerPool(command: ["/bin/sh", "-c", "head -c 8 > /dev/null; exit 3"], workers: 1, timeout: 10)
        guard case .crashed(let message) = crashing.extract(Array("%PDF-1.4".utf8)) else { return XCTFail("no crash reported") }
        XCTAssertTrue(message.contains("status 3"), message)
        // The pool starts a new worker for the next PDF.
        guard case .crashed = crashing.extract(Array("%PDF-1.4".utf8)) else { return XCTFail("no second worker") }
        let hanging = PDFWorkerPool(command: ["/bin/sh", "-c", "sleep 30"], workers: 1, timeout: 0.5)
        let start = Date()
        XCTAssertEqual(hanging.extract(Array("%PDF-1.4".utf8)), .timedOut)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        // A worker that writes something else than a reply (a library printing to standard
        // output, say): a length read as negative, a length beyond any reply, bytes that are
        // not a reply. Each costs that PDF only.
        for answer in [#"\377\377\377\377\377\377\377\377{}"#, #"\0\0\0\0\0\0\0\100{}"#, #"\2\0\0\0\0\0\0\0{}"#] {
            let garbling = PDFWorkerPool(command: ["/bin/sh", "-c", "head -c 16 > /dev/null; printf '\(answer)'; sleep 5"], workers: 1, timeout: 2)
            XCTAssertEqual(garbling.extract(Array("%PDF-1.4".utf8)), .crashed("unreadable reply"), answer)
        }
        XCTAssertEqual(PDFWorkerPool.frame([2, 0, 0, 0, 0, 0, 0]), .incomplete)
        let json = Array(#"{"status":"encrypted"}"#.utf8)
        XCTAssertEqual(PDFWorkerPool.frame(withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json), .reply(.encrypted))
    }

    /// poppler puts a space after a vowel sign drawn left of its glyph's end (a new "word"
    /// for it); such a space covers almost no gap and goes, a real one stays.
    func testSpaceAfterAMarkWithNoGapIsDropped() {
        func page(spaceWidth: Double) -> PDFPage {
            // उपे क्षा: उ प े, a space, क ् ष ा; boxes 6 wide and 14 high.
            let scalars = Array("उपे क्षा".unicodeScalars)
            var boxes: [Double] = [], x = 50.0
            for s in scalars {
                let width = s == " " ? spaceWidth : s.properties.generalCategory == .nonspacingMark ? 0.0 : 6.0
                boxes += [x, 100, x + width, 114]
                x += width
            }
            return PDFPage(text: String(String.UnicodeScalarView(scalars)), boxes: boxes, width: 600, height: 800)
        }
        XCTAssertEqual(PDFLayout.lines(page(spaceWidth: 0.6)).map(\.text), ["उपेक्षा"])
        XCTAssertEqual(PDFLayout.lines(page(spaceWidth: 3)).map(\.text), ["उपे क्षा"])
    }

    /// A wrapped line of a script written without spaces joins the next with nothing
    /// between; other lines, and lines that end short of the block's edge, keep a newline.
    func testWrappedLinesOfScriptsWithoutSpacesJoin() {
        func line(_ text: String, wraps: Bool) -> PDFLayout.Line {
            var line = PDFLayout.Line(text: text)
            line.wraps = wraps
            return line
        }
        XCTAssertEqual(PDFLayout.joinLines([line("鉴于对人类家庭所有成员的固有", wraps: true), line("尊严及其平等的", wraps: false)]),
                       "鉴于对人类家庭所有成员的固有尊严及其平等的")
        XCTAssertEqual(PDFLayout.joinLines([line("序言", wraps: false), line("鉴于对人类", wraps: false)]), "序言\n鉴于对人类")
        XCTAssertEqual(PDFLayout.joinLines([line("a wrapped English", wraps: true), line("line", wraps: false)]), "a wrapped English\nline")
        XCTAssertEqual(PDFLayout.joinLines([line("การยอมรับนับถือเกียรติศักดิ์", wraps: true), line("ประจำตัว", wraps: false)]),
                       "การยอมรับนับถือเกียรติศักดิ์ประจำตัว")
    }

    /// Korean letter-spaced headings and `제 1 조` come as gaps without space characters;
    /// a gap of more than 15% of the line's height next to Hangul is a space.
    func testGapsBesideHangulAreSpaces() {
        func page(gap: Double) -> PDFPage {
            var boxes: [Double] = [], x = 50.0
            for _ in "제1조".unicodeScalars {
                boxes += [x, 100, x + 10, 112]
                x += 10 + gap
            }
            return PDFPage(text: "제1조", boxes: boxes, width: 600, height: 800)
        }
        XCTAssertEqual(PDFLayout.lines(page(gap: 2.3)).map(\.text), ["제 1 조"])
        XCTAssertEqual(PDFLayout.lines(page(gap: 0)).map(\.text), ["제1조"])
    }

    /// A line break between two characters that sit on one line and touch is not a line
    /// end (poppler ends a Thai line in mid-word at a mark it cannot place).
    func testBreakInsideALineIsNoLineEnd() {
        func page(secondLineAt x: Double, y: Double) -> PDFPage {
            let boxes: [Double] = [50, 100, 57, 114, 57, 100, 64, 114, 64, 114, 64, 114, x, y, x + 7, y + 14, x + 7, y, x + 14, y + 14]
            return PDFPage(text: "ดป\nรจ", boxes: boxes, width: 600, height: 800)
        }
        XCTAssertEqual(PDFLayout.lines(page(secondLineAt: 64, y: 100)).map(\.text), ["ดปรจ"])
        XCTAssertEqual(PDFLayout.lines(page(secondLineAt: 50, y: 116)).map(\.text), ["ดป", "รจ"])
    }
}
