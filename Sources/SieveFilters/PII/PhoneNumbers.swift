/// Phone numbers, in the forms people write them, conservatively (a number that could
/// be a date, a price or an identifier is left alone):
/// - international: `+` and a country code, then 8 to 15 digits in all, in groups split
///   by spaces, hyphens, dots, slashes or a parenthesized area code;
/// - North American: `(212) 555-0182`, `212-555-0182`, `212.555.0182`, with an optional
///   leading `1`; area code and exchange starting with 2 to 9;
/// - national with a trunk 0: 10 or 11 digits starting with 0 in two or more groups of 2
///   to 5 split by spaces, hyphens, dots or slashes (`06 12 34 56 78`, `020 7946 0958`,
///   `030 1234567`, `03-1234-5678`).
/// A number must not touch letters or other digits.
enum PhoneNumbers {
    static func isSeparator(_ b: UInt8) -> Bool { b == 0x20 || b == 0x2D || b == 0x2E || b == 0x2F }

    static func find(_ text: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var p = 0
        while p < text.count {
            let b = text[p]
            guard b == 0x2B || b == 0x28 || ASCII.isDigit(b), p == 0 || !(ASCII.isAlnum(text[p - 1]) || text[p - 1] == 0x2B || text[p - 1] == 0x2D || text[p - 1] == 0x2E || text[p - 1] == 0x2F) else {
                p += 1
                continue
            }
            if let end = match(text, p) {
                found.append(p..<end)
                p = end
            } else {
                p += 1
            }
        }
        return found
    }

    /// The groups of digits from `p`: (digit groups, end, separators used, parenthesized first group).
    static func groups(_ text: UnsafeBufferPointer<UInt8>, _ p: Int) -> (groups: [Int], end: Int, separators: [UInt8], parenthesized: Int?) {
        var groups: [Int] = [], separators: [UInt8] = [], parenthesized: Int? = nil
        var e = p, group = 0
        while e < text.count {
            let b = text[e]
            if ASCII.isDigit(b) {
                group += 1
                e += 1
            } else if b == 0x28 && group == 0 && parenthesized == nil, let close = (e + 1..<min(text.count, e + 7)).first(where: { text[$0] == 0x29 }),
                      close > e + 1, (e + 1..<close).allSatisfy({ ASCII.isDigit(text[$0]) }) {
                // "(212)": a group of its own, then an optional space.
                parenthesized = groups.count
                groups.append(close - e - 1)
                e = close + 1
                if e < text.count && (text[e] == 0x20 || text[e] == 0x2D) { separators.append(text[e]); e += 1 }
            } else if group > 0 && isSeparator(b) && e + 1 < text.count && (ASCII.isDigit(text[e + 1]) || text[e + 1] == 0x28) {
                groups.append(group)
                separators.append(b)
                group = 0
                e += 1
                if b == 0x20 && e < text.count && text[e] == 0x28 { continue }
            } else {
                break
            }
        }
        if group > 0 { groups.append(group) }
        return (groups, e, separators, parenthesized)
    }

    static func match(_ text: UnsafeBufferPointer<UInt8>, _ p: Int) -> Int? {
        let international = text[p] == 0x2B
        let start = international ? p + 1 : p
        guard start < text.count, ASCII.isDigit(text[start]) || (!international && text[start] == 0x28) else { return nil }
        let (g, groupsEnd, separators, parenthesized) = groups(text, start)
        var end = groupsEnd
        // Never end on a separator, never touch a letter or digit.
        guard !g.isEmpty, end == text.count || !(ASCII.isAlnum(text[end]) || text[end] == 0x2D || text[end] == 0x40) else { return nil }
        // A trailing "." after the last group is a full stop, not part of the number.
        while end > p && !ASCII.isDigit(text[end - 1]) { end -= 1 }
        let digits = g.reduce(0, +)
        let first = text[start] == 0x28 ? text[start + 1] : text[start]
        if international {
            guard first != 0x30, (8...15).contains(digits), g.count >= 2 || digits >= 10 else { return nil }
            guard g.allSatisfy({ $0 <= 10 }) else { return nil }
            return end
        }
        // North American: [1 ]AAA EEE NNNN in groups of 3, 3 and 4.
        var h = g, seps = separators
        if h.count == 4 && h[0] == 1 && first == 0x31 && parenthesized != 0 {
            h.removeFirst()
            seps.removeFirst()
        }
        if h == [3, 3, 4] {
            let all = (start..<end).filter { ASCII.isDigit(text[$0]) }.map { text[$0] }
            let number = all.count == 11 ? Array(all.dropFirst()) : all
            let sameSeparator = Set(seps.suffix(2)).count == 1 && seps.last != 0x2F
            if number[0] >= 0x32 && number[3] >= 0x32 && (parenthesized != nil || sameSeparator) { return end }
        }
        // National with a trunk 0.
        if first == 0x30 && text[start] != 0x28, (10...11).contains(digits), g.count >= 2, (2...5).contains(g[0]),
           g.allSatisfy({ (2...8).contains($0) }), Set(separators).count == 1 {
            return end
        }
        return nil
    }
}
