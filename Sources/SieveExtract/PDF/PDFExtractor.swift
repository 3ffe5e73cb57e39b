import CPDFShim

/// Text and metadata of a PDF's text layer, with poppler. Runs in-process: pipelines call
/// it inside `PDFWorkerPool` worker processes, so that a PDF that crashes or hangs poppler
/// cannot take the run down.
public struct PDFExtractor: Sendable {
    /// A PDF read, or why not.
    public enum Outcome: Equatable, Sendable {
        case document(PDFDocumentText)
        /// Password-protected (`extract:encrypted`).
        case encrypted
        /// No text at all, a scan (`extract:no_text_layer`); its page count, for routing to OCR.
        case noTextLayer(pages: Int)
        /// poppler could not read it (`extract:pdf_error`), with poppler's message.
        case error(String)
    }

    public init() {}

    public func extract(_ bytes: [UInt8]) -> Outcome {
        guard !bytes.isEmpty else { return .error("empty file") }
        return bytes.withUnsafeBufferPointer { buffer -> Outcome in
            var status: Int32 = 0
            var message = [CChar](repeating: 0, count: 512)
            guard let pdf = sieve_pdf_open(buffer.baseAddress, Int64(buffer.count), &status, &message, 512) else {
                return status == Int32(SIEVE_PDF_ENCRYPTED) ? .encrypted : .error(String(cString: message))
            }
            defer { sieve_pdf_close(pdf) }
            let count = Int(sieve_pdf_page_count(pdf))
            var pages: [PDFPage] = []
            for i in 0..<count {
                var page = sieve_pdf_page()
                guard sieve_pdf_page_text(pdf, Int32(i), &page) == 0 else { continue }
                defer { sieve_pdf_page_free(&page) }
                let text = page.text.map { String(cString: $0) } ?? ""
                let boxes = page.boxes.map { Array(UnsafeBufferPointer(start: $0, count: Int(page.box_count) * 4)) } ?? []
                pages.append(PDFPage(selection: text, boxes: boxes, width: page.width, height: page.height))
            }
            let text = PDFLayout.documentText(pages)
            guard text.unicodeScalars.contains(where: { !$0.isSpace }) else { return .noTextLayer(pages: count) }
            func field(_ f: Int32) -> String {
                guard let value = sieve_pdf_metadata(pdf, f) else { return "" }
                defer { sieve_pdf_string_free(value) }
                return String(cString: value)
            }
            return .document(PDFDocumentText(
                text: text, pages: count, title: field(Int32(SIEVE_PDF_TITLE)), author: field(Int32(SIEVE_PDF_AUTHOR)),
                producer: field(Int32(SIEVE_PDF_PRODUCER)), created: field(Int32(SIEVE_PDF_CREATED))))
        }
    }
}

/// The text of a PDF and its metadata (empty strings when absent).
public struct PDFDocumentText: Equatable, Sendable, Codable {
    public var text: String
    public var pages: Int
    public var title: String
    public var author: String
    public var producer: String
    /// ISO 8601.
    public var created: String
}

/// One page's text in poppler's order, with a box per character.
struct PDFPage {
    var text: String
    /// 4 numbers per character: x1, y1, x2, y2; NaN for a space that has no box.
    var boxes: [Double]
    var width: Double
    var height: Double
}

extension PDFPage {
    /// The page from poppler's selected text and its boxes. poppler wraps right-to-left
    /// words in directional embedding marks, which have no boxes: they are dropped, so that
    /// every character lines up with its box. A run of them between two words (poppler
    /// leaves out the space after a line's first right-to-left word) becomes a space,
    /// unless punctuation follows: poppler puts a comma or full stop after a right-to-left
    /// word in its own left-to-right run (`أعينهم‪،‬`), and it stays attached.
    init(selection: String, boxes: [Double], width: Double, height: Double) {
        guard Self.hasDirectionMarks(selection) else {
            self.init(text: selection, boxes: boxes, width: width, height: height)
            return
        }
        var utf8: [UInt8] = []
        var aligned: [Double] = []
        aligned.reserveCapacity(boxes.count)
        var k = 0
        var last: Unicode.Scalar?
        var inMarks = false
        for scalar in selection.unicodeScalars {
            if Self.isDirectionMark(scalar) {
                inMarks = true
                continue
            }
            if inMarks, let last, !last.isSpace, !scalar.isSpace, !Self.isSentencePunctuation(scalar) {
                utf8.append(0x20)
                aligned += [.nan, .nan, .nan, .nan]
            }
            inMarks = false
            UTF8.encode(scalar) { utf8.append($0) }
            last = scalar
            if 4 * k + 3 < boxes.count { aligned += boxes[(4 * k)..<(4 * k + 4)] }
            k += 1
        }
        self.init(text: String(decoding: utf8, as: UTF8.self), boxes: aligned, width: width, height: height)
    }

    /// Whether `text` holds one of the marks, from its UTF-8 bytes: E2 80 8E–8F (LRM, RLM),
    /// E2 80 AA–AE (embeddings, overrides) or E2 81 A6–A9 (isolates).
    static func hasDirectionMarks(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var i = 0
            while i + 2 < bytes.count {
                if bytes[i] == 0xE2 {
                    let b1 = bytes[i + 1], b2 = bytes[i + 2]
                    if b1 == 0x80 && ((0x8E...0x8F).contains(b2) || (0xAA...0xAE).contains(b2)) { return true }
                    if b1 == 0x81 && (0xA6...0xA9).contains(b2) { return true }
                }
                i += 1
            }
            return false
        }
    }

    /// Punctuation that ends a clause or sentence, in Latin and Arabic script.
    static func isSentencePunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case ".", ",", ":", ";", "!", "?", "\u{060C}", "\u{061B}", "\u{061F}", "\u{06D4}": return true
        default: return false
        }
    }

    static func isDirectionMark(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F
    }
}
