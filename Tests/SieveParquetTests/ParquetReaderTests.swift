import Foundation
import SieveCore
@testable import SieveParquet
import SieveTestSupport
import XCTest

/// Files written by pyarrow during the test (`scripts/parquet-fixtures.py`: every codec,
/// both data page versions, dictionaries, the DELTA and BYTE_STREAM_SPLIT encodings,
/// nested columns), read back and compared row by row with what pyarrow reads.
final class ParquetReaderTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path

    nonisolated(unsafe) static var written: Result<(TemporaryDirectory, [String]), Error>?

    /// The fixtures, written once for the whole class into a temporary folder.
    static func fixtures() throws -> (TemporaryDirectory, [String]) {
        if written == nil {
            written = Result {
                let dir = try TemporaryDirectory()
                let run = try Command.run("/usr/bin/env", ["python3", repository + "/scripts/parquet-fixtures.py", dir.path])
                guard run.status == 0 else {
                    dir.remove()
                    throw XCTSkip("needs Python with pyarrow (`python3 -m pip install pyarrow`; .ci/run installs it): \(run.stderr.suffix(300))")
                }
                let names = try String(contentsOfFile: dir.file("files.txt"), encoding: .utf8).split(separator: "\n").map(String.init)
                return (dir, names)
            }
        }
        return try written!.get()
    }

    override class func tearDown() {
        if case .success(let (dir, _))? = written { dir.remove() }
        written = nil
        super.tearDown()
    }

    /// Numbers compare by text, or as the same Double within float precision (pyarrow
    /// widens float32 to a double, Sieve prints the float's shortest form); pyarrow's
    /// decimals arrive as {"$decimal": text}.
    static func same(_ a: JSONValue, _ e: JSONValue, _ path: String) -> String? {
        switch (a, e) {
        case (.number(let x), .number(let y)):
            if x == y { return nil }
            if let dx = Double(x), let dy = Double(y), abs(dx - dy) <= 1e-7 * max(abs(dx), abs(dy)) { return nil }
            return "\(path): \(x) vs \(y)"
        case (.number(let x), .object(let m)) where m.count == 1 && m[0].key == "$decimal":
            return m[0].value == .string(x) ? nil : "\(path): \(x) vs decimal \(m[0].value)"
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return "\(path): \(x.count) items vs \(y.count)" }
            for i in x.indices { if let d = same(x[i], y[i], "\(path)[\(i)]") { return d } }
            return nil
        case (.object(let x), .object(let y)):
            guard x.map(\.key) == y.map(\.key) else { return "\(path): keys \(x.map(\.key)) vs \(y.map(\.key))" }
            for i in x.indices { if let d = same(x[i].value, y[i].value, "\(path).\(x[i].key)") { return d } }
            return nil
        default:
            return a == e ? nil : "\(path): \(a) vs \(e)"
        }
    }

    func testEveryCodecEncodingAndPageVersionReadsAsPyarrowDoes() throws {
        let (dir, names) = try Self.fixtures()
        XCTAssertGreaterThanOrEqual(names.count, 7)
        for name in names {
            let file = try ParquetFile(path: dir.file(name + ".parquet"))
            XCTAssertGreaterThan(file.rowGroupCount, 3, "\(name): several row groups")
            let expected = try String(contentsOfFile: dir.file(name + ".jsonl"), encoding: .utf8)
                .split(separator: "\n").map { try JSONValue.parse(Array($0.utf8)) }
            var row = 0
            for g in 0..<file.rowGroupCount {
                let values = try file.read(rowGroup: g)
                for r in 0..<values.rows {
                    let object = JSONValue.object(file.columnNames.map { JSONMember($0, values.columns[$0]![r]) })
                    if let difference = Self.same(object, expected[row], "\(name) row \(row)") {
                        XCTFail(difference)
                        return
                    }
                    row += 1
                }
            }
            XCTAssertEqual(row, expected.count, name)
        }
    }

    /// Only the columns asked for are decoded; the others stay absent.
    func testProjection() throws {
        let (dir, names) = try Self.fixtures()
        let file = try ParquetFile(path: dir.file(names[1] + ".parquet"))
        let values = try file.read(rowGroup: 0, columns: ["text", "id"])
        XCTAssertEqual(Set(values.columns.keys), ["text", "id"])
        XCTAssertEqual(values.columns["id"]?.first, .string("doc-00000"))
    }

    /// Damaged copies: each refused with the rule it is recorded under, never a crash.
    func testDamagedFilesAreRefusedWithTheirReason() throws {
        let (dir, names) = try Self.fixtures()
        let good = try Fixtures.contents(dir.file(names[1] + ".parquet"))
        func rule(_ bytes: [UInt8]) -> String? {
            let path = try! dir.write("damaged.parquet", bytes)
            do {
                let file = try ParquetFile(path: path)
                for g in 0..<file.rowGroupCount { _ = try file.read(rowGroup: g) }
                return nil
            } catch let error as ParquetError {
                return error.rule
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(rule(Array("not parquet at all".utf8)), "parquet_not_parquet")
        XCTAssertEqual(rule(Array(good.dropLast(1))), "parquet_not_parquet", "the end magic cut")
        var footer = good
        let length = Int(UInt32(littleEndian: footer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: good.count - 8, as: UInt32.self) }))
        footer.replaceSubrange(good.count - 8 - length..<good.count - 8 - length / 2, with: [UInt8](repeating: 0xFF, count: length - length / 2))
        XCTAssertEqual(rule(footer), "parquet_bad_footer")
        var page = good
        page[good.count / 3] ^= 0x55
        XCTAssertEqual(rule(page), "parquet_crc", "a flipped byte in a page fails its checksum")
        for cut in stride(from: 4, to: good.count - 8, by: good.count / 50) {
            // Every prefix with a footer glued on: no crash, a reason.
            var truncated = Array(good[0..<cut])
            truncated += good[(good.count - 8 - length)...]
            let r = rule(truncated)
            XCTAssertTrue(r == nil || r!.hasPrefix("parquet_"), "cut at \(cut): \(r ?? "")")
        }
    }
}
