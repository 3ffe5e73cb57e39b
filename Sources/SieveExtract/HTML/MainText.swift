/// Finds the main text of a page: the approach of Arc90's Readability (as in Mozilla's
/// readability.js and readability-lxml), natively over the flattened libxml2 tree.
///
/// 1. Boilerplate subtrees go first: hidden elements, navigation, forms, buttons, and
///    elements whose class/id/role reads like menus, footers, share bars, comments,
///    cookie banners (unless it also reads like content).
/// 2. Paragraph-like elements of 25+ characters score `1 + commas + min(3, length/100)`,
///    credited to their parent in full and their grandparent by half; a container's
///    own weight comes from its tag and its class/id; scores shrink with link density.
/// 3. The best container is the article; siblings that score close to it, or that are
///    paragraphs of prose with few links, join it.
/// 4. Inside, link-heavy lists and blocks and blocks with a negative class weight are
///    dropped; the rest is written as text, one line per block.
struct MainText {
    let tree: HTMLTree
    /// False: all visible text, no boilerplate removal.
    let mainContent: Bool
    /// Per node: removed as boilerplate (with its subtree).
    private var removed: [Bool]
    /// Per element: text length (whitespace-collapsed characters), linked text length, commas.
    private var textLength: [Int]
    private var linkLength: [Int]
    private var commas: [Int]
    private let classes: Classes

    /// False: keep elements whose class/id reads like boilerplate (the retry for pages
    /// where stripping them left almost nothing).
    let stripUnlikely: Bool

    /// What each element's class/id reads as; the same for every pass over a page.
    struct Classes {
        /// Reads like boilerplate (and not like content).
        var unlikely: [Bool] = []
        /// Readability's class weight: +25 content-like, −25 boilerplate-like.
        var weight: [Int] = []
    }

    /// The main text of a page (`mainContent` false: all visible text).
    static func text(of tree: HTMLTree, mainContent: Bool) -> String {
        let classes = mainContent ? Self.classes(tree) : Classes()
        let text = MainText(tree: tree, classes: classes, mainContent: mainContent).text()
        // As Readability does: when removing boilerplate-looking elements left less than
        // 500 characters, the article was probably inside one ("sidebar-wrapper"); try
        // again keeping them, and keep the longer text.
        guard mainContent && text.index(text.startIndex, offsetBy: 500, limitedBy: text.endIndex) == nil else { return text }
        let retry = MainText(tree: tree, classes: classes, mainContent: true, stripUnlikely: false).text()
        return retry.count > text.count ? retry : text
    }

    private init(tree: HTMLTree, classes: Classes, mainContent: Bool, stripUnlikely: Bool = true) {
        self.tree = tree
        self.classes = classes
        self.mainContent = mainContent
        self.stripUnlikely = stripUnlikely
        let n = tree.nodes.count
        removed = Array(repeating: false, count: n)
        textLength = Array(repeating: 0, count: n)
        linkLength = Array(repeating: 0, count: n)
        commas = Array(repeating: 0, count: n)
        markBoilerplate()
        measure()
    }

    // MARK: Tag and attribute vocabulary

    static let unlikely = ["advert", "ai2html", "banner", "breadcrumb", "combx", "comment", "community", "cover-wrap",
                           "disqus", "extra", "footer", "gdpr", "header", "legends", "menu", "related", "remark",
                           "replies", "rss", "shoutbox", "sidebar", "skyscraper", "social", "sponsor", "supplemental",
                           "ad-break", "agegate", "pagination", "pager", "popup", "cookie", "consent", "newsletter",
                           "subscribe", "share", "sharing", "promo", "navbar", "navigation", "masthead", "signup",
                           "login", "outbrain", "taboola", "toolbar"]
    static let maybe = ["and", "article", "body", "column", "content", "main", "shadow", "story", "text", "post", "entry"]
    static let positive = ["article", "body", "content", "entry", "hentry", "h-entry", "main", "page", "post", "text",
                           "blog", "story", "paragraph", "prose"]
    static let negative = ["advert", "hidden", "banner", "combx", "comment", "contact", "foot", "footer",
                           "footnote", "gdpr", "masthead", "media", "meta", "outbrain", "promo", "related", "scroll", "com",
                           "share", "shoutbox", "sidebar", "skyscraper", "sponsor", "shopping", "tags", "tool", "widget",
                           "nav", "menu", "cookie", "newsletter", "subscribe", "caption", "credit"]

