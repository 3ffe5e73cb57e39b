import SieveCore
import SieveText

/// The model's features: hashed character n-grams of orders 1-5 and whole words, over
/// the text lowercased, with every run of non-letters (spaces, digits, punctuation)
/// collapsed into one boundary symbol so that n-grams see word starts and ends. Scripts
/// without spaces give long "words" whose n-grams carry the signal.
enum Features {
    static let maxOrder = 5
    /// Longest text scored, in UTF-8 bytes; longer texts are scored on `windowCount`
    /// windows spread evenly over the whole text, so cost stays linear and bounded.
    static let scoredBytes = 65_536
    static let windowCount = 8

    static let boundary: UInt32 = 0x20
    private static let seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    private static let wordSalt: UInt64 = 0xC2B2_AE3D_27D4_EB4F

    @inline(__always)
    static func mix(_ h: UInt64, _ symbol: UInt32) -> UInt64 {
        (h ^ UInt64(symbol)) &* 0x0000_0100_0000_01B3
    }

    @inline(__always)
    static func finish(_ h: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: fmix64(h)) }

    /// The byte ranges of `count` bytes that are scored: all of it when short enough,
    /// else `windowCount` windows cut at UTF-8 character starts.
    static func windows(_ text: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        let count = text.count
        guard count > scoredBytes else { return [0..<count] }
        let size = scoredBytes / windowCount
        let step = (count - size) / (windowCount - 1)
        func start(_ i: Int) -> Int {
            var i = min(i, count)
            while i < count && text[i] & 0xC0 == 0x80 { i += 1 }
            return i
        }
        return (0..<windowCount).map { w in start(w * step)..<start(w * step + size) }
    }

    /// Appends the feature hashes of `text[range]` to `out`; returns how many. Only letters
    /// of the scripts in `scripts` (a table by ICU script code, `ScriptTables.members`)
    /// count as letters: a group's scorer sees its own script, so that English words in
    /// a Russian text add nothing to its Cyrillic features.
    @discardableResult
    static func extract(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, tables: ScriptTables,
                        scripts members: [Bool], into out: inout [UInt32]) -> Int {
        let before = out.count
        let classes = tables.classes, lower = tables.lower, scripts = tables.scripts
        // At most five features a symbol (itself, four longer n-grams; at a boundary the
        // word and four n-grams), and at most one symbol a byte, plus the final boundary:
        // room for all of them up front, written through a pointer, the rest cut off.
        let room = 5 * (range.count + 1)
        out.append(contentsOf: repeatElement(0, count: room))
        var written = 0
        // The last four symbols, most recent first; starts after a boundary.
        var h0: UInt32 = boundary, h1: UInt32 = 0, h2: UInt32 = 0, h3: UInt32 = 0
        var history = 1
        var word = seed
        var wordLength = 0
        var i = range.lowerBound
        let end = range.upperBound
        classes.withUnsafeBufferPointer { classes in
            lower.withUnsafeBufferPointer { lower in
                out.withUnsafeMutableBufferPointer { all in
                    let features = all.baseAddress! + before
                    @inline(__always)
                    func emit(_ feature: UInt32) {
                        features[written] = feature
                        written += 1
                    }
                    func push(_ symbol: UInt32) {
                        if symbol == boundary {
                            if h0 == boundary { return }
                            if wordLength > 0 { emit(finish(word ^ wordSalt)) }
                            word = seed
                            wordLength = 0
                        } else {
                            word = mix(word, symbol)
                            wordLength += 1
                        }
                        var h = mix(seed, symbol)
                        if symbol != boundary { emit(finish(h)) }
                        if history > 0 { h = mix(h, h0); emit(finish(h)) }
                        if history > 1 { h = mix(h, h1); emit(finish(h)) }
                        if history > 2 { h = mix(h, h2); emit(finish(h)) }
                        if history > 3 { h = mix(h, h3); emit(finish(h)) }
                        h3 = h2; h2 = h1; h1 = h0; h0 = symbol
                        if history < 4 { history += 1 }
                    }
                    while i < end {
                        let (scalar, length) = UTF8Scalars.decode(text, at: i)
                        i += length
                        if classes[Int(scalar)] == ScriptTables.letter && members[Int(scripts[Int(scalar)])] {
                            push(scalar < 0x10000 ? UInt32(lower[Int(scalar)]) : scalar)
                        } else {
                            push(boundary)
                        }
                    }
                    push(boundary)
                }
            }
        }
        precondition(written <= room)
        out.removeLast(room - written)
        return out.count - before
    }
}
