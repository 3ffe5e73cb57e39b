/// NLTK's `NLTKWordTokenizer` (the improved Treebank tokenizer that `word_tokenize`
/// runs on each sentence), ported rule by rule: each regular-expression substitution of
/// nltk 3.10's `destructive.py`, in order, as a scan over code points. Where NLTK uses
/// the `regex` module its `\w` and `\s` are used here; the contraction rules use the
/// standard `re` module and its `\w`.
public enum TreebankWordTokenizer {
    public static func tokenize(_ sentence: ArraySlice<UInt32>) -> [ArraySlice<UInt32>] {
        var t = Array(sentence)
        // Starting quotes.
        t = padQuotesAndBackticks(t)
        if t.first == q2 { t.replaceSubrange(0..<1, with: [bt, bt]) }
        t = replaceAll(t, [bt, bt]) { [sp, bt, bt, sp] }
        t = openingDoubleQuotes(t)
        t = openingSingleQuotes(t)
        // Punctuation.
        t = finalPeriod(t, possessiveClass: true)
        t = commaColon(t)
        t = trailingCommaColon(t)
        t = padRuns(t, of: dot, minimum: 2)
        t = pad(t) { $0 == 0x3B || $0 == 0x40 || $0 == 0x23 || $0 == 0x24 || $0 == 0x25 || $0 == 0x26 }
        t = pad(t) { $0 >= 0x2012 && $0 <= 0x2015 }
        t = finalPeriod(t, possessiveClass: false)
        t = pad(t) { $0 == 0x3F || $0 == 0x21 }
        t = quoteBeforeSpace(t)
        t = pad(t) { $0 == 0x2A }
        // Brackets and double dashes.
        t = pad(t) {
            switch $0 {
            case 0x5D, 0x5B, 0x28, 0x29, 0x7B, 0x7D, 0x3C, 0x3E: return true
            default: return false
            }
        }
        t = replaceAll(t, [0x2D, 0x2D]) { [sp, 0x2D, 0x2D, sp] }
        t.insert(sp, at: 0)
        t.append(sp)
        // Ending quotes.
        t = pad(t) { $0 == 0xBB || $0 == 0x201D || $0 == 0x2019 }
        t = replaceAll(t, [q1, q1]) { [sp, q1, q1, sp] }
        t = replaceAll(t, [q2]) { [sp, q1, q1, sp] }
        t = collapseSpaces(t)
        t = clitics(t)
        t = contractions(t)
        // `str.split()`
        var out: [ArraySlice<UInt32>] = []
        var i = 0
        let n = t.count
        while i < n {
            while i < n, CharacterClasses.isSpace(t[i]) { i += 1 }
            let s = i
            while i < n, !CharacterClasses.isSpace(t[i]) { i += 1 }
            if i > s { out.append(t[s..<i]) }
        }
        return out
    }

    static let sp: UInt32 = 0x20, q1: UInt32 = 0x27, q2: UInt32 = 0x22, bt: UInt32 = 0x60, dot: UInt32 = 0x2E

    /// `([«“‘„]|[`]+)` → ` \1 `
    static func padQuotesAndBackticks(_ t: [UInt32]) -> [UInt32] {
        guard t.contains(where: { $0 == bt || $0 == 0xAB || $0 == 0x201C || $0 == 0x2018 || $0 == 0x201E }) else { return t }
        var o: [UInt32] = []; o.reserveCapacity(t.count + 8)
        var i = 0
        while i < t.count {
            let c = t[i]
            if c == 0xAB || c == 0x201C || c == 0x2018 || c == 0x201E {
                o += [sp, c, sp]; i += 1
            } else if c == bt {
                var e = i
                while e < t.count, t[e] == bt { e += 1 }
                o.append(sp); o += t[i..<e]; o.append(sp); i = e
            } else { o.append(c); i += 1 }
        }
        return o
    }

    /// Every non-overlapping `needle`, left to right, replaced.
    static func replaceAll(_ t: [UInt32], _ needle: [UInt32], _ with: () -> [UInt32]) -> [UInt32] {
        guard let first = needle.first, t.contains(first) else { return t }
        var o: [UInt32] = []; o.reserveCapacity(t.count + 8)
        let replacement = with()
        var i = 0
        let m = needle.count
        while i < t.count {
            if t[i] == first, i + m <= t.count, t[i..<(i + m)].elementsEqual(needle) {
                o += replacement; i += m
            } else { o.append(t[i]); i += 1 }
        }
        return o
    }