    /// The four lists as one table, each word tagged with its list's bit.
    private static let vocabulary = Vocabulary([unlikely, maybe, negative, positive])
    private static let unlikelyBit: UInt8 = 1, maybeBit: UInt8 = 2, negativeBit: UInt8 = 4, positiveBit: UInt8 = 8

    private static func classes(_ tree: HTMLTree) -> Classes {
        var classes = Classes(unlikely: Array(repeating: false, count: tree.nodes.count),
                              weight: Array(repeating: 0, count: tree.nodes.count))
        let vocabulary = Self.vocabulary
        for (i, node) in tree.nodes.enumerated() where !node.isText && node.length > 0 {
            let found = tree.withText(i) { vocabulary.lists(matching: $0) }
            classes.unlikely[i] = found & unlikelyBit != 0 && found & maybeBit == 0
            if found & negativeBit != 0 { classes.weight[i] -= 25 }
            if found & positiveBit != 0 { classes.weight[i] += 25 }
        }
        return classes
    }

    private func classWeight(_ i: Int) -> Int { classes.weight[i] }

    // MARK: Passes

    private mutating func markBoilerplate() {
        let mainContent = self.mainContent
        markRemoved { i, node in
            node.hidden || [.head, .title, .meta, .link].contains(node.tag) || (mainContent && node.tag.isDropped)
        }
        guard mainContent else { return }
        // Page furniture (nav, aside, footer) and elements whose class/id reads like
        // boilerplate, unless the element holds much of the page's text: a badly nested
        // page can put the article inside its "header" div or an unclosed <nav>.
        measure()
        let pageText = max(1, textLength.first ?? 1)
        let holdsPage = textLength.map { $0 * 5 > pageText * 2 }
        let unlikely = stripUnlikely ? classes.unlikely : Array(repeating: false, count: tree.nodes.count)
        markRemoved { i, node in
            ![.html, .body, .article, .main].contains(node.tag) && !holdsPage[i] && (unlikely[i] || node.tag.isFurniture)
        }
        textLength = Array(repeating: 0, count: tree.nodes.count)
        linkLength = textLength
        commas = textLength
    }

    /// Removes the elements `test` picks, with their subtrees.
    private mutating func markRemoved(_ test: (Int, HTMLTree.Node) -> Bool) {
        for (i, node) in tree.nodes.enumerated() {
            if node.parent >= 0 && removed[node.parent] {
                removed[i] = true
            } else if !node.isText && test(i, node) {
                removed[i] = true
            }
        }
    }

    /// Text, link and comma counts of every live element, children before parents.
    private mutating func measure() {
        for i in stride(from: tree.nodes.count - 1, through: 0, by: -1) where !removed[i] {
            let node = tree.nodes[i]
            if node.isText {
                textLength[i] = node.characters
                commas[i] = node.commas
            } else if node.tag == .a {
                linkLength[i] = textLength[i]
            }
            let p = node.parent
            if p >= 0 {
                textLength[p] += textLength[i]
                linkLength[p] += linkLength[i]
                commas[p] += commas[i]
            }
        }
    }

    private func linkDensity(_ i: Int) -> Double {
        textLength[i] == 0 ? 0 : Double(linkLength[i]) / Double(textLength[i])
    }

