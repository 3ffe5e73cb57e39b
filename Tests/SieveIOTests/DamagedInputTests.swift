import XCTest
import SieveCore
@testable import SieveIO
import SieveFiles
import SieveTestSupport

/// Real damaged files: every good document before and after the damage comes through,
/// the bad ones are counted with a reason, and the run goes on.
final class DamagedInputTests: XCTestCase {
    var dir: TemporaryDirectory!
    override func setUpWithError() throws { dir = try TemporaryDirectory() }
    override func tearDown() { dir.remove() }

    func ids(_ output: [UInt8]) throws -> [String] { try Fixtures.objects(output).map { $0["id"] as! String } }

    func testMalformedLineIsSkippedWithFileAndLine() throws {
        var lines = Fixtures.records(10)
        lines.insert(#"{"id":"bad","text":"unterminated"#, at: 4)
        lines.insert(#"not json at all"#, at: 8)
        lines.insert(#"{"id":"no-text","body":"x"}"#, at: 9)
        let path = try dir.write("a.jsonl", Fixtures.jsonl(lines))
        let (output, stats) = try Read.all([path])
        XCTAssertEqual(try ids(output), (0..<10).map { "doc-\($0)" })
        XCTAssertEqual(stats.drops, ["read:malformed_json": 2, "read:missing_text": 1])
        XCTAssertEqual(stats.incidents.map(\.location), ["\(path):5", "\(path):9", "\(path):10"])
        XCTAssertEqual(stats[stage: "read"].documentsIn, 13)
        XCTAssertEqual(stats[stage: "read"].documentsOut, 10)
    }

    /// A reader given no HTML and PDF decoder (an embedder's mistake) skips such files with a
    /// reason naming each, and keeps every JSONL document of the same run.
    func testPagesWithoutADecoderAreSkippedAndTheRestKept() throws {
        let jsonl = try dir.write("corpus/a.jsonl", Fixtures.jsonl(Fixtures.records(5)))
        let html = try dir.write("corpus/page.html", "<html><body><p>A page that needs an extractor to read.</p></body></html>")
        let (output, stats) = try Read.all([dir.file("corpus")], options: ReadOptions())
        XCTAssertEqual(try ids(output), (0..<5).map { "doc-\($0)" })
        XCTAssertEqual(stats.drops, ["read:no_page_decoder": 1])
        XCTAssertEqual(stats.incidents.map(\.location), [html])
        XCTAssertTrue(FileManager.default.fileExists(atPath: jsonl))
    }

    func testInvalidUTF8IsRepairedAndCounted() throws {
        var bytes = Array(#"{"id":"a","text":"caf"#.utf8) + [0xE9] + Array(#" ok"}"#.utf8) + [0x0A]
        bytes += Array(#"{"id":"b","text":"fine"}"#.utf8) + [0x0A]
        let path = try dir.write("u.jsonl", bytes)
        let (output, stats) = try Read.all([path])
        let docs = try Fixtures.objects(output)
        XCTAssertEqual(docs.map { $0["text"] as! String }, ["caf\u{FFFD} ok", "fine"])
        XCTAssertEqual(stats.repairs, ["read:invalid_utf8": 1])
        XCTAssertEqual(stats.incidents.first?.location, "\(path):1")
    }

    func testTruncatedZstdKeepsEveryCompleteRecordAndReadsTheNextFile() throws {
        let plain = Fixtures.jsonl(Fixtures.records(300))
        let zst = Fixtures.zstdFrames(plain, chunkBytes: 4096)
        let cut = Array(zst[0..<(zst.count * 2 / 3)])
        let truncated = try dir.write("a/1.jsonl.zst", cut)
        try dir.write("a/2.jsonl", Fixtures.jsonl(Fixtures.records(5, prefix: "after")))
        let (output, stats) = try Read.all([dir.file("a")])
        let got = try ids(output)
        // What the complete frames hold, decoded independently.
        let framesKept = Zstd.frames(of: UnsafeRawBufferPointer(start: zst, count: zst.count))!
            .filter { $0.offset + $0.compressedSize <= cut.count }
        let decodedBytes = framesKept.reduce(0) { $0 + $1.contentSize! }
        let completeLines = plain[0..<decodedBytes].filter { $0 == 0x0A }.count
        XCTAssertGreaterThanOrEqual(got.count - 5, completeLines)
        XCTAssertEqual(Array(got.prefix(got.count - 5)), (0..<(got.count - 5)).map { "doc-\($0)" })
        XCTAssertEqual(Array(got.suffix(5)), (0..<5).map { "after-\($0)" })
        XCTAssertEqual(stats.errors, ["read:truncated_stream": 1])
        XCTAssertEqual(stats.drops, ["read:truncated_record": 1])
        XCTAssertEqual(stats.incidents.first?.location, truncated)
    }

    func testCorruptZstdKeepsRecordsBeforeTheDamage() throws {
        let plain = Fixtures.jsonl(Fixtures.records(300))
        var zst = Fixtures.zstdFrames(plain, chunkBytes: 4096)
        let frames = Zstd.frames(of: UnsafeRawBufferPointer(start: zst, count: zst.count))!
        // Scramble the middle of the third frame.
        let third = frames[2]
        for i in (third.offset + 20)..<(third.offset + 60) { zst[i] ^= 0x5A }
        let path = try dir.write("c.jsonl.zst", zst)
        try dir.write("d.jsonl", Fixtures.jsonl(Fixtures.records(3, prefix: "next")))
        let (output, stats) = try Read.all([dir.path])
        let got = try ids(output)
        let firstTwo = frames[0].contentSize! + frames[1].contentSize!
        let linesBefore = plain[0..<firstTwo].filter { $0 == 0x0A }.count
        let fromC = got.filter { $0.hasPrefix("doc-") }
        XCTAssertGreaterThanOrEqual(fromC.count, linesBefore)
        XCTAssertEqual(fromC, (0..<fromC.count).map { "doc-\($0)" })
        XCTAssertEqual(got.filter { $0.hasPrefix("next-") }.count, 3)
        XCTAssertEqual(stats.errors, ["read:corrupt_stream": 1])
        XCTAssertEqual(stats.incidents.first?.location, path)
    }

    /// A zstd frame whose header claims more than its blocks hold (a spill file's frame,
    /// damaged) is refused without reserving what it claims, which crashed the process
    /// when the claim was past what the machine could map; the true size decodes.
    func testZstdFrameClaimingMoreThanItHoldsIsRefused() {
        let data = Array("documents spilled between the passes".utf8)
        func frame(claiming size: UInt64) -> [UInt8] {
            // The magic number; a header with an 8-byte content size and one segment; one
            // raw block, the last.
            var frame: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0xE0]
            frame += withUnsafeBytes(of: size.littleEndian) { Array($0) }
            let block = UInt32(data.count) << 3 | 1
            frame += [UInt8(block & 0xFF), UInt8(block >> 8 & 0xFF), UInt8(block >> 16 & 0xFF)]
            return frame + data
        }
        XCTAssertEqual(frame(claiming: UInt64(data.count)).withUnsafeBytes { Zstd.decompressFrame($0) }, data)
        // Claims past `Zstd.oneShotLimit` are decompressed as a stream, the rest in one call.
        for claim: UInt64 in [1 << 40, 1 << 62, (1 << 30) + 1, 1 << 30, UInt64(data.count) + 1, UInt64(data.count) - 1] {
            XCTAssertNil(frame(claiming: claim).withUnsafeBytes { Zstd.decompressFrame($0) }, "claiming \(claim) bytes")
        }
        // Cut short, and followed by a second frame.
        let whole = frame(claiming: UInt64(data.count))
        XCTAssertNil(Array(whole.dropLast(3)).withUnsafeBytes { Zstd.decompressFrame($0) })
        XCTAssertNil((whole + whole).withUnsafeBytes { Zstd.decompressFrame($0) })
    }

    func testTruncatedAndCorruptGzip() throws {
        func gzip(_ prefix: String) -> [UInt8] {
            Fixtures.jsonl(Fixtures.records(2000, prefix: prefix)).withUnsafeBytes { Gzip.compressMember($0) }
        }
        let t = gzip("t")
        try dir.write("t.jsonl.gz", Array(t[0..<(t.count / 2)]))
        var u = gzip("u")
        for i in (u.count / 2)..<(u.count / 2 + 64) { u[i] ^= 0xA5 }
        try dir.write("u.jsonl.gz", u)
        try dir.write("v.jsonl", Fixtures.jsonl(Fixtures.records(2, prefix: "last")))
        let (output, stats) = try Read.all([dir.path])
        let got = try ids(output)
        // Each damaged file yields its records in order up to the damage (gzip checks its
        // CRC only at the end of a member, so records decoded after the damage may differ);
        // the good file after them is read whole.
        for prefix in ["t", "u"] {
            let mine = got.filter { $0.hasPrefix(prefix + "-") }
            let inOrder = zip(mine, (0..<mine.count).map { "\(prefix)-\($0)" }).prefix { $0 == $1 }.count
            XCTAssertGreaterThan(inOrder, 700, prefix)
        }
        XCTAssertEqual(Array(got.suffix(2)), ["last-0", "last-1"])
        XCTAssertEqual(stats.errors["read:truncated_stream"], 1)
        XCTAssertEqual(stats.errors.values.reduce(0, +), 2)
    }

    func testUnreadableInputsAreRecordedAndSkipped() throws {
        try dir.write("in/a.jsonl", Fixtures.jsonl(Fixtures.records(2)))
        // Dangling link: the file cannot be opened (tests run as root, so permissions
        // alone would not make a file unreadable).
        XCTAssertEqual(symlink(dir.file("missing.jsonl"), dir.file("in/b.jsonl")), 0)
        try dir.write("in/c.jsonl", Fixtures.jsonl(Fixtures.records(2, prefix: "c")))
        let (output, stats) = try Read.all([dir.file("in"), dir.file("nowhere")])
        XCTAssertEqual(try ids(output), ["doc-0", "doc-1", "c-0", "c-1"])
        XCTAssertEqual(stats.errors, ["read:unreadable": 2])
        XCTAssertEqual(Set(stats.incidents.map(\.location)), [dir.file("in/b.jsonl"), dir.file("nowhere")])
    }

    func testOversizedRecordIsSkippedWithoutLosingNeighbours() throws {
        var options = ReadOptions.withExtractors
        options.maxDocumentBytes = 100_000
        let huge = #"{"id":"huge","text":""# + String(repeating: "x", count: 3_000_000) + #""}"#
        var lines = Fixtures.records(4)
        lines.insert(huge, at: 2)
        lines.append(huge)      // also as the last record, without a newline after it
        let bytes = Array(lines.joined(separator: "\n").utf8)
        let plain = try dir.write("big.jsonl", bytes)
        let zst = try dir.write("big.jsonl.zst", Fixtures.zstdFrames(bytes, chunkBytes: 1 << 20))
        for path in [plain, zst] {
            let (output, stats) = try Read.all([path], options: options)
            XCTAssertEqual(try ids(output), ["doc-0", "doc-1", "doc-2", "doc-3"], path)
            XCTAssertEqual(stats.drops, ["read:document_too_large": 2], path)
            XCTAssertEqual(stats.incidents.map(\.location), ["\(path):3", "\(path):6"])
        }
    }

    func testTextFilesAreOneDocumentEach() throws {
        try dir.write("t/b.txt", "second\n")
        try dir.write("t/a.txt", Array("first line\nsecond line\n".utf8) + [0xFF])
        try dir.write("t/big.txt", String(repeating: "y", count: 2000))
        var options = ReadOptions.withExtractors
        options.maxDocumentBytes = 1000
        let (output, stats) = try Read.all([dir.file("t")], options: options)
        let docs = try Fixtures.objects(output)
        XCTAssertEqual(docs.map { $0["id"] as! String }, ["a.txt", "b.txt"])
        XCTAssertEqual(docs[0]["text"] as! String, "first line\nsecond line\n\u{FFFD}")
        XCTAssertEqual(stats.drops, ["read:document_too_large": 1])
        XCTAssertEqual(stats.repairs, ["read:invalid_utf8": 1])
    }
}
