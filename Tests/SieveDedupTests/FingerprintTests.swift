import Foundation
import SieveCore
@testable import SieveDedup
import SieveTestSupport
import XCTest

final class FingerprintTests: XCTestCase {
    /// Values from Python's `mmh3.hash128(data, 0, True, signed=False)` (mmh3 5.x),
    /// as 16 little-endian bytes.
    func testMurmurHash3MatchesReference() {
        XCTAssertEqual(MurmurHash3.hash([]).hex, "00000000000000000000000000000000")
        XCTAssertEqual(MurmurHash3.hash(Array("a".utf8)).hex, "897859f6655555855a890e51483ab5e6")
        XCTAssertEqual(MurmurHash3.hash(Array("hello".utf8)).hex, "029bbd41b3a7d8cb191dae486a901e5b")
        XCTAssertEqual(MurmurHash3.hash(Array("The quick brown fox jumps over the lazy dog".utf8)).hex,
                       "6c1b07bc7bbc4be347939ac4a93c437a")
        let long = (0..<3).flatMap { _ in (0...255).map { UInt8($0) } }
        XCTAssertEqual(MurmurHash3.hash(long).hex, "b626b903306c92cf3846f3e2e5d953fa")
    }

    /// Values from Python's `xxhash.xxh64_intdigest` (xxhash 4.1.0) of bytes (7i+3) mod 256;
    /// the one-shot form dedup uses and the streaming form agree across the 32-byte stripe.
    func testXXHash64OneShotMatchesReferenceAndStreaming() {
        let expected: [(Int, UInt64, UInt64)] = [
            (0, 0xef46db3751d8e999, 0x4be1d406981cfd3b), (1, 0x1f25c8d0bc1f4bb6, 0x8e04806881b4d61d),
            (5, 0xc7608efddb7051fe, 0x80d2e9790f0a6e91), (31, 0xa2aa5f33cc4a6119, 0x4b620437708c3ea9),
            (32, 0x23c3c17ef790fd97, 0xb483e00f1dd67337), (33, 0x50a7cfc7ba588784, 0xbb0f5983c203f593),
            (100, 0xa61f8d4c170fe531, 0x708dc77abb05ec00),
        ]
        for (n, seed0, seed5) in expected {
            let bytes = (0..<n).map { UInt8(($0 * 7 + 3) % 256) }
            bytes.withUnsafeBytes { raw in
                XCTAssertEqual(XXHash64.hash(raw), seed0, "length \(n)")
                XCTAssertEqual(XXHash64.hash(raw, seed: 5), seed5, "length \(n), seed 5")
            }
            var streaming = XXHash64()
            for chunk in stride(from: 0, to: n, by: 7) { streaming.update(Array(bytes[chunk..<min(n, chunk + 7)])) }
            XCTAssertEqual(streaming.digest(), seed0, "streaming, length \(n)")
        }
    }

    struct ReferenceCase: Decodable {
        var language: String?
        var line: Int?
        var text: String?
        var shingles: Int
        var signature: [UInt32]?
        var bands: [UInt64]?
    }

    /// The cases of Benchmarks/dedup/reference.py's output: texts written out (edge cases)
    /// and texts taken from ../shared/data/langid (twelve scripts).
    func referenceCases() throws -> [ReferenceCase] {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/reference-signatures.jsonl")
        let cases = try String(contentsOf: fixture, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(ReferenceCase.self, from: Data($0.utf8)) }
        XCTAssertEqual(cases.count, 43)
        return cases
    }

    func check(_ c: ReferenceCase, text: String, fingerprinter: Fingerprinter) {
        let shingles = fingerprinter.shingler.shingles(text)
        XCTAssertEqual(shingles.count, c.shingles, "shingles of \(text.prefix(40))")
        let signature = fingerprinter.minHasher.signature(shingles)
        XCTAssertEqual(signature, c.signature, "signature of \(text.prefix(40))")
        XCTAssertEqual(fingerprinter.fingerprint(text).bands, c.bands ?? [], "bands of \(text.prefix(40))")
    }

    /// Shingles, signatures and band keys equal those of Benchmarks/dedup/reference.py,
    /// an independent Python implementation of docs/dedup.md, on edge cases.
    func testSignaturesMatchPythonReferenceOnEdgeCases() throws {
        let fingerprinter = Fingerprinter(settings: DedupSettings())
        let literal = try referenceCases().filter { $0.text != nil }
        XCTAssertEqual(literal.count, 7)
        for c in literal { check(c, text: c.text!, fingerprinter: fingerprinter) }
    }

