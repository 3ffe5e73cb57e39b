import XCTest
@testable import SieveIO
import SieveCore

final class JSONTests: XCTestCase {
    func decode(_ line: String, fields: FieldNames = FieldNames()) throws -> (Document, Bool) {
        try decode(Array(line.utf8), fields: fields)
    }

    func decode(_ bytes: [UInt8], fields: FieldNames = FieldNames()) throws -> (Document, Bool) {
        var repaired = false
        let doc = try bytes.withUnsafeBufferPointer {
            try DocumentCodec.decode($0, fields: fields, defaultID: "f.jsonl@0", defaultSource: "f.jsonl",
                                     repairedUTF8: &repaired)
        }
        return (doc, repaired)
    }

    func testEscapesSurrogatesAndNumbers() throws {
        let (doc, repaired) = try decode(#"{"text":"a\"b\\c\/d\n\t\u00e9\ud83d\ude00 é","id":42,"x":1.50,"y":-0e+7,"z":[true,null,{"k":"v"}]}"#)
        XCTAssertEqual(doc.text, "a\"b\\c/d\n\té😀 é")
        XCTAssertEqual(doc.id, "42")
        XCTAssertFalse(repaired)
        // Numbers keep their exact text; member order is kept.
        XCTAssertEqual(doc.metadata.map(\.key), ["x", "y", "z"])
        XCTAssertEqual(doc.metadata[0].value, .number("1.50"))
        XCTAssertEqual(doc.metadata[1].value, .number("-0e+7"))
        XCTAssertEqual(doc.metadata[2].value, .array([.bool(true), .null, .object([JSONMember("k", .string("v"))])]))
        XCTAssertEqual(doc.source, "f.jsonl")
    }

    func testMetadataObjectIsFlattenedAndSourceKept() throws {
        let (doc, _) = try decode(#"{"a":1,"metadata":{"lang":"fr","q":0.5},"source":"cc/2024","text":"t"}"#)
        XCTAssertEqual(doc.metadata, [JSONMember("a", .number("1")), JSONMember("lang", .string("fr")),
                                      JSONMember("q", .number("0.5"))])
        XCTAssertEqual(doc.source, "cc/2024")
        XCTAssertEqual(doc.id, "f.jsonl@0")
    }

    func testInvalidUTF8AndLoneSurrogatesAreRepaired() throws {
        var bytes = Array(#"{"text":"ok "#.utf8)
        bytes += [0xFF, 0xC3, 0x28] // invalid byte, then a truncated two-byte sequence
        bytes += Array(#" \ud800 end"}"#.utf8)
        let (doc, repaired) = try decode(bytes)
        XCTAssertTrue(repaired)
        XCTAssertEqual(doc.text, "ok \u{FFFD}\u{FFFD}( \u{FFFD} end")
    }

    func testMalformedRecordsAreRejected() {
        for line in [#"{"text":"a",}"#, #"{"text":"a""#, #"{"text":"a"} x"#, #"["text"]"#, #"{"text":tru}"#,
                     #"{"text":"\x"}"#, #"{"text":01}"#, #"{"text":"a","n":1.}"#, "{", ""] {
            XCTAssertThrowsError(try decode(line), line)
        }
    }

    func testMissingOrNonStringText() {
        XCTAssertThrowsError(try decode(#"{"body":"a"}"#))
        XCTAssertThrowsError(try decode(#"{"text":5}"#))
        XCTAssertNoThrow(try decode(#"{"body":"a"}"#, fields: FieldNames(text: "body")))
    }

    func testDeepNestingFailsCleanly() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        XCTAssertThrowsError(try decode(#"{"text":"a","x":"# + deep + "}"))
    }

    func testWriterRoundTripsAndEscapesControlCharacters() throws {
        let doc = Document(id: "i\"d", text: "a\u{0}b\u{1F}c\u{7F}\n\r\t\u{8}\u{C}\\ 東京 😀", source: "s",
                           metadata: [JSONMember("n", .number("1e3")), JSONMember("o", .object([]))])
        let line = DocumentCodec.encode([doc])
        XCTAssertEqual(String(decoding: line, as: UTF8.self),
                       #"{"id":"i\"d","text":"a\u0000b\u001fc"# + "\u{7F}" + #"\n\r\t\b\f\\ 東京 😀","source":"s","metadata":{"n":1e3,"o":{}}}"# + "\n")
        let (back, _) = try decode(Array(line.dropLast()))
        XCTAssertEqual(back, doc)
    }
}
