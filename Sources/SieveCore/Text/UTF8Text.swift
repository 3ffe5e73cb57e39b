import CKernels

/// Small facts about UTF-8 text that several stages need.
public enum UTF8Text {
    /// The string of `bytes`, with every ill-formed sequence replaced by U+FFFD as
    /// `String(decoding:as:)` does; `repaired` says whether any was. Readers make every
    /// document's text this way: valid text (nearly all of it) is checked by the SIMD
    /// validator and copied without the standard library validating it a second time.
    @inline(__always)
    public static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> (string: String, repaired: Bool) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return ("", false) }
        guard sieve_utf8_valid(base, Int64(bytes.count)) != 0 else {
            return (String(decoding: bytes, as: UTF8.self), true)
        }
        return (String(copying: UTF8Span(unchecked: Span(_unsafeElements: bytes))), false)
    }

    /// The end of the ASCII run at `i` (the first byte from `i` at or above 0x80, or the
    /// end of the text), eight bytes at a time.
    @inlinable @inline(__always)
    public static func endOfASCII(_ text: UnsafeBufferPointer<UInt8>, from i: Int) -> Int {
        var end = i
        if let base = text.baseAddress {
            while end + 8 <= text.count && UnsafeRawPointer(base + end).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                end += 8
            }
        }
        while end < text.count && text[end] < 0x80 { end += 1 }
        return end
    }

    /// Han, kana, Thai, Lao, Myanmar, Khmer (and their extensions): scripts written
    /// without spaces between words.
    public static func isWrittenWithoutSpaces(_ c: UInt32) -> Bool {
        switch c {
        case 0x0E00...0x0EFF, 0x1000...0x109F, 0x1780...0x17FF, 0x19E0...0x19FF, 0x2E80...0x2FDF,
             0x3005...0x3007, 0x3021...0x3029, 0x3038...0x303B, 0x3040...0x30FF, 0x31F0...0x31FF,
             0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA9E0...0xA9FF, 0xAA60...0xAA7F, 0xF900...0xFAFF,
             0xFF66...0xFF9F, 0x1B000...0x1B16F, 0x20000...0x3FFFF:
            return true
        default:
            return false
        }
    }
}
