/// Payment card numbers and IBANs, each only when its check digits hold.
enum PaymentNumbers {
    /// Card numbers: 13 to 19 digits, plain or in groups split by one space or hyphen
    /// (the same one throughout; a first group of 4, others of 4 to 6 as cards print
    /// them), not touching other letters or digits, from a card network's number range
    /// (Visa, Mastercard, American Express, Discover, JCB, Diners, UnionPay, Maestro), and
    /// passing the Luhn check.
    static func findCards(_ text: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var p = 0
        while p < text.count {
            guard ASCII.isDigit(text[p]), p == 0 || !(ASCII.isAlnum(text[p - 1]) || text[p - 1] == 0x2D || text[p - 1] == 0x2E) else {
                p += 1
                continue
            }
            var digits: [UInt8] = [], groups: [Int] = [], separator: UInt8? = nil
            var e = p, group = 0, consistent = true
            while e < text.count {
                let b = text[e]
                if ASCII.isDigit(b) {
                    digits.append(b - 0x30)
                    group += 1
                    e += 1
                } else if (b == 0x20 || b == 0x2D) && e + 1 < text.count && ASCII.isDigit(text[e + 1]) && group > 0 {
                    if separator == nil { separator = b } else if separator != b { consistent = false }
                    groups.append(group)
                    group = 0
                    e += 1
                } else {
                    break
                }
            }
            groups.append(group)
            defer { p = e + 1 }
            guard consistent, (13...19).contains(digits.count), e == text.count || !(ASCII.isAlnum(text[e]) || text[e] == 0x2D) else { continue }
            if groups.count > 1 {
                guard groups[0] == 4, groups.dropFirst().allSatisfy({ (1...6).contains($0) }), groups.dropFirst().dropLast().allSatisfy({ $0 >= 4 }) else { continue }
            }
            guard isCardRange(digits), luhn(digits) else { continue }
            found.append(p..<e)
        }
        return found
    }

    static func luhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (i, d) in digits.reversed().enumerated() {
            var x = Int(d)
            if i % 2 == 1 {
                x *= 2
                if x > 9 { x -= 9 }
            }
            sum += x
        }
        return sum % 10 == 0
    }

    static func isCardRange(_ digits: [UInt8]) -> Bool {
        func prefix(_ n: Int) -> Int { digits.prefix(n).reduce(0) { $0 * 10 + Int($1) } }
        let n = digits.count
        if Set(digits).count == 1 { return false }
        switch digits[0] {
        case 4: return n == 13 || n == 16 || n == 19  // Visa
        case 5: return (51...55).contains(prefix(2)) ? n == 16 : (n >= 12 && [50, 56, 57, 58].contains(prefix(2)))  // Mastercard, Maestro
        case 2: return (2221...2720).contains(prefix(4)) && n == 16  // Mastercard
        case 3:
            if [34, 37].contains(prefix(2)) { return n == 15 }  // American Express
            if (3528...3589).contains(prefix(4)) { return n >= 16 }  // JCB
            return ((300...305).contains(prefix(3)) || [36, 38, 39].contains(prefix(2))) && n >= 14  // Diners
        case 6: return prefix(4) == 6011 || prefix(2) == 65 || (644...649).contains(prefix(3)) || prefix(2) == 62 || prefix(2) == 67 || prefix(2) == 63
        default: return false
        }
    }

    /// IBAN lengths per country (ISO 13616 registry).
    static let ibanLengths: [String: Int] = [
        "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27, "BR": 29, "BY": 28,
        "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
        "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
        "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
        "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
        "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
        "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29,
        "VA": 22, "VG": 24, "XK": 20, "YE": 30,
    ]

    /// IBANs: a country code, two check digits and the country's number of letters and
    /// digits in all, plain or in groups of four split by single spaces, with the
    /// mod-97 check; upper case, as IBANs are printed.
    static func findIBANs(_ text: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var p = 0
        while p + 15 <= text.count {
            guard ASCII.isUpper(text[p]), ASCII.isUpper(text[p + 1]), ASCII.isDigit(text[p + 2]), ASCII.isDigit(text[p + 3]),
                  p == 0 || !ASCII.isAlnum(text[p - 1]),
                  let length = ibanLengths[String(decoding: UnsafeBufferPointer(rebasing: text[p..<p + 2]), as: UTF8.self)] else {
                p += 1
                continue
            }
            var chars: [UInt8] = [], e = p
            while e < text.count && chars.count < length {
                let b = text[e]
                if ASCII.isDigit(b) || ASCII.isUpper(b) {
                    chars.append(b)
                    e += 1
                } else if b == 0x20 && chars.count % 4 == 0 && e + 1 < text.count && ASCII.isAlnum(text[e + 1]) {
                    e += 1
                } else {
                    break
                }
            }
            guard chars.count == length, e == text.count || !ASCII.isAlnum(text[e]), mod97(chars) == 1 else {
                p += 1
                continue
            }
            found.append(p..<e)
            p = e
        }
        return found
    }

    /// The IBAN check: the first four characters moved to the end, letters as 10–35.
    static func mod97(_ chars: [UInt8]) -> Int {
        var r = 0
        for b in chars.dropFirst(4) + chars.prefix(4) {
            if ASCII.isDigit(b) {
                r = (r * 10 + Int(b - 0x30)) % 97
            } else {
                r = (r * 100 + Int(b - 0x41 + 10)) % 97
            }
        }
        return r
    }
}
