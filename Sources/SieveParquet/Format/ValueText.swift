import SieveCore

/// A leaf value as the JSON of a document's metadata: numbers as numbers (decimals
/// scaled, unsigned integers unsigned), dates and timestamps as ISO 8601 strings (as
/// Python's `isoformat` writes them), UTF-8
/// strings as strings (invalid bytes replaced), other bytes as base64, NaN and
/// infinities as null.
enum ValueText {
    static func json(_ values: ColumnValues, _ i: Int, _ e: SchemaElement) -> JSONValue {
        switch values {
        case .boolean(let v): return .bool(v[i])
        case .int32(let v):
            let x = v[i]
            switch e.logical {
            case .date: return .string(date(days: Int64(x)))
            case .decimal(let scale, _): return .number(decimal(String(x), scale: scale))
            case .time(let digits): return .string(time(Int64(x), digits: digits))
            case .integer(_, false): return .number(String(UInt32(bitPattern: x)))
            default: return .number(String(x))
            }
        case .int64(let v):
            let x = v[i]
            switch e.logical {
            case .timestamp(let digits, let utc): return .string(timestamp(x, digits: digits, utc: utc))
            case .decimal(let scale, _): return .number(decimal(String(x), scale: scale))
            case .time(let digits): return .string(time(x, digits: digits))
            case .integer(_, false): return .number(String(UInt64(bitPattern: x)))
            default: return .number(String(x))
            }
        case .float(let v): return v[i].isFinite ? .number(v[i].description) : .null
        case .double(let v): return v[i].isFinite ? .number(v[i].description) : .null
        case .bytes(let v):
            let b = v[i]
            if e.type == .int96, b.count == 12 {
                let nanos = b.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) }
                let julian = b.withUnsafeBytes { Int64(Int32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: Int32.self))) }
                let days = julian - 2_440_588
                return .string(timestamp(days &* 86_400_000_000_000 &+ nanos, digits: 9, utc: true))
            }
            switch e.logical {
            case .string, .enumeration: return .string(String(decoding: b, as: UTF8.self))
            case .json:
                // JSON text (Sieve's writer stores objects, arrays and mixed keys so) reads
                // back as the value; text that does not parse stays a string.
                return (try? JSONValue.parse(Array(b))) ?? .string(String(decoding: b, as: UTF8.self))
            case .decimal(let scale, _): return .number(decimal(bigEndianTwosComplement: b, scale: scale))
            case .uuid where b.count == 16:
                let hex = b.map { String($0, radix: 16).leftPadded(2) }.joined()
                let h = Array(hex)
                return .string(String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-" + String(h[20..<32]))
            case .float16 where b.count == 2:
                let f = half(UInt16(b[b.startIndex]) | UInt16(b[b.startIndex + 1]) << 8)
                return f.isFinite ? .number(f.description) : .null
            default:
                // Bytes without a string annotation are binary to every Parquet reader.
                return .string(base64(b))
            }
        }
    }

    /// Days since 1970-01-01 as a proleptic Gregorian date (H. Hinnant's civil_from_days).
    static func civil(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func date(days: Int64) -> String {
        let (y, m, d) = civil(days)
        return "\(String(y).leftPadded(4))-\(String(m).leftPadded(2))-\(String(d).leftPadded(2))"
    }

    /// Milli-, micro- or nanoseconds per second, for 3, 6 or 9 digits.
    static func unitsPerSecond(_ digits: Int) -> Int64 {
        digits == 9 ? 1_000_000_000 : digits == 6 ? 1_000_000 : 1_000
    }

    static func time(_ value: Int64, digits: Int) -> String {
        let unit = unitsPerSecond(digits)
        let seconds = value / unit, fraction = value % unit
        var text = "\(String(seconds / 3600).leftPadded(2)):\(String(seconds / 60 % 60).leftPadded(2)):\(String(seconds % 60).leftPadded(2))"
        // As Python's isoformat: six digits (microseconds) when not zero, nine for nanoseconds.
        if fraction != 0 { text += "." + (digits == 3 ? String(fraction * 1000).leftPadded(6) : String(fraction).leftPadded(digits)) }
        return text
    }

    static func timestamp(_ value: Int64, digits: Int, utc: Bool) -> String {
        let unit = unitsPerSecond(digits)
        var seconds = value / unit, fraction = value % unit
        if fraction < 0 {
            seconds -= 1
            fraction += unit
        }
        var days = seconds / 86_400, inDay = seconds % 86_400
        if inDay < 0 {
            days -= 1
            inDay += 86_400
        }
        return date(days: days) + "T" + time(inDay * unit + fraction, digits: digits) + (utc ? "+00:00" : "")
    }

    /// An unscaled integer's digits with the decimal point `scale` places from the right.
    static func decimal(_ integer: String, scale: Int) -> String {
        guard scale > 0 else { return integer + (scale < 0 ? String(repeating: "0", count: -scale) : "") }
        let negative = integer.hasPrefix("-")
        let digits = String(negative ? integer.dropFirst() : integer[...]).leftPadded(scale + 1)
        let cut = digits.index(digits.endIndex, offsetBy: -scale)
        return (negative ? "-" : "") + digits[..<cut] + "." + digits[cut...]
    }

    /// Big-endian two's complement of any length, in base 10, then scaled.
    static func decimal(bigEndianTwosComplement bytes: ArraySlice<UInt8>, scale: Int) -> String {
        guard let first = bytes.first else { return "0" }
        let negative = first & 0x80 != 0
        var magnitude = Array(bytes)
        if negative {
            // Two's complement negation: invert, add one.
            for i in magnitude.indices { magnitude[i] = ~magnitude[i] }
            var i = magnitude.count - 1
            while i >= 0 {
                magnitude[i] &+= 1
                if magnitude[i] != 0 { break }
                i -= 1
            }
        }
        var digits: [UInt8] = []
        while magnitude.contains(where: { $0 != 0 }) {
            var remainder = 0
            for i in magnitude.indices {
                let value = remainder << 8 | Int(magnitude[i])
                magnitude[i] = UInt8(value / 10)
                remainder = value % 10
            }
            digits.append(UInt8(remainder) + 48)
        }
        let text = digits.isEmpty ? "0" : String(decoding: digits.reversed(), as: UTF8.self)
        return decimal((negative ? "-" : "") + text, scale: scale)
    }

    static func half(_ bits: UInt16) -> Float {
        let sign: Float = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int(bits >> 10 & 0x1F), mantissa = Float(bits & 0x3FF)
        switch exponent {
        case 0: return sign * mantissa * pow2(-24)
        case 31: return mantissa == 0 ? sign * .infinity : .nan
        default: return sign * (1 + mantissa / 1024) * pow2(exponent - 15)
        }
    }

    private static func pow2(_ e: Int) -> Float { Float(sign: .plus, exponent: e, significand: 1) }

    static func base64<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var it = bytes.makeIterator()
        while let a = it.next() {
            let b = it.next(), c = it.next()
            let n = UInt32(a) << 16 | UInt32(b ?? 0) << 8 | UInt32(c ?? 0)
            out.append(table[Int(n >> 18 & 63)])
            out.append(table[Int(n >> 12 & 63)])
            out.append(b == nil ? 61 : table[Int(n >> 6 & 63)])
            out.append(c == nil ? 61 : table[Int(n & 63)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        let negative = hasPrefix("-")
        let body = negative ? String(dropFirst()) : self
        return (negative ? "-" : "") + String(repeating: "0", count: max(0, width - body.count)) + body
    }
}