    /// The same on text in twelve scripts, rebuilt from ../shared/data/langid (skipped,
    /// saying so, without it).
    func testSignaturesMatchPythonReferenceOnTwelveScripts() throws {
        let fingerprinter = Fingerprinter(settings: DedupSettings())
        let fromLangID = try referenceCases().filter { $0.text == nil }
        XCTAssertEqual(fromLangID.count, 36)
        var lines: [String: [String]] = [:]
        for c in fromLangID {
            let language = c.language!
            if lines[language] == nil {
                let path = try SharedData.path("langid/\(language).txt")
                lines[language] = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
                    .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            check(c, text: lines[language]![c.line!..<(c.line! + 3)].joined(separator: " "), fingerprinter: fingerprinter)
        }
    }

    /// Chinese, Japanese and Thai are cut into words by ICU's dictionaries, so a sentence
    /// has several word shingles, and a one-word edit changes only the shingles near it.
    func testDictionaryScriptsAreSegmentedIntoWords() {
        let shingler = Shingler()
        let chinese = "我们今天下午去图书馆看书，然后一起吃晚饭。"
        let shingles = shingler.shingles(chinese)
        XCTAssertGreaterThan(shingles.count, 3, "ICU word breaks, not one word per run")
        XCTAssertGreaterThan(shingler.shingles("วันนี้อากาศดีมากเราจะไปเที่ยวทะเลกัน").count, 2)
        XCTAssertGreaterThan(shingler.shingles("今日はとても良い天気なので公園に散歩に行きます").count, 2)
        // Character shingles keep the text whole: no spaces between dictionary words, one
        // for the comma (21 characters -> 20 -> 16 five-grams).
        XCTAssertEqual(Shingler(unit: .character, size: 5).shingles(chinese).count, 16)
    }

    /// Normalization: case, punctuation, spacing and digit values do not matter; word
    /// order does.
    func testNormalizationAndTheShortDocumentRule() {
        let shingler = Shingler()
        XCTAssertEqual(shingler.shingles("The Cat sat on the mat, in 1999!"), shingler.shingles("the cat -- SAT on THE mat in 2024"))
        XCTAssertNotEqual(shingler.shingles("the cat sat on the mat"), shingler.shingles("the mat sat on the cat"))
        // Fewer words than the shingle size: one shingle of all of them. None: no shingles.
        XCTAssertEqual(shingler.shingles("Hello world").count, 1)
        XCTAssertEqual(shingler.shingles("one two three four five six").count, 2)
        XCTAssertEqual(shingler.shingles(" ... !!! "), [])
        XCTAssertEqual(shingler.shingles(""), [])
        XCTAssertNil(MinHasher().signature([]))
        XCTAssertEqual(Fingerprinter(settings: DedupSettings()).fingerprint("").bands, [])
        // Exact matching ignores spacing only.
        XCTAssertEqual(Fingerprinter.exactHash("  a b\n\nc\t"), Fingerprinter.exactHash("a b c"))
        XCTAssertNotEqual(Fingerprinter.exactHash("a b c"), Fingerprinter.exactHash("A b c"))
    }

    /// The fraction of equal MinHash values estimates the Jaccard similarity of the
    /// shingle sets: checked on pairs of known similarity, within 4 standard deviations.
    func testSignatureAgreementEstimatesJaccard() {
        var random = SplitMix(seed: 3)
        let hasher = MinHasher(bands: 64, rows: 8)
        for sharedPercent in [10, 50, 80, 95] {
            // Two sets of 400 shingles sharing s: Jaccard s / (800 - s).
            let shared = 400 * sharedPercent / 100
            let common = (0..<shared).map { _ in random.next() }
            let a = common + (0..<(400 - shared)).map { _ in random.next() }
            let b = common + (0..<(400 - shared)).map { _ in random.next() }
            let jaccard = Double(shared) / Double(800 - shared)
            let (sa, sb) = (hasher.signature(a)!, hasher.signature(b)!)
            let estimate = Double(zip(sa, sb).filter { $0 == $1 }.count) / Double(sa.count)
            let sigma = (jaccard * (1 - jaccard) / Double(sa.count)).squareRoot()
            XCTAssertEqual(estimate, jaccard, accuracy: 4 * sigma + 0.001, "J = \(jaccard)")
        }
        XCTAssertEqual(MinHasher().collisionProbability(jaccard: 0.8), 1 - pow(1 - pow(0.8, 8), 14), accuracy: 1e-12)
    }
}

final class MinHashKernelTests: XCTestCase {
    /// The C kernel (AVX2 or baseline, whichever this CPU runs) equals the plain Swift
    /// reference, for shingle counts around the vector width and for odd hash counts.
    func testKernelEqualsReference() {
        var random = SplitMix(seed: 11)
        for (bands, rows) in [(14, 8), (9, 13), (1, 1), (20, 5)] {
            let hasher = MinHasher(bands: bands, rows: rows, seed: 7)
            for count in [1, 2, 3, 4, 5, 31, 200] {
                let shingles = (0..<count).map { _ in random.next() }
                XCTAssertEqual(hasher.signature(shingles), hasher.referenceSignature(shingles), "\(bands)x\(rows), \(count) shingles")
            }
        }
    }
}

final class GroupLinkerTests: XCTestCase {
    /// In a group of colliding documents 1 < 2 < 3 < 4 where 2 is unlike 1 but like 3,
    /// verification joins 3 to 2 (a representative), 4 (like 1) to 1, and rejects the
    /// rest; exact groups are linked without comparison.
    func testVerificationComparesWithRepresentatives() throws {
        let sets: [UInt64: [UInt64]] = [1: [1, 2, 3, 4], 2: [10, 11, 12, 13], 3: [10, 11, 12, 14], 4: [1, 2, 3, 4, 5]]
        var linker = GroupLinker(threshold: 0.6) { sets[$0]! }
        var union = SparseUnionFind()
        var exact: [UInt64] = []
        try linker.link([7, 1, 7, 2, 7, 3, 7, 4], fields: 2, exact: false, into: &union, exactMembers: &exact)
        XCTAssertEqual(union.members().map { [$0.member, $0.root] }, [[3, 2], [4, 1]])
        XCTAssertEqual(linker.compared, 4)  // 2-1, 3-1, 3-2, 4-1
        XCTAssertEqual(linker.rejected, 2)
        try linker.link([5, 9, 8, 5, 9, 9], fields: 3, exact: true, into: &union, exactMembers: &exact)
        XCTAssertEqual(exact, [9])
        XCTAssertEqual(GroupLinker.jaccard([1, 2, 3], [2, 3, 4, 5]), 2.0 / 5.0)
        XCTAssertEqual(GroupLinker.jaccard([], []), 1)
    }
}
