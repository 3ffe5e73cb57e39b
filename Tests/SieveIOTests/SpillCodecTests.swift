import SieveCore
@testable import SieveIO
import XCTest

final class SpillCodecTests: XCTestCase {
    func testDocumentsComeBackWithEveryField() throws {
        var document = Document(id: "x\u{0}y", text: "größer\n東京 🙂 \"q\"", source: "s/t.jsonl",
                                metadata: [JSONMember("n", .number("1.0")), JSONMember("n", .number("2e3")),
                                           JSONMember("o", .object([JSONMember("a", .array([.null, .bool(false), .string("\u{1}")]))]))])
        document.tokens = [0, 1, 4_000_000_000]
        var empty = Document(id: "", text: "", source: "")
        empty.tokens = []
        let plain = Document(id: "p", text: "t", source: "")
        for documents in [[document, empty, plain], []] {
            XCTAssertEqual(try SpillCodec.decode(SpillCodec.encode(documents)), documents)
        }
        // Cut anywhere, the bytes are refused rather than misread.
        let bytes = SpillCodec.encode([document, plain])
        for cut in [1, 5, bytes.count / 2, bytes.count - 1] {
            XCTAssertThrowsError(try SpillCodec.decode(Array(bytes.prefix(cut))), "cut at \(cut)")
        }
    }
}
