/// Replaces personal data in a text, one kind after another, each on the text the kinds
/// before it left (e-mail addresses first, then IP addresses, as datatrove's
/// `PIIFormatter`; then card numbers and IBANs, then phone numbers, so that a card number
/// is never taken for a phone number).
public struct PIIRedactor: Sendable {
    public var kinds: [PIIKind]
    public var replacements: [PIIKind: String]
    /// Only global IP addresses (datatrove's default); false replaces private and
    /// reserved ones too.
    public var publicIPsOnly: Bool
    /// IPv6 addresses as part of `ip` (datatrove finds IPv4 only).
    public var ipv6 = true

    public init(kinds: [PIIKind] = PIIKind.allCases, replacements: [PIIKind: String] = [:], publicIPsOnly: Bool = true) {
        self.kinds = kinds
        self.replacements = replacements
        self.publicIPsOnly = publicIPsOnly
    }

    /// The text with its personal data replaced and how many of each kind, or nil when
    /// nothing was found.
    public func redact(_ text: String) -> (text: String, counts: [PIIKind: Int])? {
        var bytes = Array(text.utf8)
        var counts: [PIIKind: Int] = [:]
        for kind in PIIKind.allCases where kinds.contains(kind) {
            let ranges: [Range<Int>] = bytes.withUnsafeBufferPointer { b in
                switch kind {
                case .email:
                    return b.contains(0x40) ? EmailAddresses.find(b) : []
                case .ip:
                    var found = IPAddresses.findIPv4(b).filter { $0.global || !publicIPsOnly }.map(\.range)
                    if ipv6 && b.contains(0x3A) { found += IPAddresses.findIPv6(b, publicOnly: publicIPsOnly) }
                    return found.sorted { $0.lowerBound < $1.lowerBound }
                case .card: return PaymentNumbers.findCards(b)
                case .iban: return PaymentNumbers.findIBANs(b)
                case .phone: return PhoneNumbers.find(b)
                }
            }
            guard !ranges.isEmpty else { continue }
            counts[kind] = ranges.count
            let replacement = Array((replacements[kind] ?? kind.placeholder).utf8)
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var at = 0
            for range in ranges {
                out += bytes[at..<range.lowerBound]
                out += replacement
                at = range.upperBound
            }
            out += bytes[at...]
            bytes = out
        }
        return counts.isEmpty ? nil : (String(decoding: bytes, as: UTF8.self), counts)
    }
}
