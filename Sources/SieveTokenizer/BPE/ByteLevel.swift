/// GPT-2's byte-level alphabet: every byte is shown as a printable character, so that
/// vocabulary files can hold arbitrary bytes as text (`Ġ` for a space, `Ċ` for `\n`).
enum ByteLevel {
    /// The character standing for each byte (`bytes_to_unicode` in GPT-2's encoder.py).
    static let characterOfByte: [Unicode.Scalar] = {
        var printable = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        var scalars = [UInt32](repeating: 0, count: 256)
        for b in printable { scalars[b] = UInt32(b) }
        var next: UInt32 = 256
        for b in 0..<256 where !printable.contains(b) {
            scalars[b] = next
            next += 1
            printable.append(b)
        }
        return scalars.map { Unicode.Scalar($0)! }
    }()

    /// The byte each alphabet character stands for, by scalar value (all are below
    /// U+0144); -1 for characters outside the alphabet.
    static let byteOfCharacter: [Int16] = {
        var map = [Int16](repeating: -1, count: 0x144)
        for (b, s) in characterOfByte.enumerated() { map[Int(s.value)] = Int16(b) }
        return map
    }()

    /// The bytes a vocabulary string stands for, or nil if it uses characters outside the alphabet.
    static func bytes(of token: String) -> [UInt8]? {
        var token = token
        var out: [UInt8] = []
        out.reserveCapacity(token.utf8.count)
        return token.withUTF8 { append(utf8: $0, to: &out) } ? out : nil
    }

    /// Appends the bytes that a vocabulary string, given as UTF-8, stands for to `out`;
    /// false (with `out` partly written) if it uses characters outside the alphabet, or is
    /// not UTF-8. The alphabet is U+0021 … U+0143: one or two UTF-8 bytes each.
    static func append(utf8: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Bool {
        byteOfCharacter.withUnsafeBufferPointer { map in
            var i = 0
            let n = utf8.count
            while i < n {
                let lead = Int(utf8[i])
                let scalar: Int
                if lead < 0x80 {
                    scalar = lead
                    i += 1
                } else if lead >= 0xC2 && lead <= 0xC5, i + 1 < n, utf8[i + 1] & 0xC0 == 0x80 {
                    scalar = (lead & 0x1F) << 6 | Int(utf8[i + 1] & 0x3F)
                    i += 2
                } else {
                    return false
                }
                guard scalar < 0x144, case let b = map[scalar], b >= 0 else { return false }
                out.append(UInt8(b))
            }
            return true
        }
    }

    /// The vocabulary string of some bytes.
    static func string(of bytes: some Sequence<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(characterOfByte[Int(b)]) }
        return String(s)
    }
}
