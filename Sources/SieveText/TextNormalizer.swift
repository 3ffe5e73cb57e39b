/// The text clean-up before language ID and filters: line endings, control characters,
/// white space and Unicode NFC, each optional. Works on valid UTF-8 bytes.
public struct TextNormalizer: Sendable, Equatable {
    /// One kind of change, in the order they are applied.
    public enum Rule: String, Sendable, CaseIterable {
        /// `\r\n`, a lone `\r`, U+0085, U+2028 and U+2029 become `\n`.
        case lineEndings = "line_endings"
        /// C0 controls other than tab and newline, DEL, C1 controls and U+FEFF are removed.
        case controls
        /// Runs of horizontal white space (tab, space, no-break and other Unicode spaces)
        /// become one space; spaces at line ends go; at most one blank line in a row; no
        /// blank lines at the start or end.
        case whitespace
        /// Unicode NFC (ICU).
        case nfc
    }

    public var rules: Set<Rule>

    public init(rules: Set<Rule> = Set(Rule.allCases)) {
        self.rules = rules
    }

    /// The normalized text and the rules that changed something (in `Rule` order); the
    /// bytes are nil when nothing changed.
    public func normalize(_ text: UnsafeBufferPointer<UInt8>) -> (bytes: [UInt8]?, changed: [Rule]) {
        var changed: [Rule] = []
        var current: [UInt8]? = nil
        func apply(_ rule: Rule, _ transform: (UnsafeBufferPointer<UInt8>) -> [UInt8]?) {
            guard rules.contains(rule) else { return }
            let result = current.map { bytes in bytes.withUnsafeBufferPointer(transform) } ?? transform(text)
            if let result {
                current = result
                changed.append(rule)
            }
        }
        apply(.lineEndings, Self.lineEndings)
        apply(.controls, Self.controls)
        apply(.whitespace, Self.whitespace)
        apply(.nfc, Normalization.nfc)
        return (current, changed)
    }

    /// Rewrites `text` scalar by scalar: `map` returns nil to keep a scalar, or its
    /// replacement bytes. Returns nil when nothing was replaced.
    private static func rewrite(_ text: UnsafeBufferPointer<UInt8>,
                                _ map: (UInt32, Int, UnsafeBufferPointer<UInt8>) -> [UInt8]?) -> [UInt8]? {
        var out: [UInt8]? = nil
        var i = 0
        while i < text.count {
            let (c, n) = UTF8Scalars.decode(text, at: i)
            if let replacement = map(c, i, text) {
                if out == nil { out = Array(text[0..<i]) }
                out!.append(contentsOf: replacement)
            } else if out != nil {
                out!.append(contentsOf: text[i..<i + n])
            }
            i += n
        }
        return out
    }

    static func lineEndings(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        rewrite(text) { c, i, text in
            switch c {
            case 0x0D: return i + 1 < text.count && text[i + 1] == 0x0A ? [] : [0x0A]
            case 0x85, 0x2028, 0x2029: return [0x0A]
            default: return nil
            }
        }
    }

    static func controls(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        rewrite(text) { c, _, _ in
            switch c {
            case 0x09, 0x0A: return nil
            case 0x00...0x1F, 0x7F...0x9F, 0xFEFF: return []
            default: return nil
            }
        }
    }

    @inline(__always)
    static func isHorizontalSpace(_ c: UInt32) -> Bool {
        switch c {
        case 0x09, 0x0B, 0x0C, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    static func whitespace(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var pendingSpace = false
        var newlines = 0
        var i = 0
        while i < text.count {
            let (c, n) = UTF8Scalars.decode(text, at: i)
            if c == 0x0A {
                pendingSpace = false
                newlines += 1
            } else if isHorizontalSpace(c) {
                pendingSpace = true
            } else {
                if !out.isEmpty {
                    if newlines > 0 {
                        out.append(contentsOf: repeatElement(0x0A, count: min(newlines, 2)))
                    } else if pendingSpace {
                        out.append(0x20)
                    }
                }
                newlines = 0
                pendingSpace = false
                out.append(contentsOf: text[i..<i + n])
            }
            i += n
        }
        return out.elementsEqual(text) ? nil : out
    }
}
