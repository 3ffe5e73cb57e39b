import XCTest
@testable import SieveCore

final class JSONParserTests: XCTestCase {
    func testQuoteScanFindsEveryPosition() {
        // The eight-bytes-at-a-time scan must agree with a plain loop at every offset.
        for length in 0..<40 {
            for position in 0...length {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                if position < length { bytes[position] = position % 2 == 0 ? 0x22 : 0x5C }
                bytes.withUnsafeBufferPointer {
                    XCTAssertEqual(JSONParser.findQuoteOrBackslash($0, from: 0), position)
                }
            }
        }
        // High bytes (UTF-8) next to a match must not confuse it.
        let bytes: [UInt8] = [0xE6, 0x9D, 0xB1, 0x22, 0xFF, 0xFF, 0xFF, 0xFF, 0x5C]
        bytes.withUnsafeBufferPointer { XCTAssertEqual(JSONParser.findQuoteOrBackslash($0, from: 0), 3) }
    }

    func testParseWholeValues() throws {
        XCTAssertEqual(try JSONValue.parse(Array(#" {"a":[1,"x",null]} "#.utf8)),
                       .object([JSONMember("a", .array([.number("1"), .string("x"), .null]))]))
        XCTAssertThrowsError(try JSONValue.parse(Array("{} {}".utf8)))
    }
}
