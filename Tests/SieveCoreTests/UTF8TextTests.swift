import CKernels
import XCTest
@testable import SieveCore

/// The SIMD UTF-8 validator against its scalar reference and the standard library's
/// validation, on every short sequence, sequences at every offset across the 32-byte
/// blocks, random bytes, and cut text.
final class UTF8TextTests: XCTestCase {
    private func check(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        let expected = String(validating: bytes, as: UTF8.self) != nil
        bytes.withUnsafeBufferPointer { p in
            let base = p.baseAddress ?? UnsafePointer(bitPattern: 1)!
            let scalar = sieve_utf8_valid_scalar(base, Int64(p.count)) != 0, simd = sieve_utf8_valid(base, Int64(p.count)) != 0
            let (string, repaired) = UTF8Text.string(p)
            // Asserting only on a difference keeps a million cases fast.
            if scalar != expected || simd != expected || repaired == expected || string != String(decoding: p, as: UTF8.self) {
                XCTFail("\(bytes): valid \(expected), scalar \(scalar), simd \(simd), repaired \(repaired)", file: file, line: line)
            }
        }
    }

    func testEveryOneTwoAndThreeByteSequence() {
        for a in 0...255 {
            check([UInt8(a)])
            for b in 0...255 {
                check([UInt8(a), UInt8(b)])
                guard a >= 0xE0 && a <= 0xEF || a >= 0xF0 else { continue }
                for c in stride(from: 0, through: 255, by: a >= 0xF0 ? 17 : 1) { check([UInt8(a), UInt8(b), UInt8(c)]) }
            }
        }
    }

    func testFourByteSequencesAtEveryOffsetAcrossBlocks() {
        // Leads, second bytes and continuations at their boundaries, in every position
        // of a 32-byte block and across two blocks, behind ASCII or another sequence.
        let leads: [UInt8] = [0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF, 0x80]
        let seconds: [UInt8] = [0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0]
        let rest: [UInt8] = [0x41, 0x80, 0xBF, 0xC2]
        for offset in 0..<40 {
            for prefix in [[UInt8](repeating: 0x61, count: offset), Array(String(repeating: "é", count: offset / 2).utf8) + (offset % 2 == 1 ? [0x61] : [])] {
                for lead in leads {
                    for second in seconds {
                        for third in rest {
                            for fourth in rest {
                                check(prefix + [lead, second, third, fourth] + [UInt8](repeating: 0x62, count: 70 - offset))
                            }
                        }
                        check(prefix + [lead, second])
                    }
                    check(prefix + [lead])
                }
            }
        }
    }

    func testRandomBytesAndCutText() {
        var rng = SplitMix64(seed: 7)
        let alphabet: [UInt8] = [0x20, 0x61, 0x80, 0x9F, 0xA0, 0xBF, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xC0]
        for _ in 0..<20_000 {
            let n = Int(rng.next() % 100)
            check((0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        }
        let text = Array("Größe 大きさ размер 🙂 ναι — ok. ".utf8)
        for start in 0..<text.count {
            for length in stride(from: 0, through: text.count - start, by: 1) {
                check(Array(text[start..<start + length]) + Array(text))
                check(Array(text) + Array(text[start..<start + length]))
            }
        }
    }
}
