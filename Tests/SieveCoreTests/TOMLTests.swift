import XCTest
@testable import SieveCore

final class TOMLTests: XCTestCase {
    func testValuesTablesAndArraysOfTables() throws {
        let doc = try TOML.parse(#"""
        # comment
        title = "Sieve \"run\"\t\u00e9"
        path = 'C:\raw\path'
        n = 1_000
        hex = 0xff
        f = 2.5e-3
        ok = true
        list = [1, 2,
                3, ] # trailing comma and newlines
        inline = { a = "x", b.c = 2 }
        multi = """
        one \
          two"""

        [input]
        paths = ["corpus", "more"]

        [a.b]
        "quoted key" = 1

        [[stage]]
        type = "length"
        min = 10

        [[stage]]
        type = "dedup"
        [stage.options]
        exact = true
        """#)
        XCTAssertEqual(doc["title"], .string("Sieve \"run\"\té"))
        XCTAssertEqual(doc["path"], .string(#"C:\raw\path"#))
        XCTAssertEqual(doc["n"], .integer(1000))
        XCTAssertEqual(doc["hex"], .integer(255))
        XCTAssertEqual(doc["f"], .float(0.0025))
        XCTAssertEqual(doc["ok"], .bool(true))
        XCTAssertEqual(doc["list"], .array([.integer(1), .integer(2), .integer(3)]))
        XCTAssertEqual(doc["multi"], .string("one two"))
        guard case .table(let inline)? = doc["inline"], case .table(let b)? = inline["b"] else { return XCTFail() }
        XCTAssertEqual(b["c"], .integer(2))
        guard case .table(let a)? = doc["a"], case .table(let ab)? = a["b"] else { return XCTFail() }
        XCTAssertEqual(ab["quoted key"], .integer(1))
        guard case .array(let stages)? = doc["stage"], stages.count == 2,
              case .table(let second) = stages[1], case .table(let options)? = second["options"] else { return XCTFail() }
        XCTAssertEqual(second["type"], .string("dedup"))
        XCTAssertEqual(options["exact"], .bool(true))
    }

    func testErrorsNameTheLine() {
        let cases = ["a = 1\nb = \n", "a = 1\na = 2\n", "[t]\n[t]\n", "a = \"open\n", "a = [1 2]\n", "a = 1 b\n"]
        let lines = [2, 2, 2, 1, 1, 1]
        for (text, line) in zip(cases, lines) {
            XCTAssertThrowsError(try TOML.parse(text), text) { error in
                XCTAssertEqual((error as? TOMLError)?.line, line, text)
            }
        }
    }
}