    /// Every character matching `where` gets a space on each side.
    static func pad(_ t: [UInt32], _ matches: (UInt32) -> Bool) -> [UInt32] {
        guard t.contains(where: matches) else { return t }
        var o: [UInt32] = []; o.reserveCapacity(t.count + 8)
        for c in t {
            if matches(c) { o += [sp, c, sp] } else { o.append(c) }
        }
        return o
    }

    /// `\.{2,}` → ` \g<0> `
    static func padRuns(_ t: [UInt32], of c: UInt32, minimum: Int) -> [UInt32] {
        guard let first = t.firstIndex(of: c), t[first...].dropFirst().contains(c) else { return t }
        var o: [UInt32] = []; o.reserveCapacity(t.count + 8)
        var i = 0
        var changed = false
        while i < t.count {
            if t[i] == c {
                var e = i
                while e < t.count, t[e] == c { e += 1 }
                if e - i >= minimum { o.append(sp); o += t[i..<e]; o.append(sp); changed = true } else { o += t[i..<e] }
                i = e
            } else { o.append(t[i]); i += 1 }
        }
        return changed ? o : t
    }

    /// `([ \(\[{<])(\"|\'{2})` → `\1 `` `
    static func openingDoubleQuotes(_ t: [UInt32]) -> [UInt32] {
        guard t.contains(q2) || t.contains(q1) else { return t }
        var o: [UInt32] = []; o.reserveCapacity(t.count + 8)
        var i = 0
        while i < t.count {
            let c = t[i]
            if c == sp || c == 0x28 || c == 0x5B || c == 0x7B || c == 0x3C, i + 1 < t.count {
                if t[i + 1] == q2 { o += [c, sp, bt, bt, sp]; i += 2; continue }
                if t[i + 1] == q1, i + 2 < t.count, t[i + 2] == q1 { o += [c, sp, bt, bt, sp]; i += 3; continue }
            }
            o.append(c); i += 1
        }
        return o
    }

    /// `(?i)(?<!\w)(\')(?!(?:re|ve|ll|m|t|s|d|n)\b)(?=\w)` → `\1 `
    static func openingSingleQuotes(_ t: [UInt32]) -> [UInt32] {
        guard t.contains(q1) else { return t }
        var o: [UInt32] = []; o.reserveCapacity(t.count + 8)
        let endings = cliticEndings
        for i in t.indices {
            o.append(t[i])
            guard t[i] == q1, i + 1 < t.count, CharacterClasses.isRegexWord(t[i + 1]),
                  i == 0 || !CharacterClasses.isRegexWord(t[i - 1]) else { continue }
            let clitic = endings.contains { ending in
                let e = i + 1 + ending.count
                guard e <= t.count else { return false }
                for (k, letter) in ending.enumerated() where !regexCaselessEqual(t[i + 1 + k], letter) { return false }
                return e == t.count || !CharacterClasses.isRegexWord(t[e])
            }
            if !clitic { o.append(sp) }
        }
        return o
    }

    /// The final period: `([^\.])(\.)([\]\)}>"\'»”’ ]*+)\s*$` → `\1 \2 \3 ` (possessive,
    /// with curly quotes and space in the class) or `([^\.])(\.)([\]\)}>"\']*)\s*$` →
    /// `\1 \2\3 `.
    static func finalPeriod(_ t: [UInt32], possessiveClass: Bool) -> [UInt32] {
        guard let d = t.lastIndex(of: dot), d >= 1, t[d - 1] != dot else { return t }
        var j = d + 1
        while j < t.count {
            let c = t[j]
            let inClass = c == 0x5D || c == 0x29 || c == 0x7D || c == 0x3E || c == q2 || c == q1
                || (possessiveClass && (c == 0xBB || c == 0x201D || c == 0x2019 || c == sp))
            if !inClass { break }
            j += 1
        }
        var k = j
        while k < t.count, CharacterClasses.isRegexSpace(t[k]) { k += 1 }
        guard k == t.count else { return t }
        var o = Array(t[..<d])
        if possessiveClass { o += [sp, dot, sp] } else { o += [sp, dot] }
        o += t[(d + 1)..<j]
        o.append(sp)
        return o
    }

