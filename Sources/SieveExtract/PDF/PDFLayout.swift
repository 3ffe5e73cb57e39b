import SieveCore

/// Reading order and clean-up of poppler's page text.
///
/// poppler keeps the lines of a text block together but can put the blocks of a
/// two-column page in the wrong order (the right column's first block before the left
/// column's rest). Lines are grouped into blocks again from their boxes; on a page where
/// most text lies in blocks left and right of the middle, side by side, blocks are read band by band
/// (bands separated by full-width blocks such as titles): left column top to bottom, then
/// right column. Other pages keep poppler's order. Then lines that repeat at the top or
/// bottom of most pages (running headers and footers, digits ignored) and bare page
/// numbers are dropped, words hyphenated across lines are joined (and wrapped lines of
/// scripts written without spaces), and pages are joined with a blank line.
package enum PDFLayout {
    struct Line {
        var text: String
        var x0 = Double.infinity, y0 = Double.infinity, x1 = -Double.infinity, y1 = -Double.infinity
        /// The line runs to its block's right edge, and the next line of the block goes on
        /// with the same paragraph (set by `ordered`).
        var wraps = false
        var height: Double { y1 - y0 }
        var isEmpty: Bool { x0 > x1 }
    }

    /// The page's lines with their boxes, in poppler's order (blank lines dropped). A line
    /// with a gap wider than a word space around the middle of the page (poppler sometimes
    /// joins the lines of two columns) is split there. A space right after a combining mark
    /// that covers almost no gap is dropped: poppler starts a new word where a mark (a
    /// Thai or Devanagari vowel sign) is drawn left of where the previous glyph ended, and
    /// puts a space between the words (`उपे क्षा`, `นั บถือ`); a real space there is at
    /// least a fifth of the line's height wide. A gap beside Hangul wider than 15% of the
    /// line's height becomes a space (see `isHangul`).
    static func lines(_ page: PDFPage) -> [Line] {
        var lines: [Line] = []
        var current = Line(text: "")
        // The line's text as UTF-8, its last character, and whether it has a visible one.
        var utf8: [UInt8] = []
        var last: Unicode.Scalar?
        var visible = false
        func finish() {
            if visible {
                current.text = String(decoding: utf8, as: UTF8.self)
                lines.append(current)
            }
            current = Line(text: "")
            utf8.removeAll(keepingCapacity: true)
            last = nil
            visible = false
        }
        func append(_ scalar: Unicode.Scalar) {
            if scalar.isASCII { utf8.append(UInt8(scalar.value)) } else { UTF8.encode(scalar) { utf8.append($0) } }
            last = scalar
            if !scalar.isSpace { visible = true }
        }
        var k = 0
        let (scalars, boxes) = marksInPlace(page)
        for scalar in scalars {
            defer { k += 1 }
            if scalar == " ", k > 0, 4 * k + 3 < boxes.count,
               isNonspacingMark(scalars[k - 1]),
               boxes[4 * k + 2] - boxes[4 * k] < 0.12 * (boxes[4 * k + 3] - boxes[4 * k + 1]) {
                continue
            }
            if scalar == "\n" {
                if !continuesLine(scalars, boxes, at: k) { finish() }
                continue
            }
            if !scalar.isSpace, 4 * k + 3 < boxes.count, !current.isEmpty,
               boxes[4 * k] - current.x1 > max(5, current.height * 0.6),
               current.x1 < page.width * 0.6, boxes[4 * k] > page.width * 0.4 {
                finish()
            }
            if !scalar.isSpace, k > 0, 4 * k + 3 < boxes.count, let last, !last.isSpace,
               isHangul(scalar) || isHangul(last),
               boxes[4 * k] - boxes[4 * k - 2] > 0.15 * (boxes[4 * k + 3] - boxes[4 * k + 1]) {
                append(" ")
            }
            append(scalar)
            guard !scalar.isSpace, 4 * k + 3 < boxes.count else { continue }
            current.x0 = min(current.x0, boxes[4 * k])
            current.y0 = min(current.y0, boxes[4 * k + 1])
            current.x1 = max(current.x1, boxes[4 * k + 2])
            current.y1 = max(current.y1, boxes[4 * k + 3])
        }
        finish()
        return lines
    }

    /// Whether the line break at `k` falls inside a line: the characters on either side
    /// sit on the same line and touch (poppler ends a Thai line in mid-word at a mark it
    /// cannot place: `ศักดิป` / `ระจำ`).
    static func continuesLine(_ scalars: [Unicode.Scalar], _ boxes: [Double], at k: Int) -> Bool {
        guard k > 0, k + 1 < scalars.count, 4 * k + 7 < boxes.count, !scalars[k - 1].isSpace, !scalars[k + 1].isSpace
        else { return false }
        let before = 4 * (k - 1), after = 4 * (k + 1)
        let height = boxes[before + 3] - boxes[before + 1]
        guard height > 0 else { return false }
        return abs(boxes[after + 1] - boxes[before + 1]) < 0.2 * height && abs(boxes[after + 3] - boxes[before + 3]) < 0.2 * height
            && abs(boxes[after] - boxes[before + 2]) < 0.1 * height
    }

    /// Hangul syllables and jamo. Korean is written with spaces, but letter-spaced
    /// headings and `제 1 조` come with gaps and no space characters.
    static func isHangul(_ scalar: Unicode.Scalar) -> Bool {
        (0xAC00...0xD7A3).contains(scalar.value) || (0x1100...0x11FF).contains(scalar.value) || (0x3130...0x318F).contains(scalar.value)
    }

    /// The page's characters with combining marks after their base: poppler orders a
    /// zero-width mark (a Thai tone mark drawn at the right edge of its consonant) by its x
    /// position, which puts it after the next character. A mark that starts within the
    /// first 30% of the character before it belongs to the one before that.
    static func marksInPlace(_ page: PDFPage) -> (scalars: [Unicode.Scalar], boxes: [Double]) {
        var scalars = Array(page.text.unicodeScalars)
        var boxes = page.boxes
        guard boxes.count >= scalars.count * 4 else { return (scalars, boxes) }
        for k in 2..<max(2, scalars.count) {
            let mark = scalars[k], previous = scalars[k - 1]
            guard isNonspacingMark(mark), !isNonspacingMark(previous), !previous.isSpace,
                  boxes[4 * k + 2] - boxes[4 * k] < 0.5,
                  boxes[4 * k] < boxes[4 * k - 4] + 0.3 * (boxes[4 * k - 2] - boxes[4 * k - 4]) else { continue }
            scalars.swapAt(k, k - 1)
            for j in 0..<4 { boxes.swapAt(4 * k + j, 4 * k - 4 + j) }
        }
        return (scalars, boxes)
    }

    /// Whether `scalar` is a nonspacing (combining) mark. The ranges checked first hold
    /// none and cover most text, so that most characters need no property lookup.
    static func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x300, 0x370...0x482, 0x48A...0x590, 0x2000...0x20CF, 0x3040...0x3098, 0x309B...0x30FF,
             0x4E00...0x9FFF, 0xAC00...0xD7A3, 0xFF00...0xFFEF:
            return false
        default:
            return scalar.properties.generalCategory == .nonspacingMark
        }
    }

    struct Block {
        var lines: [Line]
        var x0: Double, y0: Double, x1: Double, y1: Double
    }

    /// Consecutive lines that sit one under the other, close, and overlapping sideways.
    static func blocks(_ lines: [Line]) -> [Block] {
        var blocks: [Block] = []
        for line in lines {
            if var last = blocks.last, let previous = last.lines.last, !line.isEmpty, !previous.isEmpty {
                let gap = line.y0 - previous.y1
                let overlap = min(line.x1, previous.x1) - max(line.x0, previous.x0)
                let narrower = min(line.x1 - line.x0, previous.x1 - previous.x0)
                if gap >= -previous.height * 0.5 && gap < max(previous.height, line.height) * 1.2 && overlap > narrower * 0.3 {
                    last.lines.append(line)
                    last.x0 = min(last.x0, line.x0)
                    last.y0 = min(last.y0, line.y0)
                    last.x1 = max(last.x1, line.x1)
                    last.y1 = max(last.y1, line.y1)
                    blocks[blocks.count - 1] = last
                    continue
                }
            }
            blocks.append(Block(lines: [line], x0: line.x0, y0: line.y0, x1: line.x1, y1: line.y1))
        }
        return blocks
    }

    /// The page's lines in reading order.
    static func ordered(_ page: PDFPage) -> [Line] {
        let blocks = blocks(lines(page)).map { block -> Block in
            var block = block
            for k in block.lines.indices.dropLast() where block.lines[k].x1 >= block.x1 - block.lines[k].height {
                block.lines[k].wraps = true
            }
            return block
        }
        let middle = page.width / 2, slack = page.width * 0.02
        // Each block once: left of the middle, right of it, or across (full width).
        let sides = blocks.map { b -> Side in
            guard b.x1 > b.x0 else { return .full }
            return b.x1 <= middle + slack ? .left : b.x0 >= middle - slack ? .right : .full
        }
        func on(_ side: Side) -> [Block] { blocks.indices.filter { sides[$0] == side }.map { blocks[$0] } }
        let left = on(.left), right = on(.right)
        // Two columns: most of the text in blocks on one side of the middle, both sides
        // substantial, and side by side somewhere (tables and short lines are not columns).
        func characters(_ list: [Block]) -> Int { list.reduce(0) { $0 + $1.lines.reduce(0) { $0 + $1.text.unicodeScalars.count } } }
        let total = max(1, characters(blocks)), onLeft = characters(left), onRight = characters(right)
        let sideBySide = left.contains { l in right.contains { r in min(l.y1, r.y1) - max(l.y0, r.y0) > 0 } }
            && !isMostlyRightToLeft(page.text)
        guard sideBySide, (onLeft + onRight) * 10 >= total * 6, onLeft * 5 >= total, onRight * 5 >= total else {
            return blocks.flatMap(\.lines)
        }
        let full = on(.full).sorted { $0.y0 < $1.y0 }
        func band(_ b: Block) -> Int { full.filter { $0.y0 < b.y0 }.count }
        var out: [Line] = []
        for k in 0...full.count {
            if k > 0 { out += full[k - 1].lines }
            for column in [left, right] {
                for b in column.filter({ band($0) == k }).sorted(by: { $0.y0 < $1.y0 }) { out += b.lines }
            }
        }
        return out
    }

    private enum Side { case left, right, full }

    /// Right-aligned lines of Arabic or Hebrew text of different lengths look like
    /// columns; such pages keep poppler's order.
    static func isMostlyRightToLeft(_ text: String) -> Bool {
        guard text.unicodeScalars.contains(where: isRightToLeft) else { return false }
        var rtl = 0, letters = 0
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                // The ASCII letters are ASCII's only alphabetic characters.
                if ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) { letters += 1 }
                continue
            }
            guard scalar.properties.isAlphabetic else { continue }
            letters += 1
            if isRightToLeft(scalar) { rtl += 1 }
        }
        return rtl * 2 > letters
    }

    /// Hebrew, Arabic, Syriac, Thaana, N'Ko and the rest up to U+08FF, and their
    /// presentation forms (the ranges `CPDFShim` checks before selecting a page again).
    static func isRightToLeft(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0590...0x08FF, 0xFB1D...0xFDFF, 0xFE70...0xFEFF: return true
        default: return false
        }
    }

    /// The document's text: pages in reading order, running headers, footers and page
    /// numbers dropped, hyphenated words joined, pages separated by a blank line.
    static func documentText(_ pages: [PDFPage]) -> String {
        var lines = pages.map(ordered)
        // Running headers and footers: among each page's first two and last two lines, those
        // that appear (digits aside) on at least half the pages, when there are 3 or more.
        func key(_ s: String) -> String {
            String(s.unicodeScalars.filter { !$0.isSpace }.map { ("0"..."9").contains($0) ? "#" : Character($0) })
        }
        func edges(_ page: [Line]) -> [Int] {
            Array(Set(Array(page.indices.prefix(2)) + Array(page.indices.suffix(2)))).sorted()
        }
        if lines.count >= 3 {
            var seen: [String: Int] = [:]
            for page in lines { for k in Set(edges(page).map { key(page[$0].text) }) { seen[k, default: 0] += 1 } }
            let threshold = max(3, (lines.count + 1) / 2)
            for p in lines.indices {
                let drop = Set(edges(lines[p]).filter { seen[key(lines[p][$0].text)]! >= threshold })
                lines[p] = lines[p].enumerated().filter { !drop.contains($0.offset) }.map(\.element)
            }
        }
        // Bare page numbers at the top or bottom of a page.
        if lines.count >= 2 {
            for p in lines.indices {
                let isNumber = { (s: String) in
                    let t = s.unicodeScalars.filter { !$0.isSpace }
                    return !t.isEmpty && t.count <= 4 && t.allSatisfy { ("0"..."9").contains($0) }
                }
                if let last = lines[p].last, isNumber(last.text) { lines[p].removeLast() }
                if let first = lines[p].first, isNumber(first.text) { lines[p].removeFirst() }
            }
        }
        return lines.map(joinLines).filter { !$0.isEmpty }.joined(separator: "\n\n")
    }

    /// Joins a page's lines with newlines, except a word hyphenated at a line end
    /// (`exam-` + `ple`), which becomes one word, and a line of a script written without
    /// spaces (Chinese, Japanese, Thai, …) that wraps onto the next: the break is layout,
    /// not a word boundary, so the lines join with nothing between them.
    static func joinLines(_ lines: [Line]) -> String {
        var out = ""
        var wraps = false
        for line in lines {
            let text = lamAlefInLogicalOrder(punctuationAtTheEnd(line.text.trimmingWhitespace()))
            guard !text.isEmpty else { continue }
            if out.hasSuffix("-"), let beforeHyphen = scalar(before: 2, in: out), beforeHyphen.properties.isLowercase,
               text.unicodeScalars.first?.properties.isLowercase == true {
                out.removeLast()
                out += text
            } else if wraps, let last = out.unicodeScalars.last, let first = text.unicodeScalars.first,
                      isWrittenWithoutSpaces(last), isWrittenWithoutSpaces(first) {
                out += text
            } else {
                if !out.isEmpty { out += "\n" }
                out += text
            }
            wraps = line.wraps
        }
        return out
    }

    /// A right-to-left line as poppler gives it ends with its sentence punctuation first
    /// (`. والعدل والسلام في العالم`): the full stop is drawn at the line's left end, and
    /// poppler reads it as a left-to-right run before the line. It goes back to the end.
    static func punctuationAtTheEnd(_ line: String) -> String {
        let scalars = line.unicodeScalars
        var index = scalars.startIndex
        while index < scalars.endIndex, PDFPage.isSentencePunctuation(scalars[index]) { index = scalars.index(after: index) }
        guard index > scalars.startIndex else { return line }
        var start = index
        while start < scalars.endIndex, scalars[start].isSpace { start = scalars.index(after: start) }
        guard start < scalars.endIndex, isRightToLeft(scalars[start]) else { return line }
        return String(scalars[start...]) + String(scalars[..<index])
    }

    /// The lam-alef ligature (lam then alef, which Arabic always writes as one glyph, as in
    /// `الإعلان`) comes out of poppler alef first: the font maps the glyph to lam and alef,
    /// and poppler reverses the word visually, the pair with it (`اإلعالن`). The
    /// definite article before such a ligature makes this visible: alef, alef, lam, which
    /// Arabic spelling never has (two alefs in a row), so there the pair is put back
    /// (`الإعالن`). Inside a word, both orders are words (`سالم`, `سلام`), and the pair stays
    /// as poppler gives it. Alef here is any of ا أ إ آ.
    static func lamAlefInLogicalOrder(_ line: String) -> String {
        func isAlef(_ s: Unicode.Scalar) -> Bool { s == "\u{0627}" || s == "\u{0623}" || s == "\u{0625}" || s == "\u{0622}" }
        guard line.unicodeScalars.contains(where: isAlef) else { return line }
        var scalars = Array(line.unicodeScalars)
        var k = 0
        while k + 2 < scalars.count {
            if scalars[k] == "\u{0627}", isAlef(scalars[k + 1]), scalars[k + 2] == "\u{0644}" {
                scalars.swapAt(k + 1, k + 2)
                k += 3
            } else {
                k += 1
            }
        }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars)
        return String(out)
    }

    /// The `n`th character from the end of `text` (1: the last), in constant time.
    static func scalar(before n: Int, in text: String) -> Unicode.Scalar? {
        let scalars = text.unicodeScalars
        var index = scalars.endIndex
        for _ in 0..<n {
            guard index > scalars.startIndex else { return nil }
            index = scalars.index(before: index)
        }
        return scalars[index]
    }

    /// Scripts written without spaces (`UTF8Text.isWrittenWithoutSpaces`), and CJK
    /// punctuation and full-width forms, which end and begin their lines.
    static func isWrittenWithoutSpaces(_ scalar: Unicode.Scalar) -> Bool {
        UTF8Text.isWrittenWithoutSpaces(scalar.value) || (0x3000...0x303F).contains(scalar.value)
            || (0xFF00...0xFFEF).contains(scalar.value)
    }
}

