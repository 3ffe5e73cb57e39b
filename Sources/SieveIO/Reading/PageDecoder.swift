import SieveCore

/// What the readers need of the extractors: the text of an HTML page (a file, or a WARC
/// response's payload) and of a PDF. SieveIO frames records and leaves parsing HTML and
/// PDF to a decoder handed in through `ReadOptions.pages` (SieveExtract's `Extractors`), so
/// that the modules built on SieveIO do not link poppler, libxml2 and ICU.
public protocol PageDecoder: Sendable {
    /// The page's main text, nil when it has none.
    func html(_ bytes: [UInt8], httpCharset: String?) -> DecodedPage?
    func pdf(_ bytes: [UInt8]) -> DecodedPDF
}

/// An HTML page's main text and what was found about it.
public struct DecodedPage: Sendable, Equatable {
    public var text: String
    public var title: String
    /// The charset the page was decoded with, and where it came from (`http`, `meta`, …).
    public var charset: String
    public var charsetSource: String

    public init(text: String, title: String, charset: String, charsetSource: String) {
        self.text = text
        self.title = title
        self.charset = charset
        self.charsetSource = charsetSource
    }
}

/// A PDF's text with its document metadata, or why there is none.
public enum DecodedPDF: Sendable, Equatable {
    /// The text, and metadata members (`title`, `author`, `pages`, …) in order.
    case document(text: String, metadata: [JSONMember])
    /// The PDF is skipped: `rule` (the drop reason under `extract`) and what went wrong.
    case failed(rule: String, message: String)
}