    /// Whether an element counts as a paragraph: `p`, `pre`, `td`, `blockquote`, or a `div`
    /// or `section` without block-level children (text wrapped in a div).
    private func isParagraph(_ i: Int) -> Bool {
        let tag = tree.nodes[i].tag
        if [.p, .pre, .td, .blockquote].contains(tag) { return true }
        guard tag == .div || tag == .section else { return false }
        return !tree.children(i).contains { c in
            let t = tree.nodes[c].tag
            return [.p, .div, .section, .article, .table, .ul, .ol, .pre, .blockquote, .h1, .h2, .h3].contains(t)
        }
    }

    private func baseScore(_ i: Int) -> Double {
        var score: Double
        switch tree.nodes[i].tag {
        case .div, .article, .main, .section: score = 5
        case .pre, .td, .blockquote: score = 3
        case .address, .ol, .ul, .dl, .dd, .dt, .li, .form: score = -3
        case .h1, .h2, .h3, .h4, .h5, .h6, .th: score = -5
        default: score = 0
        }
        return score + Double(classWeight(i))
    }

    /// The article's top-level elements, in document order.
    func articleRoots() -> [Int] {
        guard mainContent else { return tree.nodes.isEmpty ? [] : [0] }
        var scores: [Int: Double] = [:]
        /// Credits a paragraph of `length` characters to the element that holds it and
        /// two more ancestors (full, half, a sixth).
        func credit(_ holder: Int, length: Int, commas: Int) {
            guard length >= 25 else { return }
            let score = 1 + Double(commas) + min(3, Double(length / 100))
            var ancestor = holder, level = 0
            while ancestor >= 0 && level < 3 {
                if scores[ancestor] == nil { scores[ancestor] = baseScore(ancestor) }
                scores[ancestor]! += score / (level == 0 ? 1 : level == 1 ? 2 : Double(level * 3))
                ancestor = tree.nodes[ancestor].parent
                level += 1
            }
        }
        for i in tree.nodes.indices where !removed[i] && !tree.nodes[i].isText {
            if isParagraph(i) {
                if tree.nodes[i].parent >= 0 { credit(tree.nodes[i].parent, length: textLength[i], commas: commas[i]) }
                continue
            }
            // Text and inline elements directly inside a block (text between <br>s in a
            // div) form paragraphs too, as Readability wraps such runs in <p>.
            guard tree.nodes[i].tag.isBlock else { continue }
            var length = 0, runCommas = 0
            for child in tree.children(i) where !removed[child] {
                let node = tree.nodes[child]
                if node.isText || node.tag == .br || !node.tag.isBlock {
                    length += textLength[child]
                    runCommas += commas[child]
                } else {
                    credit(i, length: length, commas: runCommas)
                    length = 0
                    runCommas = 0
                }
            }
            credit(i, length: length, commas: runCommas)
        }
        var best: (node: Int, score: Double)?
        var final: [Int: Double] = [:]
        for (node, score) in scores {
            let s = score * (1 - linkDensity(node))
            final[node] = s
            if best == nil || s > best!.score || (s == best!.score && node < best!.node) { best = (node, s) }
        }
        guard let top = best else {
            return [tree.first(.body) ?? 0].filter { tree.nodes.indices.contains($0) }
        }
        var chosen = top.node
        // Several candidates at least 60% as good as the best one are parts of one article split
        // into sections: the article is the closest ancestor holding three of them.
        let alternatives = final.filter { $0.key != top.node && $0.value >= top.score * 0.6 }
            .sorted { $0.value > $1.value }.prefix(5).map(\.key)
        if alternatives.count >= 3 {
            func isInside(_ node: Int, _ ancestor: Int) -> Bool {
                var n = node
                while n >= 0 {
                    if n == ancestor { return true }
                    n = tree.nodes[n].parent
                }
                return false
            }
            var ancestor = tree.nodes[chosen].parent
            while ancestor >= 0 && tree.nodes[ancestor].tag != .body {
                if alternatives.filter({ isInside($0, ancestor) }).count >= 3 {
                    chosen = ancestor
                    break
                }
                ancestor = tree.nodes[ancestor].parent
            }
        }
        // A top candidate whose parent also scores well is one column of a larger article.
        let parent = tree.nodes[chosen].parent
        if chosen == top.node, parent >= 0, tree.nodes[parent].tag != .body, let parentScore = final[parent],
           parentScore >= top.score * 0.75 {
            chosen = parent
        }
        let threshold = max(10, (final[chosen] ?? top.score) * 0.2)
        let container = tree.nodes[chosen].parent
        guard container >= 0 else { return [chosen] }
        return tree.children(container).filter { sibling in
            if sibling == chosen { return true }
            guard !removed[sibling], !tree.nodes[sibling].isText else { return false }
            if let s = final[sibling], s >= threshold { return true }
            guard isParagraph(sibling) else { return false }
            let length = textLength[sibling], density = linkDensity(sibling)
            return (length > 80 && density < 0.25) || (length > 0 && length <= 80 && density == 0 && endsSentence(sibling))
        }
    }

