import XCTest
import SieveCore
@testable import SieveShards
import SieveTestSupport

/// The bytes Sieve writes: checksums, Megatron's index layout, the sidecar, packing.
final class ShardFormatTests: XCTestCase {
    var dir: TemporaryDirectory!
    override func setUpWithError() throws { dir = try TemporaryDirectory() }
    override func tearDown() { dir.remove() }

    func testXXHash64MatchesTheReference() {
        // From Python's xxhash package: xxhash.xxh64(data).intdigest().
        let cases: [([UInt8], UInt64)] = [
            ([], 0xEF46_DB37_51D8_E999),
            (Array("a".utf8), 0xD24E_C4F1_A98C_6E5B),
            (Array("abc".utf8), 0x44BC_2CF5_AD77_0999),
            (Array("0123456789abcdef0123456789abcdef".utf8), 0x642A_9495_8E71_E6C5),
            (Array((0..<768).map { UInt8($0 % 256) }) + Array("xyz".utf8), 0xE921_A1B4_5BD7_79F8),
        ]
        for (bytes, expected) in cases {
            XCTAssertEqual(bytes.withUnsafeBytes { XXHash64.hash($0) }, expected, "\(bytes.count) bytes")
            // Streaming in uneven pieces gives the same digest.
            var h = XXHash64()
            var at = 0, step = 1
            while at < bytes.count {
                let end = min(bytes.count, at + step)
                bytes[at..<end].withUnsafeBytes { h.update($0) }
                at = end
                step = step * 3 % 37 + 1
            }
            XCTAssertEqual(h.digest(), expected)
        }
        XCTAssertEqual(XXHash64.hex(0xAB), "00000000000000ab")
    }

    func testIndexHasMegatronsLayoutByteForByte() throws {
        let writer = try IndexedDatasetWriter(prefix: dir.file("s/x"))
        for sequence: [Int32] in [[1, 2, 3], [70000], [-1, 151643]] {
            try sequence.withUnsafeBytes { try writer.append($0) }
        }
        let files = try writer.finish()
        var expected = Array("MMIDIDX".utf8) + [0, 0]
        expected += [1, 0, 0, 0, 0, 0, 0, 0]          // version 1
        expected += [4]                               // dtype code 4: int32
        expected += [3, 0, 0, 0, 0, 0, 0, 0]          // 3 sequences
        expected += [4, 0, 0, 0, 0, 0, 0, 0]          // 4 document indices
        expected += [3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]   // lengths, int32
        expected += [0, 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0]  // byte pointers, int64
        expected += [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]
        XCTAssertEqual(try Fixtures.contents(dir.file("s/x.idx")), expected)
        XCTAssertEqual(try Fixtures.contents(dir.file("s/x.bin")),
                       [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0x70, 0x11, 1, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x5B, 0x50, 2, 0])
        XCTAssertEqual(files.map(\.suffix), [".bin", ".idx"])
        XCTAssertEqual(files[1].xxh64, XXHash64.hex(expected.withUnsafeBytes { XXHash64.hash($0) }))
        let reader = try IndexedDatasetReader(prefix: dir.file("s/x"))
        XCTAssertEqual((0..<3).map(reader.sequence), [[1, 2, 3], [70000], [-1, 151643]])
        XCTAssertEqual(reader.documentIndices, [0, 1, 2, 3])
        // No temporary file is left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.file("s")).sorted(), ["x.bin", "x.idx"])
    }

    func testReaderRefusesTruncatedAndForeignFiles() throws {
        let writer = try IndexedDatasetWriter(prefix: dir.file("x"))
        try [Int32](repeating: 7, count: 100).withUnsafeBytes { try writer.append($0) }
        _ = try writer.finish()
        let bin = try Fixtures.contents(dir.file("x.bin"))
        try dir.write("x.bin", Array(bin.dropLast(4)))
        XCTAssertThrowsError(try IndexedDatasetReader(prefix: dir.file("x"))) {
            XCTAssertTrue("\($0)".contains("x.bin: size 396 bytes, but the index describes 400"), "\($0)")
        }
        try dir.write("x.idx", "not an index")
        XCTAssertThrowsError(try IndexedDatasetReader(prefix: dir.file("x"))) {
            XCTAssertTrue("\($0)".contains("no MMIDIDX header"), "\($0)")
        }
    }

