import CICUShim
import SieveCore

/// Finds a page's character encoding and converts the page to UTF-8.
///
/// Order: a byte-order mark; the HTTP `Content-Type` charset; a `<meta charset>` or
/// `<meta http-equiv="Content-Type">` in the first 4 KiB; bytes that are valid UTF-8;
/// ICU's charset detector, on the page's text runs that hold non-ASCII bytes. Declared
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
        // ICU reads the page's text runs that hold non-ASCII bytes; with too little of
        // that (a stray symbol), 8 KiB of the page from just before its first non-ASCII byte.
        var sample = textSample(bytes)
        if sample.count < 64 {
            let firstHigh = bytes.firstIndex { $0 >= 0x80 } ?? 0
            sample = Array(bytes[max(0, firstHigh - 1024)...].prefix(1 << 13))
        }
        if sieve_detect_charset(sample, Int32(sample.count), &name, 64) >= 0,
           let detected = known(String(cString: name)) {
            return Decision(name: detected, source: "detected")
        }
        return Decision(name: "UTF-8", source: "utf8")
    }

    /// The text runs of a page (between tags, outside comments, scripts and styles) that
    /// hold a non-ASCII byte, joined by spaces, up to `limit` bytes. This is the evidence
    /// for a charset. Markup, scripts and ASCII navigation words outweigh it in a window
    /// of raw page bytes, and ICU then reads a Russian, Polish or Greek page as Latin-1:
    /// on 141 generated pages in 18 legacy charsets and 50 languages, with an English
    /// menu and a script, raw 8 KiB windows were decoded right on 64, text samples on 138
    /// (the same with 1, 2, 4 or 8 KiB of text; 2 KiB leaves a margin).
    static func textSample(_ bytes: [UInt8], limit: Int = 1 << 11) -> [UInt8] {
        var out: [UInt8] = []
        let n = bytes.count
        var i = 0, runStart = 0, runIsHigh = false
        func endRun(at end: Int) {
            if runIsHigh {
                if !out.isEmpty { out.append(0x20) }
                out += bytes[runStart..<min(end, runStart + limit)]
            }
            runIsHigh = false
        }
        while i < n && out.count < limit {
            let b = bytes[i]
            guard b == UInt8(ascii: "<") else {
                if b >= 0x80 { runIsHigh = true }
                i += 1
                continue
            }
            endRun(at: i)
            if startsWith(bytes[...], "<!--", at: i) {
                i = end(of: "-->", in: bytes[...], from: i + 4)
            } else if startsWith(bytes[...], "<script", at: i) && endsName(bytes, at: i + 7) {
                i = end(of: ">", in: bytes[...], from: end(of: "</script", in: bytes[...], from: i + 1))
            } else if startsWith(bytes[...], "<style", at: i) && endsName(bytes, at: i + 6) {
                i = end(of: ">", in: bytes[...], from: end(of: "</style", in: bytes[...], from: i + 1))
            } else {
                i = end(of: ">", in: bytes[...], from: i + 1)
            }
            runStart = i
        }
        endRun(at: i)
        return Array(out.prefix(limit))
    }

    /// Whether a tag name ends at `i` (`<script>`, `<script type=…>`, not `<scripts>`).
    private static func endsName(_ bytes: [UInt8], at i: Int) -> Bool {
        guard i < bytes.count else { return true }
        let b = bytes[i]
        return b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C || b == UInt8(ascii: ">") || b == UInt8(ascii: "/")
    }

    /// Whether `pattern` (lowercase ASCII) starts at `i`, ignoring ASCII case.
    private static func startsWith(_ bytes: ArraySlice<UInt8>, _ pattern: StaticString, at i: Int) -> Bool {
        let count = pattern.utf8CodeUnitCount
        guard i + count <= bytes.endIndex else { return false }
        let p = pattern.utf8Start
        for k in 0..<count {
            let b = bytes[i + k]
            if (b >= 0x41 && b <= 0x5A ? b | 0x20 : b) != p[k] { return false }
        }
        return true
    }

    /// The first position at or after `start` where `pattern` (lowercase ASCII) starts in
    /// `bytes`, ASCII case ignored.
    private static func find(_ pattern: StaticString, in bytes: ArraySlice<UInt8>, from start: Int) -> Int? {
        let first = pattern.utf8Start[0]
        var i = start
        while i < bytes.endIndex {
            let b = bytes[i]
            if (b >= 0x41 && b <= 0x5A ? b | 0x20 : b) == first, startsWith(bytes, pattern, at: i) { return i }
            i += 1
        }
        return nil
    }

    /// The position just after the first `pattern` at or after `start` (see `find`), or
    /// the end of `bytes`.
    private static func end(of pattern: StaticString, in bytes: ArraySlice<UInt8>, from start: Int) -> Int {
        find(pattern, in: bytes, from: start).map { $0 + pattern.utf8CodeUnitCount } ?? bytes.endIndex
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

    /// The charset named by a `<meta>` in the first 4 KiB, if any (lowercase).
    static func metaCharset(_ bytes: [UInt8]) -> String? {
        let head = bytes.prefix(4096)
        var at = 0
        while let meta = find("<meta", in: head, from: at) {
            let tagEnd = head[meta...].firstIndex(of: UInt8(ascii: ">")) ?? head.endIndex
            if let charset = find("charset", in: head[..<tagEnd], from: meta + 5) {
                var i = charset + 7
                while i < tagEnd && head[i] == 0x20 { i += 1 }
                if i < tagEnd && head[i] == UInt8(ascii: "=") {
                    i += 1
                    while i < tagEnd && (head[i] == 0x20 || head[i] == 0x22 || head[i] == 0x27) { i += 1 }
                    let value = head[i..<tagEnd].prefix { !" \"';/>".utf8.contains($0) }
                    if !value.isEmpty { return String(decoding: value.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self) }
                }
            }
            at = tagEnd
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
        if charset == "windows-1252", let table = windows1252 { return convert(bytes, with: table) }
        return icuConvert(bytes, from: charset)
    }

    /// The UTF-8 of each byte 0x80…0xFF in windows-1252, the most common legacy charset
    /// (pages labelled ISO-8859-1 or ASCII decode as it too), taken from ICU's own
    /// converter so that the fast path below gives ICU's bytes: 4 bytes per entry, the
    /// length and up to 3 bytes of UTF-8.
    static let windows1252: [UInt8]? = {
        var table: [UInt8] = []
        for byte in 0x80...0xFF {
            guard let utf8 = icuConvert([UInt8(byte)], from: "windows-1252"), (1...3).contains(utf8.count) else { return nil }
            table += [UInt8(utf8.count)] + utf8 + Array(repeating: 0, count: 3 - utf8.count)
        }
        return table
    }()

    /// A single-byte charset by table (see `windows1252`): ASCII copied, the rest looked up.
    static func convert(_ bytes: [UInt8], with table: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: bytes.count * 3) { out, count in
            var n = 0
            for byte in bytes {
                if byte < 0x80 {
                    out[n] = byte
                    n += 1
                    continue
                }
                let entry = 4 * (Int(byte) - 0x80), length = Int(table[entry])
                for k in 0..<length { out[n + k] = table[entry + 1 + k] }
                n += length
            }
            count = n
        }
    }

    static func icuConvert(_ bytes: [UInt8], from charset: String) -> [UInt8]? {
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