    private func endsSentence(_ i: Int) -> Bool {
        var last = i
        while let child = tree.lastChild(last) { last = child }
        let text = String(decoding: tree.slice(last), as: UTF8.self).trimmingWhitespace()
        return text.hasSuffix(".") || text.hasSuffix("!") || text.hasSuffix("?") || text.hasSuffix("。")
    }

    /// Readability's conditional cleaning of a block inside the article.
    private func dropInside(_ i: Int) -> Bool {
        guard mainContent else { return false }
        let node = tree.nodes[i]
        guard [.div, .section, .ul, .ol, .table, .dl, .header, .h1, .h2, .h3, .h4, .h5, .h6, .p, .figure, .form].contains(node.tag)
        else { return false }
        // Some sites wrap the whole page in a form (ASP.NET); small forms are search boxes.
        if node.tag == .form { return textLength[i] < 200 }
        // A boilerplate-looking class sinks a block unless its content outweighs it
        // (Readability: class weight + content score < 0); an article body in a
        // "widget-container" stays.
        let weight = classWeight(i)
        if weight < 0 && Double(weight) + Double(textLength[i]) / 100 + Double(commas[i]) < 0 { return true }
        let density = linkDensity(i)
        if node.tag.isHeading {
            // A heading wrapped in a link is a teaser for another page.
            let parent = node.parent, grandparent = parent >= 0 ? tree.nodes[parent].parent : -1
            if (parent >= 0 && tree.nodes[parent].tag == .a) || (grandparent >= 0 && tree.nodes[grandparent].tag == .a) { return true }
            return density > 0.33
        }
        if commas[i] >= 10 { return false }
        if textLength[i] == 0 { return false }
        return density > 0.5
    }

    /// The article as text: one line per block, whitespace collapsed (kept in `pre`).
    func text() -> String {
        var out = TextWriter()
        for root in articleRoots() { write(root, into: &out, inPre: false) }
        return out.finish()
    }

    private func write(_ i: Int, into out: inout TextWriter, inPre: Bool) {
        guard !removed[i] else { return }
        let node = tree.nodes[i]
        if node.isText {
            tree.withText(i) { out.append($0, preserve: inPre) }
            return
        }
        if dropInside(i) { return }
        let block = node.tag.isBlock
        if block { out.newline() }
        if node.tag == .td || node.tag == .th { out.space() }
        for child in tree.children(i) { write(child, into: &out, inPre: inPre || node.tag == .pre) }
        if block { out.newline() }
    }
}