extension PDFLayout {
    /// The document text of pages made from arbitrary bytes, for the fuzz target
    /// `pdf-layout`: the bytes up to the first 0xFF are the text (pages split at form
    /// feeds), the bytes after it the coordinates, one byte per number (0x80 is NaN, 0x7F
    /// infinity), repeated as needed; every character gets a box, as poppler gives.
    package static func documentText(fuzzed bytes: [UInt8]) -> String {
        let cut = bytes.firstIndex(of: 0xFF) ?? bytes.count
        let numbers = bytes[min(cut + 1, bytes.count)...].map { b -> Double in
            b == 0x80 ? .nan : b == 0x7F ? .infinity : Double(Int8(bitPattern: b)) * 8
        }
        var k = 0
        func next() -> Double {
            guard !numbers.isEmpty else { return 0 }
            defer { k += 1 }
            return numbers[k % numbers.count]
        }
        let pages = String(decoding: bytes[..<cut], as: UTF8.self).split(separator: "\u{0C}", omittingEmptySubsequences: false)
            .map { text -> PDFPage in
                let boxes = text.unicodeScalars.flatMap { _ in [next(), next(), next(), next()] }
                return PDFPage(selection: String(text), boxes: boxes, width: abs(next()), height: abs(next()))
            }
        return documentText(pages)
    }
}
