import SieveText

/// E-mail addresses as datatrove's `PIIFormatter` finds them: its regular expression
///
///     \b[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@
///     (?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?|\[…\])
///
/// matched by hand with Python's leftmost-first semantics: for each `@`, the leftmost
/// start of a valid local part at a word boundary (`\b` of Python's `re`, on code
/// points), then the greedy domain with its backtracking. The bracketed IP-literal
/// domain (`user@[1.2.3.4]`, with its odd `[1.2.3.tag:]` form) is the second
/// alternative, as in the expression.
enum EmailAddresses {
    /// `[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]`
    static let atext: [Bool] = (0..<256).map { b in
        ASCII.isAlnum(UInt8(b)) || "!#$%&'*+/=?^_`{|}~-".utf8.contains(UInt8(b))
    }

    /// The matches in `text`, as byte ranges, in order.
    static func find(_ text: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var from = 0
        var at = 0
        while at < text.count {
            guard let a = (at..<text.count).first(where: { text[$0] == 0x40 }) else { break }
            at = a + 1
            guard a > from, let end = domainEnd(text, a + 1) ?? bracketEnd(text, a + 1) else { continue }
            // The run of local-part characters before the @, not before the last match.
            var r = a
            while r > from && (atext[Int(text[r - 1])] || text[r - 1] == 0x2E) { r -= 1 }
            guard r < a, text[a - 1] != 0x2E else { continue }
            // The leftmost start: not a dot, no ".." after it, at a word boundary.
            var lastDoubleDot = r - 1
            for i in r..<(a - 1) where text[i] == 0x2E && text[i + 1] == 0x2E { lastDoubleDot = i + 1 }
            var start: Int? = nil
            var s = max(r, lastDoubleDot + 1)
            while s < a {
                if text[s] != 0x2E && isBoundary(text, s) {
                    start = s
                    break
                }
                s += 1
            }
            guard let start else { continue }
            found.append(start..<end)
            from = end
            at = end
        }
        return found
    }

    /// Where `(?:label\.)+label` starting at `p` ends, with the regex's backtracking.
    static func domainEnd(_ text: UnsafeBufferPointer<UInt8>, _ p: Int) -> Int? {
        var q = p
        var dots: [Int] = []  // the position of each "label." iteration's dot
        while true {
            guard q < text.count, ASCII.isAlnum(text[q]) else { break }
            var e = q
            while e < text.count && (ASCII.isAlnum(text[e]) || text[e] == 0x2D) { e += 1 }
            // The label ends at the run's last alphanumeric character.
            var last = e
            while last > q && text[last - 1] == 0x2D { last -= 1 }
            if last == e && e < text.count && text[e] == 0x2E {
                dots.append(e)
                q = e + 1
                continue
            }
            // No dot after it: this is the final label, if one "label." came before.
            return dots.isEmpty ? nil : last
        }
        // Nothing label-like after the last dot: the last iteration's label is the final one.
        return dots.count >= 2 ? dots[dots.count - 1] : nil
    }

    /// `\[(?:octet\.){3}(?:octet|[A-Za-z0-9-]*[A-Za-z0-9]:)]` from `p`, with backtracking.
    static func bracketEnd(_ text: UnsafeBufferPointer<UInt8>, _ p: Int) -> Int? {
        guard p < text.count, text[p] == 0x5B else { return nil }
        func octets(_ q: Int, _ done: Int) -> Int? {
            if done == 3 {
                for length in IPAddresses.octetLengths(text, q) where q + length < text.count && text[q + length] == 0x5D {
                    return q + length + 1
                }
                // The tag form: [A-Za-z0-9-]*[A-Za-z0-9] then ":]".
                var e = q
                while e < text.count && (ASCII.isAlnum(text[e]) || text[e] == 0x2D) { e += 1 }
                var last = e
                while last > q {
                    if ASCII.isAlnum(text[last - 1]) && last + 1 < text.count && text[last] == 0x3A && text[last + 1] == 0x5D { return last + 2 }
                    last -= 1
                }
                return nil
            }
            for length in IPAddresses.octetLengths(text, q) where q + length < text.count && text[q + length] == 0x2E {
                if let end = octets(q + length + 1, done + 1) { return end }
            }
            return nil
        }
        return octets(p + 1, 0)
    }

    /// `\b` of Python's `re` before byte `i`: one side a word character, the other not.
    static func isBoundary(_ text: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        isWord(text, at: i) != (i > 0 && isWord(text, before: i))
    }

    static func isWord(_ text: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        let b = text[i]
        if b < 0x80 { return ASCII.isAlnum(b) || b == 0x5F }
        return CharacterClasses.isReWord(UTF8Scalars.decode(text, at: i).0)
    }

    static func isWord(_ text: UnsafeBufferPointer<UInt8>, before i: Int) -> Bool {
        var j = i - 1
        while j > 0 && text[j] & 0xC0 == 0x80 { j -= 1 }
        return isWord(text, at: j)
    }
}
