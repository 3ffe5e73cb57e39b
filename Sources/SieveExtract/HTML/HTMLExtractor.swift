/// Turns an HTML page into its main text. Stateless and thread-safe.
public struct HTMLExtractor: Sendable {
    /// The result for one page.
    public struct Page: Equatable, Sendable {
        /// The main text, one line per block (paragraph, heading, list item, table row).
        public var text: String
        /// The `<title>`, whitespace collapsed; empty when the page has none.
        public var title: String
        /// The charset the page was decoded with, and how it was found.
        public var charset: Charset.Decision
    }

    /// `mainContent = false` keeps all visible text (scripts, styles and hidden elements
    /// still go): the "full text" baseline.
    public var mainContent = true

    public init(mainContent: Bool = true) {
        self.mainContent = mainContent
    }

    /// Extracts a page from its raw bytes; `httpCharset` is the HTTP `Content-Type`
    /// charset when the page came with headers (WARC).
    public func extract(_ bytes: [UInt8], httpCharset: String? = nil) -> Page {
        let (utf8, charset) = Charset.toUTF8(bytes, httpCharset: httpCharset)
        let tree = HTMLTree(utf8: utf8)
        var title = TextWriter()
        if let t = tree.first(.title) {
            for child in tree.children(t) where tree.nodes[child].isText {
                tree.withText(child) { title.append($0, preserve: false) }
            }
        }
        let text = MainText.text(of: tree, mainContent: mainContent)
        return Page(text: text, title: title.finish(), charset: charset)
    }
}
