import SieveCore
import XCTest

final class MetadataKeyTests: XCTestCase {
    /// A typed key reads and writes the same member as its name, in place, keeping order.
    func testTypedKeysAreTheirNames() {
        var document = Document(id: "d", text: "t", source: "s", metadata: [JSONMember("url", .string("u")), JSONMember("language", .string("und"))])
        XCTAssertEqual(document.language, "und")
        document.setMetadata(.language, .string("fra_Latn"))
        document.setMetadata(.domain, .string("news"))
        XCTAssertEqual(document.metadata.map(\.key), ["url", "language", "domain"])
        XCTAssertEqual(document.language, "fra_Latn")
        XCTAssertEqual(document.string(.domain), "news")
        XCTAssertEqual(document[.domain], .string("news"))
        XCTAssertNil(document.string(.quality))
        document.setMetadata(.quality, .number("0.5"))
        XCTAssertNil(document.string(.quality), "a number is not a string")
        XCTAssertEqual(MetadataKey.languageScore.name, "language_score")
    }
}
