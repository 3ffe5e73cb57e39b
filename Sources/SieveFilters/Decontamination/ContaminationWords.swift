import SieveText

/// The words that decontamination compares, as 64-bit hashes: the text case folded
/// (Python's `str.lower()`), with punctuation, symbols and white space as separators, so
/// re-cased, re-punctuated and re-wrapped copies of a passage give the same words. A
/// word character is `\w` of the `regex` module (letters, marks, digits, connector
/// punctuation). On text without punctuation the filters' Treebank splitter cuts at white
/// space only, so these are its words; runs in scripts written without spaces (Han, kana,
/// Thai, Lao, Khmer, Myanmar) are cut by ICU's dictionary word breaks, as the filters cut
/// those languages.
enum ContaminationWords {
    /// Appends each word's hash to `out`, in order. (No closures over the loop's state:
    /// captured variables would be checked for exclusive access on every character.)
    static func hashes(of text: String, into out: inout [UInt64]) {
        var text = text
        var current: [UInt32] = []
        current.reserveCapacity(64)
        var nonASCII = false, unspaced = false
        text.withUTF8 { bytes in
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                if b < 0x80 {
                    i += 1
                    if b >= 0x61 && b <= 0x7A || b >= 0x30 && b <= 0x39 || b == 0x5F {
                        current.append(UInt32(b))
                    } else if b >= 0x41 && b <= 0x5A {
                        current.append(UInt32(b | 0x20))
                    } else if !current.isEmpty {
                        end(&current, &nonASCII, &unspaced, &out)
                    }
                    continue
                }
                let (c, length) = UTF8Scalars.decode(bytes, at: i)
                i += length
                if CharacterClasses.isRegexWord(c) {
                    current.append(c)
                    nonASCII = true
                    if isUnspaced(c) { unspaced = true }
                } else if !current.isEmpty {
                    end(&current, &nonASCII, &unspaced, &out)
                }
            }
        }
        if !current.isEmpty { end(&current, &nonASCII, &unspaced, &out) }
    }

    /// The word in `current` ends: its hash (or its ICU words' hashes) goes to `out`.
    private static func end(_ current: inout [UInt32], _ nonASCII: inout Bool, _ unspaced: inout Bool, _ out: inout [UInt64]) {
        if !nonASCII {
            out.append(hash(current[...]))
        } else {
            let lower = CharacterClasses.lowercased(current[...])
            if unspaced {
                for span in WordSplitter.icuWordSpans(lower, locale: "root") { out.append(hash(lower[span])) }
            } else {
                out.append(hash(lower[...]))
            }
        }
        current.removeAll(keepingCapacity: true)
        nonASCII = false
        unspaced = false
    }

    /// Scripts written without spaces between words.
    @inline(__always) static func isUnspaced(_ c: UInt32) -> Bool {
        (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3FFFF)
            || (c >= 0x0E00 && c <= 0x0EFF) || (c >= 0x1780 && c <= 0x17FF) || (c >= 0x1000 && c <= 0x109F)
    }

    @inline(__always) static func hash(_ word: ArraySlice<UInt32>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for c in word { h = (h ^ UInt64(c)) &* 0x0000_0100_0000_01B3 }
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        return h
    }

    /// The hash of n consecutive word hashes (order matters); never 0, which marks an
    /// empty slot of `ContaminationIndex`.
    @inline(__always) static func ngram(_ words: UnsafePointer<UInt64>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<n {
            h = (h ^ words[i]) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
        }
        return h == 0 ? 1 : h
    }
}
