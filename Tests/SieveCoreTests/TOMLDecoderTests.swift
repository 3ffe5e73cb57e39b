import SieveCore
import XCTest

final class TOMLDecoderTests: XCTestCase {
    enum Unit: String, CaseIterable, Codable { case word, character }

    struct Settings: Decodable, Equatable {
        var name: String
        var count = 5
        var ratio = 0.5
        var on = false
        var unit = Unit.word
        var folders: [String] = []
        var scores: [String: Double] = [:]

        enum CodingKeys: String, CodingKey { case name, count, ratio, on, unit, folders, scores }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.required(.name, "what it is called")
            count = try c.value(.count, default: count, in: 1...64)
            ratio = try c.value(.ratio, default: ratio, in: 0...1)
            on = try c.value(.on, default: on)
            unit = try c.choice(.unit, default: unit)
            folders = try c.strings(.folders) ?? []
            scores = try c.numbersByKey(.scores, in: 0...1)
        }
    }

    func decode(_ text: String) throws -> Settings {
        try TOMLDecoder().decode(Settings.self, from: try TOML.parse(text), context: "stage 2 (test)")
    }

    func error(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try decode(text)
            XCTFail("decoded: \(text)", file: file, line: line)
            return ""
        } catch {
            XCTAssert(error is SettingsError, "\(error)", file: file, line: line)
            return "\(error)"
        }
    }

    func testDefaultsFillWhatIsAbsent() throws {
        let s = try decode("name = \"x\"")
        XCTAssertEqual(s.count, 5)
        XCTAssertEqual(s.ratio, 0.5)
        XCTAssertEqual(s.unit, .word)
        XCTAssertEqual(s.folders, [])
        XCTAssertEqual(s.scores, [:])
    }

    func testEveryTypeDecodes() throws {
        let s = try decode("""
            name = "x"
            count = 7
            ratio = 1          # an integer where a number is wanted
            on = true
            unit = "character"
            folders = "one"    # a string where a list of strings is wanted
            scores = { eng_Latn = 0.25, fra_Latn = 1 }
            """)
        XCTAssertEqual(s.count, 7)
        XCTAssertEqual(s.ratio, 1)
        XCTAssertTrue(s.on)
        XCTAssertEqual(s.unit, .character)
        XCTAssertEqual(s.folders, ["one"])
        XCTAssertEqual(s.scores, ["eng_Latn": 0.25, "fra_Latn": 1])
        XCTAssertEqual(try decode("name = \"x\"\nfolders = [\"a\", \"b\"]").folders, ["a", "b"])
    }

    func testUnknownKeyNamesTheClosestKnownOne() {
        XCTAssertEqual(error("name = \"x\"\ncuont = 3"), "stage 2 (test): unknown key \"cuont\"; did you mean \"count\"?")
        XCTAssertEqual(error("name = \"x\"\nzzzzzzzz = 3"),
                       "stage 2 (test): unknown key \"zzzzzzzz\" (known keys: count, folders, name, on, ratio, scores, unit)")
    }

    func testWrongTypesSayWhatWasExpected() {
        XCTAssertEqual(error("name = 3"), "stage 2 (test): key \"name\" must be a string, not an integer")
        XCTAssertEqual(error("name = \"x\"\ncount = 2.5"), "stage 2 (test): key \"count\" must be an integer, not a number")
        XCTAssertEqual(error("name = \"x\"\non = \"yes\""), "stage 2 (test): key \"on\" must be true or false, not a string")
        XCTAssertEqual(error("name = \"x\"\nscores = { eng_Latn = \"high\" }"),
                       "stage 2 (test): key \"scores.eng_Latn\" must be a number, not a string")
        XCTAssertEqual(error("name = \"x\"\nscores = 3"), "stage 2 (test): key \"scores\" must be a table, not an integer")
        XCTAssertEqual(error("name = \"x\"\nfolders = [1]"), "stage 2 (test): key \"folders\" must be a string or an array of strings")
    }

    func testMissingRequiredKeyAndValuesOutOfRange() {
        XCTAssertEqual(error("count = 3"), "stage 2 (test): missing key \"name\" (a string: what it is called)")
        XCTAssertEqual(error("name = \"x\"\ncount = 0"), "stage 2 (test): key \"count\" must be an integer in 1...64")
        XCTAssertEqual(error("name = \"x\"\nratio = 1.5"), "stage 2 (test): key \"ratio\" must be a number in 0...1")
        XCTAssertEqual(error("name = \"x\"\nscores = { eng_Latn = 2 }"), "stage 2 (test): key \"scores.eng_Latn\" must be a number in 0...1")
        XCTAssertEqual(error("name = \"x\"\nunit = \"line\""), "stage 2 (test): key \"unit\" must be one of word, character, not \"line\"")
    }

    func testKeyCheckOfHandReadTables() throws {
        let table = try TOML.parse("input = 1\noutptu = 2")
        XCTAssertThrowsError(try TOMLDecoder.checkKeys(table, known: ["input", "output"], context: "the configuration")) {
            XCTAssertEqual("\($0)", "the configuration: unknown key \"outptu\"; did you mean \"output\"?")
        }
        XCTAssertNoThrow(try TOMLDecoder.checkKeys(table, known: ["input", "outptu"], context: "x"))
    }
}
