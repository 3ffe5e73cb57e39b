import CICUShim
import SieveCore

/// Finds a page's character encoding and converts the page to UTF-8.
///
/// Order: a byte-order mark; the HTTP `Content-Type` charset; a `<meta charset>` or
/// `<meta http-equiv="Content-Type">` in the first 4 KiB; bytes that are valid UTF-8;
/// ICU's charset detector, on 8 KiB from just before the first non-ASCII byte. Declared
/// labels are mapped as browsers do (`iso-8859-1` and `ascii` mean windows-1252, `gb2312`
/// means GBK).
public enum Charset {
    /// What was found, and how.
    public struct Decision: Equatable, Sendable {
        public var name: String
        /// `bom`, `http`, `meta`, `utf8` or `detected`.
        public var source: String
    }

    /// The page as UTF-8 (invalid bytes become U+FFFD) and the charset used.
    public static func toUTF8(_ bytes: [UInt8], httpCharset: String? = nil) -> ([UInt8], Decision) {
        // Validated once: most pages are UTF-8 and are then used as they are.
        let isUTF8 = bytes.withUnsafeBufferPointer(isValidUTF8)
        let decision = detect(bytes, httpCharset: httpCharset, isUTF8: isUTF8)
        var body = bytes
        if decision.source == "bom" {
            body.removeFirst(decision.name == "UTF-8" ? 3 : 2)
        }
        if decision.name == "UTF-8" {
            return (isUTF8 ? body : Array(String(decoding: body, as: UTF8.self).utf8), decision)
        }
        return (convert(body, from: decision.name) ?? Array(String(decoding: body, as: UTF8.self).utf8), decision)
    }

    static func detect(_ bytes: [UInt8], httpCharset: String?, isUTF8: Bool) -> Decision {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return Decision(name: "UTF-8", source: "bom") }
        if bytes.starts(with: [0xFF, 0xFE]) { return Decision(name: "UTF-16LE", source: "bom") }
        if bytes.starts(with: [0xFE, 0xFF]) { return Decision(name: "UTF-16BE", source: "bom") }
        if let label = httpCharset, let name = known(label) { return Decision(name: name, source: "http") }
        if let label = metaCharset(bytes), let name = known(label) { return Decision(name: name, source: "meta") }
        if isUTF8 { return Decision(name: "UTF-8", source: "utf8") }
        var name = [CChar](repeating: 0, count: 64)
        // The evidence is in the non-ASCII bytes, and the first kilobytes of a page are
        // often all markup and script: ICU reads 8 KiB from just before the first one.
        let firstHigh = bytes.firstIndex { $0 >= 0x80 } ?? 0
        let sample = Array(bytes[max(0, firstHigh - 1024)...].prefix(1 << 13))
        if sieve_detect_charset(sample, Int32(sample.count), &name, 64) >= 0,
           let detected = known(String(cString: name)) {
            return Decision(name: detected, source: "detected")
        }
        return Decision(name: "UTF-8", source: "utf8")
    }

    /// The charset ICU should use for a declared label, or nil if it is unusable.
    static func known(_ label: String) -> String? {
        let lower = String(label.lowercased().unicodeScalars.filter { !" \t\"'".unicodeScalars.contains($0) })
        let mapped: String
        switch lower {
        case "", "none": return nil
        case "iso-8859-1", "latin1", "latin-1", "iso8859-1", "us-ascii", "ascii", "windows-1252", "cp1252": mapped = "windows-1252"
        case "gb2312", "gb_2312-80", "x-gbk", "gbk", "cp936": mapped = "GBK"
        case "utf8", "utf-8": return "UTF-8"
        // UTF-16 declared inside an 8-bit-readable page is a lie (the page could not be read).
        case "utf-16", "utf-16le", "utf-16be": return "UTF-8"
        default: mapped = lower
        }
        return sieve_charset_known(mapped) == 1 ? mapped : nil
    }

    /// The charset named by a `<meta>` in the first 4 KiB, if any.
    static func metaCharset(_ bytes: [UInt8]) -> String? {
        let head = bytes.prefix(4096).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        var at = 0
        while let meta = find(Array("<meta".utf8), in: head[...], from: at) {
            let tagEnd = head[meta...].firstIndex(of: UInt8(ascii: ">")) ?? head.endIndex
            if let charset = find(Array("charset".utf8), in: head[..<tagEnd], from: meta + 5) {
                var i = charset + 7
                while i < tagEnd && head[i] == 0x20 { i += 1 }
                if i < tagEnd && head[i] == UInt8(ascii: "=") {
                    i += 1
                    while i < tagEnd && (head[i] == 0x20 || head[i] == 0x22 || head[i] == 0x27) { i += 1 }
                    let value = head[i..<tagEnd].prefix { !" \"';/>".utf8.contains($0) }
                    if !value.isEmpty { return String(decoding: value, as: UTF8.self) }
                }
            }
            at = tagEnd
        }
        return nil
    }

    /// The first position at or after `start` where `pattern` occurs in `bytes`.
    private static func find(_ pattern: [UInt8], in bytes: ArraySlice<UInt8>, from start: Int) -> Int? {
        guard let first = pattern.first, bytes.count >= pattern.count else { return nil }
        var i = start
        while i + pattern.count <= bytes.endIndex {
            guard let k = bytes[i...].firstIndex(of: first), k + pattern.count <= bytes.endIndex else { return nil }
            if bytes[k..<k + pattern.count].elementsEqual(pattern) { return k }
            i = k + 1
        }
        return nil
    }

    /// Whether bytes are well-formed UTF-8 (no overlongs, surrogates or values past
    /// U+10FFFF). ASCII runs, most of any page, are skipped eight bytes at a time.
    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let n = bytes.count
        var i = 0
        while i < n {
            i = UTF8Text.endOfASCII(bytes, from: i)
            guard i < n else { break }
            let b = base[i]
            // The second byte's range depends on the first (Unicode Table 3-7).
            let length: Int, low: UInt8, high: UInt8
            switch b {
            case 0xC2...0xDF: (length, low, high) = (2, 0x80, 0xBF)
            case 0xE0: (length, low, high) = (3, 0xA0, 0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (length, low, high) = (3, 0x80, 0xBF)
            case 0xED: (length, low, high) = (3, 0x80, 0x9F)
            case 0xF0: (length, low, high) = (4, 0x90, 0xBF)
            case 0xF1...0xF3: (length, low, high) = (4, 0x80, 0xBF)
            case 0xF4: (length, low, high) = (4, 0x80, 0x8F)
            default: return false
            }
            guard i + length <= n, (low...high).contains(base[i + 1]) else { return false }
            for k in 2..<length where base[i + k] & 0xC0 != 0x80 { return false }
            i += length
        }
        return true
    }

    static func convert(_ bytes: [UInt8], from charset: String) -> [UInt8]? {
        var capacity = bytes.count * 3 + 16
        while true {
            var out = [UInt8](repeating: 0, count: capacity)
            let n = sieve_to_utf8(charset, bytes, Int32(bytes.count), &out, Int32(capacity))
            if n < 0 { return nil }
            if Int(n) <= capacity {
                out.removeSubrange(Int(n)...)
                return out
            }
            capacity = Int(n)
        }
    }
}
