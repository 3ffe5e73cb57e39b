import CICUShim

/// Unicode normalization (ICU).
public enum Normalization {
    /// 1 for code points that NFC never changes whatever surrounds them (see the shim).
    private static let stable: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 0x110000)
        table.withUnsafeMutableBufferPointer { sieve_nfc_stable_table($0.baseAddress) }
        return table
    }()

    /// True when every code point of `text` (valid UTF-8) is NFC-stable, so the text is
    /// NFC: most text in most scripts, decided without calling ICU's normalizer.
    static func isStable(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        stable.withUnsafeBufferPointer { stable in
            var i = 0
            while i < text.count {
                if text[i] < 0x80 {
                    i += 1
                    continue
                }
                let (c, n) = UTF8Scalars.decode(text, at: i)
                if stable[Int(c)] == 0 { return false }
                i += n
            }
            return true
        }
    }

    /// NFC of UTF-8 `text` (which must be valid UTF-8), as UTF-8, or nil when the text is
    /// NFC already. Text whose code points are all below U+0300 is NFC without asking ICU:
    /// nothing there composes or decomposes.
    public static func nfc(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        // UTF-8 lead bytes from 0xCC on start code points at or above U+0300.
        guard text.contains(where: { $0 >= 0xCC }), text.count < Int(Int32.max / 4), !isStable(text) else { return nil }
        var capacity = text.count + text.count / 2 + 16
        while true {
            var out = [UInt8](repeating: 0, count: capacity)
            let n = out.withUnsafeMutableBufferPointer { dst in
                sieve_nfc(text.baseAddress, Int32(text.count), dst.baseAddress, Int32(capacity))
            }
            // ICU fails only on invalid input or memory exhaustion: keep the text.
            if n < 0 { return nil }
            if Int(n) <= capacity {
                out.removeLast(capacity - Int(n))
                return out.elementsEqual(text) ? nil : out
            }
            capacity = Int(n)
        }
    }
}
