import SieveCore
import SieveIO

/// The readers' HTML and PDF decoder (`ReadOptions.pages`): main text of HTML pages and
/// WARC responses, and PDF text, in worker processes when a pool is given (a PDF that
/// crashes or hangs poppler then costs only that PDF), in this process otherwise.
public struct Extractors: PageDecoder {
    public let pdfWorkers: PDFWorkerPool?

    public init(pdfWorkers: PDFWorkerPool? = nil) {
        self.pdfWorkers = pdfWorkers
    }

    public func html(_ bytes: [UInt8], httpCharset: String?) -> DecodedPage? {
        let page = HTMLExtractor().extract(bytes, httpCharset: httpCharset)
        guard !page.text.isEmpty else { return nil }
        return DecodedPage(text: page.text, title: page.title, charset: page.charset.name, charsetSource: page.charset.source)
    }

    public func pdf(_ bytes: [UInt8]) -> DecodedPDF {
        let outcome = pdfWorkers?.extract(bytes) ?? .extracted(PDFExtractor().extract(bytes))
        switch outcome {
        case .extracted(.document(let pdf)):
            return .document(text: pdf.text, metadata: [
                JSONMember("title", .string(pdf.title)), JSONMember("author", .string(pdf.author)),
                JSONMember("pages", .int(pdf.pages)), JSONMember("created", .string(pdf.created)),
                JSONMember("producer", .string(pdf.producer)),
            ])
        case .extracted(.encrypted): return .failed(rule: "encrypted", message: "the PDF is encrypted")
        case .extracted(.noTextLayer(let pages)): return .failed(rule: "no_text_layer", message: "no text layer in \(pages) pages (a scan: route to OCR)")
        case .extracted(.error(let message)): return .failed(rule: "pdf_error", message: message)
        case .crashed(let message): return .failed(rule: "pdf_crash", message: message)
        case .timedOut: return .failed(rule: "pdf_timeout", message: "no answer from the PDF worker in time")
        }
    }
}