/// Class/id words, for telling what an element's `class id role itemprop` reads as.
struct Vocabulary {
    /// The words' bytes, back to back, and each word's range and list bit.
    private let bytes: [UInt8]
    private let words: [(start: Int, count: Int, bit: UInt8)]
    /// Word indices by first byte and by last byte: `byFirst[starts[b]..<starts[b + 1]]`
    /// (and `byLast` with `ends`) are the words that begin (end) with byte `b`.
    private let byFirst: [Int], starts: [Int]
    private let byLast: [Int], ends: [Int]
    /// One bit per two-byte pair: the first two bytes of some word (`heads`), the last two
    /// of some word longer than three (`tails`). Most parts match neither and are passed
    /// over with two lookups.
    private let heads: [UInt64], tails: [UInt64]
    private let shortest: Int

    /// `lists[k]` gets bit `1 << k`.
    init(_ lists: [[String]]) {
        var bytes: [UInt8] = [], words: [(start: Int, count: Int, bit: UInt8)] = []
        for (k, list) in lists.enumerated() {
            for word in list {
                words.append((bytes.count, word.utf8.count, 1 << k))
                bytes.append(contentsOf: word.utf8)
            }
        }
        func index(_ key: (Int) -> UInt8) -> ([Int], [Int]) {
            let order = words.indices.sorted { (key($0), $0) < (key($1), $1) }
            var bounds = [Int](repeating: 0, count: 257)
            for w in order { bounds[Int(key(w)) + 1] += 1 }
            for b in 0..<256 { bounds[b + 1] += bounds[b] }
            return (order, bounds)
        }
        (byFirst, starts) = index { bytes[words[$0].start] }
        (byLast, ends) = index { bytes[words[$0].start + words[$0].count - 1] }
        var heads = [UInt64](repeating: 0, count: 1024), tails = heads
        for word in words {
            let head = Int(bytes[word.start]) << 8 | Int(bytes[word.start + 1])
            heads[head >> 6] |= 1 << UInt64(head & 63)
            if word.count > 3 {
                let tail = Int(bytes[word.start + word.count - 2]) << 8 | Int(bytes[word.start + word.count - 1])
                tails[tail >> 6] |= 1 << UInt64(tail & 63)
            }
        }
        self.heads = heads
        self.tails = tails
        shortest = words.map(\.count).min() ?? 2
        precondition(shortest >= 2, "class/id words have two bytes at least")
        self.bytes = bytes
        self.words = words
    }

    /// The bits of the lists that a class/id value reads as one of. Names split at spaces,
    /// `-` and `_`; a part matches a word it equals, starts or ends with (`comments`,
    /// `footerNav`, `mainmenu`), and words of three letters or fewer (`nav`, `com`) only
    /// when equal, so that `APageRoot` is not a "pager". No word is a bare "ad":
    /// `cuerpo-ad` holds an article. Names with a `/` are URLs (some pages put one in an
    /// id) and are ignored.
    func lists(matching attributes: UnsafeBufferPointer<UInt8>) -> UInt8 {
        var found: UInt8 = 0
        var nameStart = 0
        while nameStart < attributes.count {
            var nameEnd = nameStart, isURL = false
            while nameEnd < attributes.count && attributes[nameEnd] != 0x20 {
                if attributes[nameEnd] == 0x2F { isURL = true }
                nameEnd += 1
            }
            var partStart = nameStart
            while !isURL && partStart < nameEnd {
                var partEnd = partStart
                while partEnd < nameEnd && attributes[partEnd] != 0x2D && attributes[partEnd] != 0x5F { partEnd += 1 }
                if partEnd > partStart { found |= lists(matchingPart: UnsafeBufferPointer(rebasing: attributes[partStart..<partEnd])) }
                partStart = partEnd + 1
            }
            nameStart = nameEnd + 1
        }
        return found
    }