    func testDocumentTableRoundTrips() throws {
        let documents = [
            ShardDocument(id: "a.jsonl@0", source: "web/a.jsonl", tokens: 12, languageScore: 0.97, quality: .nan, domainScore: 0.5),
            ShardDocument(id: "ünïcode", source: "", tokens: 1, clusterSize: 1_000_001),
        ]
        let bytes = DocumentTable.encode(documents)
        XCTAssertEqual(Array(bytes[0..<8]), Array("SIEVEDOC".utf8))
        XCTAssertEqual(Array(bytes[8..<16]), [2, 0, 0, 0, 36, 0, 0, 0], "version 2, records of 36 bytes")
        XCTAssertEqual(bytes.count, 32 + 2 * 36 + "a.jsonl@0web/a.jsonlünïcode".utf8.count)
        try dir.write("t.docs", bytes)
        let read = try DocumentTable.read(path: dir.file("t.docs"))
        XCTAssertEqual(read.map(\.id), documents.map(\.id))
        XCTAssertEqual(read.map(\.source), documents.map(\.source))
        XCTAssertEqual(read.map(\.tokens), [12, 1])
        XCTAssertEqual(read.map(\.clusterSize), [1, 1_000_001])
        XCTAssertEqual(read[0].languageScore, 0.97)
        XCTAssertTrue(read[0].quality.isNaN && read[1].languageScore.isNaN)

        // Version 1 (records of 32 bytes, no cluster size), as earlier builds wrote it:
        // read with every cluster size 1.
        var v1: [UInt8] = Array(bytes[0..<32])
        v1.replaceSubrange(8..<16, with: [1, 0, 0, 0, 32, 0, 0, 0])
        v1.replaceSubrange(24..<32, with: withUnsafeBytes(of: UInt64(32 + 2 * 32).littleEndian, Array.init))
        for r in 0..<2 { v1 += bytes[32 + r * 36..<32 + r * 36 + 32] }
        v1 += bytes[(32 + 2 * 36)...]
        try dir.write("v1.docs", v1)
        let old = try DocumentTable.read(path: dir.file("v1.docs"))
        XCTAssertEqual(old.map(\.id), documents.map(\.id))
        XCTAssertEqual(old.map(\.tokens), [12, 1])
        XCTAssertEqual(old.map(\.clusterSize), [1, 1])
        // A version 2 header over version 1 records is refused, not misread.
        v1.replaceSubrange(8..<12, with: [2, 0, 0, 0])
        try dir.write("bad.docs", v1)
        XCTAssertThrowsError(try DocumentTable.read(path: dir.file("bad.docs"))) {
            XCTAssertTrue("\($0)".contains("version 2 has records of 36 bytes, not 32"), "\($0)")
        }
    }

    func testPackerSplitsDocumentsAtSequenceBoundariesAndKeepsTheirBoundaries() throws {
        var packer = SequencePacker(seqLen: 4)
        var sequences: [[Int32]] = [], bounds: [[Int32]] = []
        var started: [Int] = [], cut: [Bool] = []
        let documents: [[Int32]] = [[1, 1, 9], [2, 2, 2, 2, 2, 9], [3, 9], [9], [5, 9]]
        for document in documents {
            try document.withUnsafeBytes { d in
                cut.append(try packer.add(d) { s in
                    sequences.append(Array(s.tokens.bindMemory(to: Int32.self)))
                    bounds.append(Array(s.cuSeqlens.bindMemory(to: Int32.self)))
                    started.append(s.documentsStarted)
                })
            }
        }
        // The 6-token document spans three sequences; boundaries mark every piece's end.
        XCTAssertEqual(sequences, [[1, 1, 9, 2], [2, 2, 2, 2], [9, 3, 9, 9]])
        XCTAssertEqual(bounds, [[0, 3, 4], [0, 4], [0, 1, 3, 4]])
        XCTAssertEqual(started, [2, 0, 2], "a document counts in the sequence of its first token")
        XCTAssertEqual(cut, [false, true, false, false, false])
        XCTAssertEqual(packer.pendingTokens, 2, "the last document starts an incomplete sequence")
        XCTAssertEqual(try packer.finish { _ in XCTFail("concat drops the incomplete last sequence") }, 2)
    }

