#if canImport(Glibc)
import Glibc
#endif
import CICUShim
import SieveCore

/// Unicode normalization (ICU).
public enum Normalization {
    /// 1 for code points that NFC never changes whatever surrounds them (see the shim).
    private static let stable: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 0x110000)
        table.withUnsafeMutableBufferPointer { sieve_nfc_stable_table($0.baseAddress) }
        return table
    }()

    /// NFC of UTF-8 `text` (which must be valid UTF-8), as UTF-8, or nil when the text is
    /// NFC already. Text whose code points are all below U+0300 is NFC without asking ICU:
    /// nothing there composes or decomposes. Otherwise only the spans around unstable code
    /// points go through ICU: a stable code point (quick check Yes, combining class 0) is a
    /// normalization boundary, so the text between two of them normalizes on its own. A
    /// span starts at the stable code point before an unstable one (which it may compose
    /// with) and ends before the next stable one; spans closer than `joinGap` bytes are
    /// sent together, to save calls on text with a mark on every letter.
    public static func nfc(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        // UTF-8 lead bytes from 0xCC on start code points at or above U+0300.
        let first = UTF8Text.endOfASCII(text, from: 0)
        guard text[first...].contains(where: { $0 >= 0xCC }) else { return nil }
        let joinGap = 32
        var out: [UInt8] = []
        var changed = false            // `out` is started at the first span that changes
        var copied = 0                 // text before this is in `out` (once started)
        var spanStart = -1, spanEnd = -1
        var lastStable = 0             // start of the last stable code point seen
        func flush() -> Bool {
            guard spanStart >= 0 else { return true }
            let span = UnsafeBufferPointer(rebasing: text[spanStart..<spanEnd])
            guard let normalized = normalizeSpan(span) else { return false }
            if changed || normalized.count != span.count || memcmp(normalized, span.baseAddress!, span.count) != 0 {
                if !changed { out.reserveCapacity(text.count + text.count / 8) }
                changed = true
                out.append(contentsOf: UnsafeBufferPointer(rebasing: text[copied..<spanStart]))
                out += normalized
                copied = spanEnd
            }
            spanStart = -1
            return true
        }
        let ok = stable.withUnsafeBufferPointer { stable -> Bool in
            var i = first
            lastStable = max(first - 1, 0)
            while i < text.count {
                if text[i] < 0x80 {
                    let end = UTF8Text.endOfASCII(text, from: i)
                    lastStable = end - 1
                    i = end
                    continue
                }
                let (c, n) = UTF8Scalars.decode(text, at: i)
                if stable[Int(c)] != 0 {
                    lastStable = i
                    i += n
                    continue
                }
                // An unstable run: to the next stable code point.
                var end = i + n
                while end < text.count {
                    let (d, m) = UTF8Scalars.decode(text, at: end)
                    if d < 0x80 || stable[Int(d)] != 0 { break }
                    end += m
                }
                if spanStart >= 0 && lastStable - spanEnd < joinGap {
                    spanEnd = end
                } else {
                    if !flush() { return false }
                    (spanStart, spanEnd) = (lastStable, end)
                }
                i = end
            }
            return flush()
        }
        // ICU fails only on invalid input or memory exhaustion: keep the text.
        guard ok, changed else { return nil }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: text[copied...]))
        return out
    }

    /// NFC of a span through ICU, or nil on an ICU error.
    private static func normalizeSpan(_ span: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard span.count < Int(Int32.max / 4) else { return nil }
        var capacity = span.count + span.count / 2 + 16
        while true {
            var out = [UInt8](repeating: 0, count: capacity)
            let n = out.withUnsafeMutableBufferPointer { dst in
                sieve_nfc(span.baseAddress, Int32(span.count), dst.baseAddress, Int32(capacity))
            }
            if n < 0 { return nil }
            if Int(n) <= capacity {
                out.removeLast(capacity - Int(n))
                return out
            }
            capacity = Int(n)
        }
    }
}