    /// `([:,])([^\d])` → ` \1 \2`
    static func commaColon(_ t: [UInt32]) -> [UInt32] {
        guard t.contains(where: { $0 == 0x2C || $0 == 0x3A }) else { return t }
        var o: [UInt32] = []; o.reserveCapacity(t.count + 8)
        var i = 0
        while i < t.count {
            let c = t[i]
            if c == 0x2C || c == 0x3A, i + 1 < t.count, !CharacterClasses.isDecimal(t[i + 1]) {
                o += [sp, c, sp, t[i + 1]]; i += 2
            } else { o.append(c); i += 1 }
        }
        return o
    }

    /// `([:,])$` → ` \1 ` (`$`: the end, or before a final newline)
    static func trailingCommaColon(_ t: [UInt32]) -> [UInt32] {
        var p = t.count - 1
        if p >= 0, t[p] == 0x0A { p -= 1 }
        guard p >= 0, t[p] == 0x2C || t[p] == 0x3A else { return t }
        var o = Array(t[..<p])
        o += [sp, t[p], sp]
        o += t[(p + 1)...]
        return o
    }

    /// `([^'])' ` → `\1 ' `
    static func quoteBeforeSpace(_ t: [UInt32]) -> [UInt32] {
        guard t.contains(q1) else { return t }
        var o: [UInt32] = []; o.reserveCapacity(t.count + 8)
        var i = 0
        while i < t.count {
            let c = t[i]
            if c != q1, i + 2 < t.count, t[i + 1] == q1, t[i + 2] == sp {
                o += [c, sp, q1, sp]; i += 3
            } else { o.append(c); i += 1 }
        }
        return o
    }

    /// `\s+` → ` `
    static func collapseSpaces(_ t: [UInt32]) -> [UInt32] {
        var clean = true
        for (i, c) in t.enumerated() where CharacterClasses.isRegexSpace(c) {
            if c != sp || (i > 0 && t[i - 1] == sp) { clean = false; break }
        }
        if clean { return t }
        var o: [UInt32] = []; o.reserveCapacity(t.count)
        var i = 0
        while i < t.count {
            if CharacterClasses.isRegexSpace(t[i]) {
                while i < t.count, CharacterClasses.isRegexSpace(t[i]) { i += 1 }
                o.append(sp)
            } else { o.append(t[i]); i += 1 }
        }
        return o
    }

    /// `([^' ])('[sS]|'[mM]|'[dD]|') ` → `\1 \2 ` and
    /// `([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ` → `\1 \2 `
    static func clitics(_ text: [UInt32]) -> [UInt32] {
        guard text.contains(q1) else { return text }
        var t = text
        var o: [UInt32] = []; o.reserveCapacity(t.count + 8)
        var i = 0
        while i < t.count {
            let c = t[i]
            if c != q1, c != sp, i + 2 < t.count, t[i + 1] == q1 {
                let x = t[i + 2]
                if x == 0x73 || x == 0x53 || x == 0x6D || x == 0x4D || x == 0x64 || x == 0x44, i + 3 < t.count, t[i + 3] == sp {
                    o += [c, sp, q1, x, sp]; i += 4; continue
                }
                if x == sp { o += [c, sp, q1, sp]; i += 3; continue }
            }
            o.append(c); i += 1
        }
        t = o
        o = []; o.reserveCapacity(t.count + 8)
        i = 0
        let pairs = cliticPairs
        while i < t.count {
            let c = t[i]
            if c != q1, c != sp, i + 4 < t.count, t[i + 4] == sp,
               pairs.contains(where: { t[(i + 1)..<(i + 4)].elementsEqual($0) }) {
                o.append(c); o.append(sp); o += t[(i + 1)..<(i + 4)]; o.append(sp); i += 5
            } else { o.append(c); i += 1 }
        }
        return o
    }

