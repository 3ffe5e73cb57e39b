import CICUShim
import SieveCore
import SieveText

/// What a shingle is made of.
public enum ShingleUnit: String, Sendable, Codable, CaseIterable {
    /// n consecutive words (default: 5, FineWeb's setting).
    case word
    /// n consecutive characters of the normalized text, spaces included.
    case character
}

/// Turns a document's text into the 64-bit hashes of its shingles.
///
/// Normalization, so that trivial edits do not hide a duplicate: text is lowercased
/// (Python's `str.lower`), every run of characters that are not word characters
/// (`\w` of the `regex` module: letters, marks, digits, connectors) separates words, and
/// every run of decimal digits becomes `0`. Runs of Han, kana, Thai, Lao, Khmer and
/// Myanmar characters, the scripts of the languages `languages/registry.tsv` segments
/// by dictionary, are cut into words by ICU's dictionary word breaks.
///
/// Hashes (docs/dedup.md): a word is XXH64 (seed 0) of its code points as UTF-32LE; a
/// word shingle is XXH64 (seed 0) of its n word hashes as 8n little-endian bytes; a
/// character shingle is XXH64 of its n code points as UTF-32LE. A text with fewer than
/// n units (but at least one) is one shingle of all of them; a text with none (empty,
/// punctuation only) has no shingles and takes no part in MinHash.
public struct Shingler: Sendable {
    public var unit: ShingleUnit
    public var size: Int

    public init(unit: ShingleUnit = .word, size: Int = 5) {
        precondition(size >= 1, "shingle size must be at least 1")
        self.unit = unit
        self.size = size
    }

    /// The shingle hashes of `text`, in text order (repeats included: MinHash takes
    /// minima, so a multiset gives the signature of the set).
    public func shingles(_ text: String) -> [UInt64] {
        var text = text
        switch unit {
        case .word:
            var hashes: [UInt64] = []
            text.withUTF8 { utf8 in
                Words.forEach(in: utf8, dictionarySegmentation: true) { hashes.append(XXHash64.hash(UnsafeRawBufferPointer($0))) }
            }
            return Self.grams(of: hashes, size: size)
        case .character:
            var characters: [UInt32] = []
            text.withUTF8 { utf8 in
                characters.reserveCapacity(utf8.count)
                Words.forEach(in: utf8, dictionarySegmentation: false) { word in
                    if !characters.isEmpty { characters.append(0x20) }
                    characters.append(contentsOf: word)
                }
            }
            return Self.grams(of: characters, size: size)
        }
    }

    /// XXH64 of every run of `size` consecutive units (of all units when there are fewer),
    /// as their little-endian bytes: word hashes or code points.
    static func grams<Unit: FixedWidthInteger>(of units: [Unit], size: Int) -> [UInt64] {
        guard !units.isEmpty else { return [] }
        let n = min(size, units.count), width = MemoryLayout<Unit>.size
        return units.withUnsafeBytes { raw in
            (0...(units.count - n)).map { i in
                XXHash64.hash(UnsafeRawBufferPointer(rebasing: raw[(width * i)..<(width * (i + n))]))
            }
        }
    }
}

/// Cuts a text into normalized words.
private enum Words {
    /// Calls `body` with the code points of each normalized word, in order (a buffer valid
    /// during the call). One pass: ASCII letters are lowercased and digit runs collapsed
    /// on the way, into a scratch buffer; a word with a non-ASCII character that has a
    /// lowercase mapping, or (with `dictionarySegmentation`) of a dictionary-segmented
    /// script, is rewritten when it ends: full lowercase mapping (ICU, Python's
    /// `str.lower`), then ICU's dictionary word breaks. Character shingles need no
    /// dictionary words, and spaces between them would be characters the text does not have.
    static func forEach(in utf8: UnsafeBufferPointer<UInt8>, dictionarySegmentation: Bool,
                        _ body: (UnsafeBufferPointer<UInt32>) -> Void) {
        let scratch = UnsafeMutablePointer<UInt32>.allocate(capacity: utf8.count + 1)
        defer { scratch.deallocate() }
        let classes = CharacterClasses.bitTable
        let wordBit = UInt16(SIEVE_CC_REGEX_WORD), decimalBit = UInt16(SIEVE_CC_DECIMAL), upperBit = UInt16(SIEVE_CC_UPPER)
        var length = 0
        var special = false
        var inDigits = false
        var i = 0
        let n = utf8.count
        func endWord() {
            defer {
                length = 0
                special = false
                inDigits = false
            }
            guard length > 0 else { return }
            guard special else { return body(UnsafeBufferPointer(start: scratch, count: length)) }
            let raw = CharacterClasses.lowercased(Array(UnsafeBufferPointer(start: scratch, count: length))[...])
            guard dictionarySegmentation && raw.contains(where: UTF8Text.isWrittenWithoutSpaces) else {
                return raw.withUnsafeBufferPointer(body)
            }
            raw.withUnsafeBufferPointer { word in
                for span in WordSplitter.icuWordSpans(raw, locale: "") { body(UnsafeBufferPointer(rebasing: word[span])) }
            }
        }
        while i < n {
            var c: UInt32
            if utf8[i] < 0x80 {
                c = UInt32(utf8[i])
                i += 1
            } else {
                let (scalar, size) = UTF8Scalars.decode(utf8, at: i)
                c = scalar
                i += size
            }
            let bits = classes[Int(c)]
            guard bits & wordBit != 0 else {
                endWord()
                continue
            }
            if bits & decimalBit != 0 {
                if !inDigits {
                    scratch[length] = 0x30
                    length += 1
                }
                inDigits = true
                continue
            }
            inDigits = false
            if c < 0x80 {
                if c >= 0x41 && c <= 0x5A { c |= 0x20 }
            } else if bits & upperBit != 0 || (c < 0x2000 && isTitlecase(c))
                        || (dictionarySegmentation && c >= 0x0E00 && UTF8Text.isWrittenWithoutSpaces(c)) {
                special = true
            }
            scratch[length] = c
            length += 1
        }
        endWord()
    }

    /// Title case (Lt), which `str.lower` maps but Python's `isupper` does not count.
    static func isTitlecase(_ c: UInt32) -> Bool {
        switch c {
        case 0x01C5, 0x01C8, 0x01CB, 0x01F2, 0x1F88...0x1F8F, 0x1F98...0x1F9F, 0x1FA8...0x1FAF, 0x1FBC, 0x1FCC, 0x1FFC:
            return true
        default:
            return false
        }
    }
}
