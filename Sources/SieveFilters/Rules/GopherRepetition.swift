import SieveText

/// Gopher's repetition rules (Rae et al. 2021, table A1), as datatrove's
/// `GopherRepetitionFilter` measures them: duplicate paragraphs and lines by count and
/// by characters, the most frequent 2-4-gram's share of the characters, and the share
/// of characters in repeated 5-10-grams. Fractions are of the text's characters.
public struct GopherRepetition: QualityFilter {
    public let name = "gopher_repetition"
    public var dupLineFrac = 0.3
    public var dupParaFrac = 0.3
    public var dupLineCharFrac = 0.2
    public var dupParaCharFrac = 0.2
    public var topNGrams: [(n: Int, fraction: Double)] = [(2, 0.2), (3, 0.18), (4, 0.16)]
    public var dupNGrams: [(n: Int, fraction: Double)] = [(5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10)]

    public init() {}

    public func evaluate(_ text: inout FilterText) -> [RuleFailure] {
        var failures = FailureList(filter: name)
        let points = text.points
        guard !points.isEmpty else { return [RuleFailure(filter: name, rule: "empty", value: 0, threshold: 1)] }
        let length = Double(points.count)
        var set = RangeSet(buffer: points, capacity: 64)

        let paragraphs = PyString.split(PyString.strip(points[...]), onRunsOf: PyString.newline, minimum: 2)
        let (paraDuplicates, paraChars) = Self.duplicates(paragraphs, in: &set)
        let paraFrac = Double(paraDuplicates) / Double(paragraphs.count)
        if dupParaFrac > 0, paraFrac > dupParaFrac { failures.add("dup_para_frac", paraFrac, dupParaFrac) }
        if dupParaCharFrac > 0, Double(paraChars) / length > dupParaCharFrac {
            failures.add("dup_para_char_frac", Double(paraChars) / length, dupParaCharFrac)
        }

        set = set.emptied(capacity: 64)
        let lines = PyString.split(points[...], onRunsOf: PyString.newline, minimum: 1)
        let (lineDuplicates, lineChars) = Self.duplicates(lines, in: &set)
        let lineFrac = Double(lineDuplicates) / Double(lines.count)
        if dupLineFrac > 0, lineFrac > dupLineFrac { failures.add("dup_line_frac", lineFrac, dupLineFrac) }
        if dupLineCharFrac > 0, Double(lineChars) / length > dupLineCharFrac {
            failures.add("dup_line_char_frac", Double(lineChars) / length, dupLineCharFrac)
        }

        let words = text.words()
        guard words.count > 0 else { return failures.all }
        // Words are interned: an n-gram joined with spaces is the sequence of its words.
        var wordSet = RangeSet(buffer: words.characters, capacity: words.count)
        let ids = (0..<words.count).map { wordSet.insert(words.bounds[$0]..<words.bounds[$0 + 1]).index }
        let lengths = (0..<words.count).map { words.bounds[$0 + 1] - words.bounds[$0] }
        for (n, fraction) in topNGrams where n >= 1 && words.count >= n {
            let top = Self.topNGramCharacters(ids: ids, lengths: lengths, n: n)
            if Double(top) / length > fraction { failures.add("top_\(n)_gram", Double(top) / length, fraction) }
        }
        var gramSet = wordSet.emptied(capacity: words.count)
        for (n, fraction) in dupNGrams where n >= 1 {
            gramSet = gramSet.emptied(capacity: words.count)
            let repeated = Self.repeatedNGramCharacters(words, n: n, set: &gramSet)
            if Double(repeated) / length > fraction { failures.add("dup_\(n)_gram", Double(repeated) / length, fraction) }
        }
        return failures.all
    }

    /// datatrove's `find_duplicates`: elements seen before, and their characters.
    static func duplicates(_ elements: [Range<Int>], in set: inout RangeSet) -> (Int, Int) {
        var count = 0, chars = 0
        for r in elements where set.insert(r).seen {
            count += 1
            chars += r.count
        }
        return (count, chars)
    }

    /// datatrove's `find_top_duplicate`: the most frequent n-gram (the first seen of
    /// equally frequent ones, as `Counter.most_common(1)`), its length with the spaces
    /// between words, times its count.
    static func topNGramCharacters(ids: [Int], lengths: [Int], n: Int) -> Int {
        // Open addressing over n-gram start positions, keyed by the n word ids.
        var size = 16
        while size < ids.count * 2 { size <<= 1 }
        let mask = size - 1
        var slots = [Int32](repeating: -1, count: size)
        var counts = [Int32](repeating: 0, count: ids.count)   // by first position
        var best = (count: Int32(0), first: Int.max)
        for i in 0...(ids.count - n) {
            var h: UInt64 = 0x9E3779B97F4A7C15
            for k in i..<(i + n) { h = (h ^ UInt64(ids[k])) &* 0xBF58476D1CE4E5B9; h ^= h >> 27 }
            var slot = Int(truncatingIfNeeded: h) & mask
            var first = i
            while true {
                let f = Int(slots[slot])
                if f < 0 { slots[slot] = Int32(i); break }
                if ids[f..<(f + n)].elementsEqual(ids[i..<(i + n)]) { first = f; break }
                slot = (slot + 1) & mask
            }
            counts[first] += 1
            let count = counts[first]
            if count > best.count || (count == best.count && first < best.first) { best = (count, first) }
        }
        let chars = lengths[best.first..<(best.first + n)].reduce(n - 1, +)
        return chars * Int(best.count)
    }

    /// datatrove's `find_all_duplicate`: n-grams joined without separators; a repeat
    /// adds its characters and skips past itself.
    static func repeatedNGramCharacters(_ words: WordList, n: Int, set: inout RangeSet) -> Int {
        var repeated = 0
        var i = 0
        while i < words.count - n + 1 {
            let r = words.bounds[i]..<words.bounds[i + n]
            if set.insert(r).seen {
                repeated += r.count
                i += n
            } else {
                i += 1
            }
        }
        return repeated
    }
}