    func testAssemblerGroupsByLanguageAndDomainAndCapsShardSize() throws {
        func document(_ id: String, _ language: String?, tokens: Int) -> Document {
            var d = Document(id: id, text: String(repeating: "x", count: tokens), source: "s")
            if let language { d.setMetadata("language", .string(language)) }
            d.setMetadata("language_score", .number("0.5"))
            d.tokens = (0..<tokens).map { UInt32($0) }
            return d
        }
        try dir.write("p/00000.part", TokenPart.encode([document("a", "eng_Latn", tokens: 10), document("b", "swh_Latn", tokens: 4),
                                                        document("c", "eng_Latn", tokens: 10)]))
        try dir.write("p/00001.part", TokenPart.encode([document("d", "eng_Latn", tokens: 30), document("e", nil, tokens: 2),
                                                        document("f", "../../etc", tokens: 1)]))
        let shards = try ShardAssembler(directory: dir.file("shards"), task: 3, maxShardBytes: 80)
            .assemble(parts: [dir.file("p/00000.part"), dir.file("p/00001.part")])
        let names = shards.map { String($0.prefix.dropFirst(dir.file("shards/").count)) }
        // eng: a+c = 80 bytes fill the first shard; d (120 bytes) gets its own.
        XCTAssertEqual(names, ["eng_Latn/unlabeled/00003-00000", "______etc/unlabeled/00003-00000", "eng_Latn/unlabeled/00003-00001",
                               "swh_Latn/unlabeled/00003-00000", "und/unlabeled/00003-00000"])
        XCTAssertEqual(shards.map(\.documents), [2, 1, 1, 1, 1])
        XCTAssertEqual(shards.map(\.tokens), [20, 1, 30, 4, 2])
        XCTAssertEqual(shards[0].meanLanguageScore, 0.5)
        let reader = try IndexedDatasetReader(prefix: shards[2].prefix)
        XCTAssertEqual(reader.sequence(0), (0..<30).map(Int32.init))
        XCTAssertEqual(try DocumentTable.read(path: shards[0].prefix + ".docs").map(\.id), ["a", "c"])
    }

    /// More shards than the assembler commits at once (their files are committed in
    /// batches): every shard's three files are whole, match its record, and no temporary
    /// file is left.
    func testAssemblerCommitsManyShardsWhole() throws {
        var documents: [Document] = []
        for n in 0..<70 {
            var d = Document(id: "d\(n)", text: String(repeating: "x", count: n + 1), source: "s")
            d.setMetadata("language", .string("l\(n % 45)_Latn"))
            d.tokens = (0..<(n + 1)).map { UInt32($0 * 7 + n) }
            documents.append(d)
        }
        try dir.write("p/00000.part", TokenPart.encode(documents))
        let shards = try ShardAssembler(directory: dir.file("shards"), task: 0, maxShardBytes: 1 << 20)
            .assemble(parts: [dir.file("p/00000.part")])
        XCTAssertEqual(shards.count, 45)
        XCTAssertEqual(shards.map(\.documents).reduce(0, +), 70)
        for shard in shards {
            for file in shard.files {
                let bytes = try Fixtures.contents(shard.prefix + file.suffix)
                XCTAssertEqual(bytes.count, file.bytes, shard.prefix + file.suffix)
                XCTAssertEqual(XXHash64.hex(bytes.withUnsafeBytes { XXHash64.hash($0) }), file.xxh64, shard.prefix + file.suffix)
            }
            let reader = try IndexedDatasetReader(prefix: shard.prefix)
            let ids = try DocumentTable.read(path: shard.prefix + ".docs").map(\.id)
            for (k, id) in ids.enumerated() {
                let n = Int(id.dropFirst())!
                XCTAssertEqual(reader.sequence(k), (0..<(n + 1)).map { Int32($0 * 7 + n) })
            }
        }
        let left = FileManager.default.enumerator(atPath: dir.file("shards"))!.compactMap { $0 as? String }
            .filter { ($0 as NSString).lastPathComponent.hasPrefix(".") }
        XCTAssertEqual(left, [], "no temporary file left")
    }
}
