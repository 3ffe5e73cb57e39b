/// The kinds of personal data the `pii` stage replaces, in the order it looks for them.
public enum PIIKind: String, Sendable, CaseIterable, Codable {
    case email, ip, phone = "phone", card, iban

    /// The default replacement.
    public var placeholder: String {
        switch self {
        case .email: return "<EMAIL_ADDRESS>"
        case .ip: return "<IP_ADDRESS>"
        case .phone: return "<PHONE_NUMBER>"
        case .card: return "<CARD_NUMBER>"
        case .iban: return "<IBAN>"
        }
    }
}

/// ASCII classes the detectors share.
enum ASCII {
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || isAlpha(b) }
    @inline(__always) static func isHex(_ b: UInt8) -> Bool { isDigit(b) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66) }
    @inline(__always) static func isUpper(_ b: UInt8) -> Bool { b >= 0x41 && b <= 0x5A }
}
