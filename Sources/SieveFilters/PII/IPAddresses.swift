#if canImport(Glibc)
import Glibc
#endif

/// IP addresses. IPv4 as datatrove's `PIIFormatter` finds them: its expression
/// `(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)`
/// (no word boundaries) matched with Python's leftmost-first backtracking, and replaced
/// only when Python's `ipaddress` reads it and calls it global (`is_global`, Python 3.11:
/// not in its private and reserved ranges, nor 100.64.0.0/10; a leading zero makes it
/// unreadable). IPv6 (datatrove has none): runs of hex digits and colons with at least
/// three groups, read by `inet_pton`, global by the same Python rules (an IPv4-mapped
/// address by its IPv4 rules).
enum IPAddresses {
    /// IPv4 matches: (range, whether to replace it). Every match is consumed, replaced or
    /// not, as `re.sub` consumes it.
    static func findIPv4(_ text: UnsafeBufferPointer<UInt8>) -> [(range: Range<Int>, global: Bool)] {
        var found: [(Range<Int>, Bool)] = []
        var p = 0
        while p < text.count {
            guard ASCII.isDigit(text[p]), let end = matchIPv4(text, p, octet: 0) else {
                p += 1
                continue
            }
            found.append((p..<end, isGlobalIPv4(text, p..<end)))
            p = end
        }
        return found
    }

    /// The end of `(octet\.){3}octet` from `p` (`octet` is the number of octets done),
    /// trying the alternatives in the expression's order.
    static func matchIPv4(_ text: UnsafeBufferPointer<UInt8>, _ p: Int, octet: Int) -> Int? {
        for length in octetLengths(text, p) {
            let e = p + length
            if octet == 3 { return e }
            if e < text.count && text[e] == 0x2E, let end = matchIPv4(text, e + 1, octet: octet + 1) { return end }
        }
        return nil
    }

    /// The lengths `25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?` can match at `p`, in the order
    /// the regex tries them.
    static func octetLengths(_ text: UnsafeBufferPointer<UInt8>, _ p: Int) -> [Int] {
        func digit(_ i: Int) -> UInt8? { i < text.count && ASCII.isDigit(text[i]) ? text[i] - 0x30 : nil }
        var lengths: [Int] = []
        guard let d0 = digit(p) else { return lengths }
        let d1 = digit(p + 1), d2 = digit(p + 2)
        if d0 == 2, d1 == 5, let d2, d2 <= 5 { lengths.append(3) }
        if d0 == 2, let d1, d1 <= 4, d2 != nil { lengths.append(3) }
        if d0 <= 1, d1 != nil {
            if d2 != nil { lengths.append(3) }
            lengths.append(2)
        }
        if d1 != nil { lengths.append(2) }
        lengths.append(1)
        return lengths
    }

    static func isGlobalIPv4(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var octets: [UInt32] = [], value: UInt32 = 0, digits = 0
        for i in range {
            if text[i] == 0x2E {
                octets.append(value)
                value = 0
                digits = 0
            } else {
                // Python refuses a leading zero ("01").
                if digits == 1 && value == 0 { return false }
                value = value * 10 + UInt32(text[i] - 0x30)
                digits += 1
            }
        }
        octets.append(value)
        return isGlobal(ipv4: octets[0] << 24 | octets[1] << 16 | octets[2] << 8 | octets[3])
    }

    /// Python 3.11's `IPv4Address.is_global`.
    static func isGlobal(ipv4 a: UInt32) -> Bool {
        let ranges: [(UInt32, Int)] = [
            (0x0000_0000, 8), (0x0A00_0000, 8), (0x7F00_0000, 8), (0xA9FE_0000, 16), (0xAC10_0000, 12), (0xC000_0000, 29),
            (0xC000_00AA, 31), (0xC000_0200, 24), (0xC0A8_0000, 16), (0xC612_0000, 15), (0xC633_6400, 24), (0xCB00_7100, 24),
            (0xF000_0000, 4), (0xFFFF_FFFF, 32), (0x6440_0000, 10),
        ]
        return !ranges.contains { network, bits in a >> UInt32(32 - bits) == network >> UInt32(32 - bits) }
    }

    /// IPv6 addresses to replace: runs of hex digits, colons and (for an embedded IPv4)
    /// dots, not touching other letters or digits, with at least three groups.
    static func findIPv6(_ text: UnsafeBufferPointer<UInt8>, publicOnly: Bool = true) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var p = 0
        while p < text.count {
            let b = text[p]
            guard ASCII.isHex(b) || b == 0x3A else {
                p += 1
                continue
            }
            var e = p, colons = 0
            while e < text.count && (ASCII.isHex(text[e]) || text[e] == 0x3A || text[e] == 0x2E) {
                if text[e] == 0x3A { colons += 1 }
                e += 1
            }
            defer { p = max(e, p + 1) }
            var end = e
            while end > p && text[end - 1] == 0x2E { end -= 1 }  // a sentence's full stop
            let touching = (p > 0 && (ASCII.isAlnum(text[p - 1]) || text[p - 1] == 0x5F)) || (e < text.count && (ASCII.isAlnum(text[e]) || text[e] == 0x5F))
            guard colons >= 2, !touching, end - p <= 45, end - p >= 6 else { continue }
            var bytes = [UInt8](UnsafeBufferPointer(rebasing: text[p..<end]))
            bytes.append(0)
            var address = in6_addr()
            guard bytes.withUnsafeBufferPointer({ s in inet_pton(AF_INET6, UnsafeRawPointer(s.baseAddress!).assumingMemoryBound(to: CChar.self), &address) }) == 1 else { continue }
            let groups = bytes.split(separator: 0x3A).filter { !$0.isEmpty && $0 != [0] }.count
            guard groups >= 3 else { continue }
            if !publicOnly || isGlobal(ipv6: withUnsafeBytes(of: address) { Array($0) }) { found.append(p..<end) }
        }
        return found
    }

    /// Python 3.11's `IPv6Address.is_global`.
    static func isGlobal(ipv6 a: [UInt8]) -> Bool {
        if a[0..<10].allSatisfy({ $0 == 0 }) && a[10] == 0xFF && a[11] == 0xFF {
            return isGlobal(ipv4: UInt32(a[12]) << 24 | UInt32(a[13]) << 16 | UInt32(a[14]) << 8 | UInt32(a[15]))
        }
        let networks: [([UInt8], Int)] = [
            ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128), ([UInt8](repeating: 0, count: 16), 128),
            ([0x01, 0x00, 0, 0, 0, 0, 0, 0], 64), ([0x20, 0x01, 0x00, 0x00], 23), ([0x20, 0x01, 0x00, 0x02, 0, 0], 48),
            ([0x20, 0x01, 0x0D, 0xB8], 32), ([0x20, 0x01, 0x00, 0x10], 28), ([0xFC], 7), ([0xFE, 0x80], 10),
        ]
        return !networks.contains { prefix, bits in
            for bit in 0..<bits {
                let byte = bit / 8, mask = UInt8(0x80) >> UInt8(bit % 8)
                let want = byte < prefix.count ? prefix[byte] & mask : 0
                if a[byte] & mask != want { return false }
            }
            return true
        }
    }
}
