import CHTMLShim

/// A parsed page as libxml2's recovering HTML parser sees it, flattened: elements and text
/// nodes in document order, each with its parent. Script, style and similar contents are
/// already gone (see `sieve_html.h`).
struct HTMLTree {
    struct Node {
        /// Index of the parent element, -1 for the root.
        var parent: Int
        /// The element's tag (`.textNode` for text nodes).
        var tag: Tag
        /// Element: `class id role itemprop`, lowercased. Text: the text.
        var text: String
        var hidden: Bool
        var isText: Bool { tag == .textNode }
    }

    var nodes: [Node] = []
    var children: [[Int]] = []

    /// Parses UTF-8 bytes. An empty tree when the page has no elements.
    init(utf8 page: [UInt8]) {
        // libxml2 stops at a NUL byte; some pages have them in the middle.
        var bytes = page
        if bytes.contains(0) { bytes = bytes.map { $0 == 0 ? 0x20 : $0 } }
        guard let document = bytes.withUnsafeBufferPointer({ sieve_html_parse($0.baseAddress, Int32($0.count)) }) else { return }
        defer { sieve_html_free(document) }
        let count = Int(sieve_html_node_count(document))
        guard count > 0, let raw = sieve_html_nodes(document), let strings = sieve_html_strings(document) else { return }
        func string(_ offset: Int32, _ length: Int32) -> String {
            String(decoding: UnsafeBufferPointer(start: strings + Int(offset), count: Int(length)), as: UTF8.self)
        }
        nodes.reserveCapacity(count)
        children = Array(repeating: [], count: count)
        for i in 0..<count {
            let n = raw[i]
            let tag = n.kind == 1 ? Tag(name: string(n.name, n.name_length)) : .textNode
            nodes.append(Node(parent: Int(n.parent), tag: tag, text: string(n.text, n.text_length), hidden: n.flags & 1 != 0))
            if n.parent >= 0 { children[Int(n.parent)].append(i) }
        }
    }

    /// The first element with this tag, in document order.
    func first(_ tag: Tag) -> Int? { nodes.firstIndex { $0.tag == tag } }
}