    /// The MacIntyre contractions, with Python `re`'s `\b` and case folding:
    /// `(?i)\b(can)(not)\b` → ` \1 \2 ` and the like, then `(?i) ('t)(is)\b`. NLTK runs
    /// one regular expression after the other; each matches a whole word only, and the
    /// pieces of a split word match none of them, so one pass finds the same words.
    static func contractions(_ t: [UInt32]) -> [UInt32] {
        var o: [UInt32] = []
        var copied = 0
        var i = 0
        let n = t.count
        while i < n {
            let c = t[i] | 0x20
            guard c == 0x63 || c == 0x64 || c == 0x67 || c == 0x6C || c == 0x6D || c == 0x77,
                  t[i] < 0x80, i == 0 || !CharacterClasses.isReWord(t[i - 1]) else { i += 1; continue }
            var matched = false
            for (pattern, split, lookaheadSpace) in contractionPairs where pattern[0] == c {
                let e = i + pattern.count
                guard e <= n else { continue }
                var k = 1
                while k < pattern.count, reCaselessEqual(t[i + k], pattern[k]) { k += 1 }
                guard k == pattern.count, lookaheadSpace ? (e < n && CharacterClasses.isSpace(t[e]))
                                                         : (e == n || !CharacterClasses.isReWord(t[e])) else { continue }
                o += t[copied..<i]
                o.append(sp); o += t[i..<(i + split)]; o.append(sp); o += t[(i + split)..<e]; o.append(sp)
                i = e
                copied = e
                matched = true
                break
            }
            if !matched { i += 1 }
        }
        var out = copied == 0 ? t : o + t[copied...]
        if out.contains(q1) {
            for b in [[0x69, 0x73], [0x77, 0x61, 0x73]] as [[UInt32]] { out = splitTis(out, b) }
        }
        return out
    }

    /// What `openingSingleQuotes` leaves attached, and the three-letter clitics.
    static let cliticEndings: [[UInt32]] = ["re", "ve", "ll", "m", "t", "s", "d", "n"].map { $0.unicodeScalars.map(\.value) }
    static let cliticPairs: [[UInt32]] = ["'ll", "'LL", "'re", "'RE", "'ve", "'VE", "n't", "N'T"].map { $0.unicodeScalars.map(\.value) }

    static let contractionPairs: [(pattern: [UInt32], split: Int, lookaheadSpace: Bool)] = [
        ("can", "not", false), ("d", "'ye", false), ("gim", "me", false), ("gon", "na", false),
        ("got", "ta", false), ("lem", "me", false), ("more", "'n", false), ("wan", "na", true),
    ].map { (Array(($0.0 + $0.1).unicodeScalars.map(\.value)), $0.0.unicodeScalars.count, $0.2) }

    /// `(?i) ('t)(is)\b` → ` \1 \2 `
    static func splitTis(_ t: [UInt32], _ b: [UInt32]) -> [UInt32] {
        let pattern: [UInt32] = [sp, q1, 0x74] + b
        let m = pattern.count
        var o: [UInt32] = []
        var i = 0
        var changed = false
        while i < t.count {
            if i + m <= t.count, zip(t[i..<(i + m)], pattern).allSatisfy({ reCaselessEqual($0, $1) }),
               i + m == t.count || !CharacterClasses.isReWord(t[i + m]) {
                if !changed { o = Array(t[..<i]); changed = true }
                o.append(sp); o += t[(i + 1)..<(i + 3)]; o.append(sp); o += t[(i + 3)..<(i + m)]; o.append(sp)
                i += m
                continue
            }
            if changed { o.append(t[i]) }
            i += 1
        }
        return changed ? o : t
    }

    /// Case-insensitive equality of `c` with the ASCII `letter` in Python's `re`
    /// (which also folds ı and İ to i, ſ to s, the Kelvin sign to k).
    static func reCaselessEqual(_ c: UInt32, _ letter: UInt32) -> Bool {
        if c == letter { return true }
        if letter >= 0x61 && letter <= 0x7A, c == letter - 0x20 { return true }
        switch letter {
        case 0x69: return c == 0x131 || c == 0x130
        case 0x73: return c == 0x17F
        case 0x6B: return c == 0x212A
        default: return false
        }
    }

    /// The same for the `regex` module, which folds İ to i and ſ to s but not ı.
    static func regexCaselessEqual(_ c: UInt32, _ letter: UInt32) -> Bool {
        if c == letter { return true }
        if letter >= 0x61 && letter <= 0x7A, c == letter - 0x20 { return true }
        switch letter {
        case 0x69: return c == 0x130
        case 0x73: return c == 0x17F
        case 0x6B: return c == 0x212A
        default: return false
        }
    }
}
