@testable import SieveCore
import XCTest

/// The writer's eight-bytes-a-step scan for bytes to escape, against the plain
/// byte-by-byte reference, and the strings it writes.
final class JSONWriterTests: XCTestCase {
    func testWordScanFindsWhatThePlainScanFinds() {
        var random = SplitMix64(seed: 3)
        // Bytes near every edge of the tests: controls, 0x1F/0x20, quote, backslash,
        // their neighbours, and bytes with the high bit set (UTF-8 continuation bytes).
        let alphabet: [UInt8] = [0x00, 0x01, 0x08, 0x09, 0x0A, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D,
                                 0x41, 0x7F, 0x80, 0xA0, 0xA2, 0xDC, 0xE2, 0xFF]
        for trial in 0..<3000 {
            let length = Int(random.next() % 70)
            let rare = trial % 3 == 0
            let bytes: [UInt8] = (0..<length).map { _ in
                rare && random.next() % 16 != 0 ? UInt8(ascii: "a") : alphabet[Int(random.next() % UInt64(alphabet.count))]
            }
            bytes.withUnsafeBufferPointer { u in
                for start in 0...length {
                    XCTAssertEqual(JSONWriter.nextEscape(u, from: start), JSONWriter.nextEscapePlain(u, from: start), "\(bytes) from \(start)")
                }
            }
        }
    }

    func testEscapes() {
        var writer = JSONWriter()
        writer.string("plain ascii text longer than a word, then \"quotes\" \\ and\ttabs\n\u{1}\u{1F} ü 日本 \u{7F}")
        XCTAssertEqual(String(decoding: writer.bytes, as: UTF8.self),
                       "\"plain ascii text longer than a word, then \\\"quotes\\\" \\\\ and\\ttabs\\n\\u0001\\u001f ü 日本 \u{7F}\"")
    }
}
