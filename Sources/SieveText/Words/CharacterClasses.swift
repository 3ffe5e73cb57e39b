import CICUShim

/// Character classes as Python sees them, for code that must split text exactly as
/// Python tools do (NLTK, datatrove): `str.isalpha`, `str.isspace`, the `\w`, `\s` and
/// `\d` of Python's `re` and of the `regex` module (which NLTK's tokenizers use). They
/// differ: `regex`'s `\w` holds combining marks and not `²`, `re`'s the other way round.
/// One table of 0x110000 entries, built from ICU once per process.
/// The table once built: a global with a constant initializer is read without the
/// lazy-initialization check that `CharacterClasses.table` costs on every access.
nonisolated(unsafe) private var builtTable: UnsafePointer<UInt16>?

public enum CharacterClasses {
    /// Lives as long as the process.
    nonisolated(unsafe) static let table: UnsafePointer<UInt16> = {
        let table = UnsafeMutablePointer<UInt16>.allocate(capacity: 0x110000)
        sieve_char_class_table(table)
        builtTable = UnsafePointer(table)
        return UnsafePointer(table)
    }()

    /// The class bits (`SIEVE_CC_*`) of every code point below 0x110000, for hot loops
    /// in other modules, which cannot inline the accessors below.
    public static var bitTable: UnsafePointer<UInt16> { builtTable ?? table }

    @inline(__always) static func bits(_ c: UInt32) -> UInt16 {
        guard c < 0x110000 else { return 0 }
        if let t = builtTable { return t[Int(c)] }
        return table[Int(c)]
    }

    /// `str.isalpha()` of one character.
    @inline(__always) public static func isAlpha(_ c: UInt32) -> Bool { bits(c) & UInt16(SIEVE_CC_ALPHA) != 0 }
    /// `str.isupper()` of one character.
    @inline(__always) public static func isUpper(_ c: UInt32) -> Bool { bits(c) & UInt16(SIEVE_CC_UPPER) != 0 }
    /// `str.islower()` of one character.
    @inline(__always) public static func isLower(_ c: UInt32) -> Bool { bits(c) & UInt16(SIEVE_CC_LOWER) != 0 }
    /// `str.isspace()`: what `str.split()` and `str.strip()` remove.
    @inline(__always) public static func isSpace(_ c: UInt32) -> Bool { bits(c) & UInt16(SIEVE_CC_PYSPACE) != 0 }
    /// `\d` (category Nd), the same in `re` and `regex`.
    @inline(__always) public static func isDecimal(_ c: UInt32) -> Bool { bits(c) & UInt16(SIEVE_CC_DECIMAL) != 0 }
    /// `\w` of Python's `re`.
    @inline(__always) public static func isReWord(_ c: UInt32) -> Bool { bits(c) & UInt16(SIEVE_CC_RE_WORD) != 0 }
    /// `\w` of the `regex` module.
    @inline(__always) public static func isRegexWord(_ c: UInt32) -> Bool { bits(c) & UInt16(SIEVE_CC_REGEX_WORD) != 0 }
    /// `\s` of the `regex` module.
    @inline(__always) public static func isRegexSpace(_ c: UInt32) -> Bool { bits(c) & UInt16(SIEVE_CC_REGEX_SPACE) != 0 }

    /// Python's `str.lower()`: full lowercase mapping, root locale.
    public static func lowercased(_ text: ArraySlice<UInt32>) -> [UInt32] {
        if text.allSatisfy({ $0 < 0x80 }) {
            return text.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        }
        let source = Array(text)
        var out = [UInt32](repeating: 0, count: source.count * 3 + 4)
        let n = source.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { d in
                sieve_lowercase_utf32(s.baseAddress, Int32(s.count), d.baseAddress, Int32(d.count))
            }
        }
        guard n >= 0 else { return source }
        out.removeLast(out.count - Int(n))
        return out
    }
}

/// A string as Python holds it: code points, so that lengths and offsets count what
/// `len()` counts.
public enum CodePoints {
    /// The code points of `text`.
    public static func of(_ text: String) -> [UInt32] {
        var text = text
        return text.withUTF8 { bytes in
            var out = [UInt32]()
            out.reserveCapacity(bytes.count)
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                if b < 0x80 {
                    out.append(UInt32(b)); i += 1
                } else {
                    let (scalar, length) = UTF8Scalars.decode(bytes, at: i)
                    out.append(scalar); i += length
                }
            }
            return out
        }
    }

    /// The string of `points`.
    public static func string<C: Collection>(_ points: C) -> String where C.Element == UInt32 {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(points.count + 16)
        for p in points {
            if p < 0x80 {
                bytes.append(UInt8(p))
            } else if p < 0x800 {
                bytes.append(UInt8(0xC0 | (p >> 6))); bytes.append(UInt8(0x80 | (p & 0x3F)))
            } else if p < 0x10000 && !(p >= 0xD800 && p < 0xE000) {
                bytes.append(UInt8(0xE0 | (p >> 12))); bytes.append(UInt8(0x80 | ((p >> 6) & 0x3F)))
                bytes.append(UInt8(0x80 | (p & 0x3F)))
            } else if p >= 0x10000 && p < 0x110000 {
                bytes.append(UInt8(0xF0 | (p >> 18))); bytes.append(UInt8(0x80 | ((p >> 12) & 0x3F)))
                bytes.append(UInt8(0x80 | ((p >> 6) & 0x3F))); bytes.append(UInt8(0x80 | (p & 0x3F)))
            } else {
                bytes += [0xEF, 0xBF, 0xBD]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