    private func lists(matchingPart part: UnsafeBufferPointer<UInt8>) -> UInt8 {
        guard part.count >= shortest else { return 0 }
        let head = Int(part[0]) << 8 | Int(part[1]), tail = Int(part[part.count - 2]) << 8 | Int(part[part.count - 1])
        let maybeHead = heads[head >> 6] & (1 << UInt64(head & 63)) != 0
        let maybeTail = tails[tail >> 6] & (1 << UInt64(tail & 63)) != 0
        guard maybeHead || maybeTail else { return 0 }
        return bytes.withUnsafeBufferPointer { all in
            func equal(_ word: (start: Int, count: Int, bit: UInt8), at offset: Int) -> Bool {
                var k = 0
                while k < word.count && all[word.start + k] == part[offset + k] { k += 1 }
                return k == word.count
            }
            var found: UInt8 = 0
            if maybeHead {  // equal to a word, or starting with a long one
                let first = Int(part[0])
                for w in byFirst[starts[first]..<starts[first + 1]] {
                    let word = words[w]
                    if word.count <= part.count && (word.count == part.count || word.count > 3) && equal(word, at: 0) {
                        found |= word.bit
                    }
                }
            }
            if maybeTail {  // ending with a long one
                let last = Int(part[part.count - 1])
                for w in byLast[ends[last]..<ends[last + 1]] {
                    let word = words[w]
                    if word.count > 3 && word.count < part.count && equal(word, at: part.count - word.count) { found |= word.bit }
                }
            }
            return found
        }
    }
}

/// Builds text from UTF-8 pieces: collapses white space, drops soft hyphens and
/// zero-width characters, trims lines, drops empty lines.
struct TextWriter {
    /// The finished lines, joined by newlines.
    private var out: [UInt8] = []
    private var current: [UInt8] = []
    private var pendingSpace = false

    mutating func append(_ text: UnsafeBufferPointer<UInt8>, preserve: Bool) {
        if preserve {
            var start = 0
            for (k, b) in text.enumerated() where b == 0x0A {
                current.append(contentsOf: text[start..<k])
                newline()
                start = k + 1
            }
            current.append(contentsOf: text[start...])
            return
        }
        var i = 0
        while i < text.count {
            // A run of printable ASCII is copied as it is.
            var end = i
            while end < text.count && text[end] > 0x20 && text[end] < 0x80 { end += 1 }
            if end > i {
                if pendingSpace && !current.isEmpty { current.append(0x20) }
                pendingSpace = false
                current.append(contentsOf: text[i..<end])
                i = end
                continue
            }
            let n = min(UTF8Class.length(text[i]), text.count - i)
            switch UTF8Class.of(text, i, n) {
            case .space:
                pendingSpace = true
            case .ignorable:
                break
            case .comma, .other:
                if pendingSpace && !current.isEmpty { current.append(0x20) }
                pendingSpace = false
                if n == 1 {
                    current.append(text[i])
                } else {
                    current.append(contentsOf: text[i..<i + n])
                }
            }
            i += n
        }
    }

    /// A word separator, as white space in the text would be.
    mutating func space() { pendingSpace = true }

    /// Ends the line: white space trimmed, kept unless empty.
    mutating func newline() {
        current.withUnsafeBufferPointer { line in
            // Leading white space, then trailing: each sequence read from its last byte back.
            var first = 0
            while first < line.count {
                let n = min(UTF8Class.length(line[first]), line.count - first)
                guard UTF8Class.of(line, first, n) == .space else { break }
                first += n
            }
            var end = line.count
            while end > first {
                var start = end - 1
                while start > first && end - start < 4 && line[start] & 0xC0 == 0x80 { start -= 1 }
                guard UTF8Class.length(line[start]) == end - start, UTF8Class.of(line, start, end - start) == .space else { break }
                end = start
            }
            guard end > first else { return }
            if !out.isEmpty { out.append(0x0A) }
            out.append(contentsOf: line[first..<end])
        }
        current.removeAll(keepingCapacity: true)
        pendingSpace = false
    }

    mutating func finish() -> String {
        newline()
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.isSpace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.isSpace })!
        return String(scalars[start...end])
    }
}

extension Unicode.Scalar {
    /// White space: ASCII and the Unicode space separators, without a property lookup.
    var isSpace: Bool {
        switch value {
        case 0x20, 0x09...0x0D, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }
}
