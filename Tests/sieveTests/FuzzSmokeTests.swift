import Foundation
import SieveTestSupport
import XCTest

/// The fuzz targets in a plain build (`sieve-fuzz TARGET FILE...`, docs/fuzzing.md), for
/// seconds rather than the half hours scripts/fuzz.sh runs them: every target gets its
/// seeds from the repository (parquet's are its crash inputs; the two model targets get
/// small models trained here, as scripts/fuzz.sh does) and 40 deterministic
/// mutations of each (bit flips, cuts, repeated and inserted bytes), and must return
/// normally on all of them. Crash inputs
/// that coverage-guided runs found are replayed from Tests/FuzzCrashes/TARGET/.
final class FuzzSmokeTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path

    var fuzz: String { (Command.sieve as NSString).deletingLastPathComponent + "/sieve-fuzz" }

    func seeds(in dir: TemporaryDirectory) throws -> [String: [[UInt8]]] {
        func file(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: Self.repository + "/" + path))) }
        func gzip(_ bytes: [UInt8], _ name: String) throws -> [UInt8] {
            let path = try dir.write("seeds/\(name)", bytes)
            let run = try Command.run("/usr/bin/env", ["gzip", "-kf", path])
            guard run.status == 0 else { throw XCTSkip("gzip did not run: \(run.stderr)") }
            return try Fixtures.contents(path + ".gz")
        }
        let lines = Array(Fixtures.jsonl(Fixtures.records(30, seed: 9)))
        let zst = Fixtures.zstdFrames(lines, chunkBytes: 700)
        let arpa = Array("\\data\\\nngram 1=3\nngram 2=1\n\n\\1-grams:\n-1\t<unk>\t0\n0\t<s>\t-0.3\n-0.5\t</s>\t0\n\n\\2-grams:\n-0.2\t<s> </s>\n\n\\end\\\n".utf8)
        let warc = Array("WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://example.com/\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: 103\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Hello, fuzz world.</p></body></html>\r\n\r\n".utf8)
        // A language-ID model small enough to be read whole: its body (the target puts it
        // in a zstd frame) and the file itself.
        let langid = try dir.write("seeds/langid/eng_Latn.txt", Array(String(repeating: "the cat sat on the mat and looked around\n", count: 20).utf8))
        _ = try dir.write("seeds/langid/fra_Latn.txt", Array(String(repeating: "le chat est assis sur le tapis et regarde\n", count: 20).utf8))
        _ = try dir.write("seeds/langid/rus_Cyrl.txt", Array(String(repeating: "кошка сидит на ковре и смотрит вокруг\n", count: 20).utf8))
        let model = (langid as NSString).deletingLastPathComponent + "/m.model"
        let trained = try Command.run(Command.sieve, ["langid", "train", "--data", (langid as NSString).deletingLastPathComponent,
                                                      "--out", model, "--epochs", "1", "--latin-bucket-bits", "4", "--bucket-bits", "4",
                                                      "--min-samples", "10", "--max-samples", "10"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let modelFile = try Fixtures.contents(model)
        // A classifier small enough to be read whole, as scripts/fuzz.sh seeds it (the
        // shipped models/domain.cls is megabytes, and a prefix of it fails the first check).
        let labelled = try dir.write("seeds/labelled.jsonl", (0..<20).map { i in
            #"{"text":"\#(i % 2 == 0 ? "the cat sat on the mat" : "stocks fell on the market") \#(i)","label":"\#(i % 2 == 0 ? "pets" : "money")"}"#
        }.joined(separator: "\n") + "\n")
        let classifier = (labelled as NSString).deletingLastPathComponent + "/m.cls"
        let classifierTrained = try Command.run(Command.sieve, ["classifier", "train", "--data", labelled, "--output", classifier, "--dim", "4",
                                                                "--buckets", "64", "--word-ngrams", "2", "--minn", "2", "--maxn", "3",
                                                                "--epochs", "1"])
        XCTAssertEqual(classifierTrained.status, 0, classifierTrained.stderr)
        return [
            "json": [Array(lines.prefix(400)), try file("models/seeds.json").prefix(3000).map { $0 }],
            "toml": [try file("examples/pipeline.toml"), try file("languages/mixture.toml")],
            "jsonl": [lines],
            "jsonl-zst": [zst],
            "jsonl-gz": [try gzip(lines, "a.jsonl")],
            "warc": [warc],
            "warc-gz": [try gzip(warc, "a.warc")],
            "tokenizer": [try file("examples/tokenizer.json")],
            "fasttext": [try file("Tests/SieveModelsTests/Fixtures/fasttext-parity.bin")],
            "langid-model": [Fixtures.unzstd(modelFile), modelFile],
            "parquet": try FileManager.default.contentsOfDirectory(atPath: Self.repository + "/Tests/FuzzCrashes/parquet").sorted()
                .map { try file("Tests/FuzzCrashes/parquet/" + $0) },
            "html": [Array("<html><head><meta charset=\"windows-1252\"><title>t</title></head><body><article><p>Caf\u{e9} <b>world</b></p><script>x</script></article></body></html>".utf8)],
            "arpa": [arpa],
            "manifest": [],
            "classifier": [try Fixtures.contents(classifier)],
            "pdf-layout": [Array("Hello world, a first line\nand a second one.\u{0C}مرحبا \u{202B}word\u{202C}.".utf8)
                           + [0xFF, 1, 2, 5, 4, 6, 2, 9, 4, 0x40, 0x50, 0x80, 0x7F]],
            "pdf-reply": [Self.frame(#"{"status":"document","document":{"text":"Hello","pages":1,"title":"","author":"","producer":"","created":""}}"#),
                          Self.frame(#"{"status":"no_text_layer","pages":3}"#)],
        ]
    }

    /// A worker's reply frame: 8-byte little-endian length, then the JSON.
    static func frame(_ json: String) -> [UInt8] {
        withUnsafeBytes(of: UInt64(json.utf8.count).littleEndian) { Array($0) } + Array(json.utf8)
    }

    /// 40 mutations of `seed`, the same every run.
    func mutations(_ seed: [UInt8], salt: UInt64) -> [[UInt8]] {
        var random = SplitMix(seed: salt)
        return (0..<40).map { i in
            var bytes = seed
            guard !bytes.isEmpty else { return [UInt8(i)] }
            let at = Int(random.next() % UInt64(bytes.count))
            switch i % 5 {
            case 0: bytes[at] ^= UInt8(1 << (random.next() % 8))
            case 1: bytes.removeSubrange(at...)
            case 2: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 64)], at: at)
            case 3: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: at)
            default: bytes[at] = [0x00, 0xFF, 0x22, 0x5C, 0x7B, 0x0A][Int(random.next() % 6)]
            }
            return bytes
        }
    }

    func testEveryTargetSurvivesMutatedSeeds() throws {
        guard FileManager.default.isExecutableFile(atPath: fuzz) else { throw XCTSkip("sieve-fuzz is not built beside sieve (swift build builds it)") }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let seeds = try seeds(in: dir)
        XCTAssertEqual(Set(seeds.keys), Set(try Command.run(fuzz, []).stderr.split(separator: "(targets: ").last.map {
            $0.prefix { $0 != ")" }.components(separatedBy: ", ")
        } ?? []), "a seed (or an empty list) for every target")
        for (target, inputs) in seeds.sorted(by: { $0.key < $1.key }) {
            var files: [String] = []
            for (s, seed) in inputs.enumerated() {
                for (m, bytes) in ([seed] + mutations(seed, salt: UInt64(s * 1000 + target.count))).enumerated() {
                    files.append(try dir.write("\(target)/\(s)-\(m)", bytes))
                }
            }
            if files.isEmpty { files.append(try dir.write("\(target)/empty", [])) }
            let run = try Command.run(fuzz, [target] + files)
            XCTAssertEqual(run.status, 0, "\(target): \(run.stderr.suffix(2000))")
        }
    }

    func testCrashInputsFoundByFuzzingStayFixed() throws {
        guard FileManager.default.isExecutableFile(atPath: fuzz) else { throw XCTSkip("sieve-fuzz is not built beside sieve (swift build builds it)") }
        let root = Self.repository + "/Tests/FuzzCrashes"
        for target in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            let files = try FileManager.default.contentsOfDirectory(atPath: root + "/" + target).sorted().map { root + "/" + target + "/" + $0 }
            let run = try Command.run(fuzz, [target] + files)
            XCTAssertEqual(run.status, 0, "\(target): \(run.stderr.suffix(2000))")
        }
    }
}
