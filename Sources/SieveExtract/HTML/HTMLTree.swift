import CHTMLShim
import Glibc

/// A parsed page as libxml2's recovering HTML parser sees it, flattened: elements and text
/// nodes in document order, each with its parent. Script, style and similar contents are
/// already gone (see `sieve_html.h`). Texts stay UTF-8 bytes in one buffer.
struct HTMLTree {
    struct Node: Equatable {
        /// Index of the parent element, -1 for a top-level element.
        var parent: Int
        /// One past the last node of the subtree.
        var end: Int
        /// The element's tag (`.textNode` for text nodes).
        var tag: Tag
        /// Element: `class id role itemprop`, lowercased. Text: the text. A range of `bytes`.
        var start: Int
        var length: Int
        var hidden: Bool
        /// Text: its length in characters with each white-space run counted as one
        /// (leading white space not at all), and its commas. Elements: 0.
        var characters = 0
        var commas = 0
        var isText: Bool { tag == .textNode }
    }

    /// The children of a node, in order: the nodes after it, each subtree skipped whole.
    struct Children: Sequence, IteratorProtocol {
        let nodes: [Node]
        var position: Int
        let end: Int

        mutating func next() -> Int? {
            guard position < end else { return nil }
            defer { position = nodes[position].end }
            return position
        }
    }

    var nodes: [Node] = []
    /// All texts and attributes, UTF-8.
    var bytes: [UInt8] = []
    /// Whether libxml2 read a trimmed copy of the page (see `sieve_html_parse`).
    private(set) var readTrimmed = false

    /// Parses UTF-8 bytes. An empty tree when the page has no elements. `trimmed` false
    /// makes libxml2 read script and style contents and every attribute too (the tree is
    /// the same).
    init(utf8 page: [UInt8], trimmed: Bool = true) {
        // libxml2 stops at a NUL byte; some pages have them in the middle.
        var input = page
        if page.withUnsafeBytes({ $0.count > 0 && memchr($0.baseAddress!, 0, $0.count) != nil }) { input = input.map { $0 == 0 ? 0x20 : $0 } }
        guard let document = input.withUnsafeBufferPointer({ sieve_html_parse($0.baseAddress, Int32($0.count), trimmed ? 1 : 0) })
        else { return }
        defer { sieve_html_free(document) }
        readTrimmed = sieve_html_trimmed(document) != 0
        let count = Int(sieve_html_node_count(document))
        guard count > 0, let raw = sieve_html_nodes(document), let strings = sieve_html_strings(document) else { return }
        var used = 0
        for i in 0..<count { used = max(used, Int(raw[i].text + raw[i].text_length)) }
        bytes = Array(UnsafeBufferPointer(start: strings, count: used))
        // Each distinct tag name is looked up once.
        let tags = (0..<sieve_html_name_count(document)).map { k -> Tag in
            var offset: Int32 = 0, length: Int32 = 0
            sieve_html_name(document, k, &offset, &length)
            return Tag(name: String(decoding: UnsafeBufferPointer(start: strings + Int(offset), count: Int(length)), as: UTF8.self))
        }
        nodes = (0..<count).map { i in
            let n = raw[i]
            var node = Node(parent: Int(n.parent), end: Int(n.end), tag: n.name < 0 ? .textNode : tags[Int(n.name)],
                            start: Int(n.text), length: Int(n.text_length), hidden: n.flags & 1 != 0)
            if node.isText {
                (node.characters, node.commas) = Self.measure(UnsafeBufferPointer(start: strings + Int(n.text), count: Int(n.text_length)))
            }
            return node
        }
    }

    private static func measure(_ text: UnsafeBufferPointer<UInt8>) -> (characters: Int, commas: Int) {
        var length = 0, commas = 0, previousSpace = true, k = 0
        while k < text.count {
            let b = text[k]
            if b > 0x20 && b < 0x80 && b != 0x2C {  // most of any text
                length += 1
                previousSpace = false
                k += 1
                continue
            }
            let n = UTF8Class.length(b)
            let kind = UTF8Class.of(text, k, n)
            let space = kind == .space
            if !(space && previousSpace) { length += 1 }
            if kind == .comma { commas += 1 }
            previousSpace = space
            k += n
        }
        return (length, commas)
    }

    func children(_ i: Int) -> Children { Children(nodes: nodes, position: i + 1, end: nodes[i].end) }

    /// A node's last child, if it has children.
    func lastChild(_ i: Int) -> Int? {
        var last: Int?
        for child in children(i) { last = child }
        return last
    }

    /// A node's text (or attributes) as bytes.
    func slice(_ i: Int) -> ArraySlice<UInt8> { bytes[nodes[i].start..<nodes[i].start + nodes[i].length] }

    /// Calls `body` with a node's text (or attributes).
    func withText<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        slice(i).withUnsafeBufferPointer(body)
    }

    /// The first element with this tag, in document order.
    func first(_ tag: Tag) -> Int? { nodes.firstIndex { $0.tag == tag } }
}

/// What a UTF-8 sequence means for text layout.
enum UTF8Class {
    case space, ignorable, comma, other

    /// The length of the sequence that starts with `lead`.
    @inline(__always) static func length(_ lead: UInt8) -> Int {
        lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }

    /// White space (ASCII and the Unicode space separators), characters that are layout
    /// hints rather than text (soft hyphen, zero-width space, byte-order mark), commas
    /// (`,` `，` `、`), or anything else; `bytes[i..<i + n]` is one sequence.
    @inline(__always) static func of(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int, _ n: Int) -> UTF8Class {
        let b = bytes[i]
        if n == 1 {
            if b == 0x20 || (0x09...0x0D).contains(b) { return .space }
            return b == 0x2C ? .comma : .other
        }
        guard i + n <= bytes.endIndex else { return .other }
        if n == 2 && b == 0xC2 {
            switch bytes[i + 1] {
            case 0xA0, 0x85: return .space
            case 0xAD: return .ignorable
            default: return .other
            }
        }
        if n == 3 {
            let c = bytes[i + 1], d = bytes[i + 2]
            switch (b, c) {
            case (0xE2, 0x80):
                if d <= 0x8A || d == 0xA8 || d == 0xA9 || d == 0xAF { return .space }
                return d == 0x8B ? .ignorable : .other
            case (0xE2, 0x81): return d == 0x9F ? .space : .other
            case (0xE1, 0x9A): return d == 0x80 ? .space : .other
            case (0xE3, 0x80): return d == 0x80 ? .space : d == 0x81 ? .comma : .other
            case (0xEF, 0xBB): return d == 0xBF ? .ignorable : .other
            case (0xEF, 0xBC): return d == 0x8C ? .comma : .other
            default: return .other
            }
        }
        return .other
    }
}
