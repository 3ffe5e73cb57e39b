import Foundation
import XCTest
import SieveShards
import SieveTestSupport

/// A pipeline with dedup killed at any point, in its first pass (while it spills) or its
/// second (while it reads the spill), resumes to the bytes of a run that was never
/// killed, and of a run that does not spill at all.
final class SpillKillTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path

    func testKillsInEitherPassResumeToTheSameBytes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("corpus/a.jsonl", Fixtures.jsonl(Fixtures.records(5000, seed: 1, prefix: "a")))
        try dir.write("corpus/b.jsonl", Fixtures.jsonl(Fixtures.records(5000, seed: 1, prefix: "b")))
        func config(spill: Bool) throws -> String {
            try dir.write("pipeline-\(spill).toml", """
                [input]
                paths = ["corpus"]
                split_bytes = 150000
                [output]
                dir = "out"
                rejected = true
                [run]
                batch_bytes = 65536
                spill = \(spill)
                [[stage]]
                type = "langid"
                model = "\(Self.repository)/languages/langid.model"
                keep_undetermined = true
                [[stage]]
                type = "dedup"
                [[stage]]
                type = "tokenize"
                tokenizer = "\(Self.repository)/examples/tokenizer.json"
                """)
        }
        /// Shards, their sidecars and the rejected files, by path.
        func outputs(_ out: String) throws -> [String: Data] {
            var files: [String: Data] = [:]
            for folder in ["shards", "rejected"] {
                let root = out + "/" + folder
                for name in FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [] {
                    var isDirectory: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: root + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                    files[folder + "/" + name] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + name))
                }
            }
            return files
        }
        let reference = try Command.run(Command.sieve, ["run", try config(spill: false), "--output", dir.file("ref"), "--no-progress"])
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let expected = try outputs(dir.file("ref"))
        XCTAssertGreaterThan(expected.count, 10)
        let spilling = try config(spill: true)

        func count(_ folder: String) -> Int {
            ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }.count
        }
        // Killed right away, after two units were spilled, and after one and three units
        // were finished in the second pass.
        let moments: [(String, (String) -> Bool)] = [
            ("at once", { _ in true }),
            ("2 units spilled", { count($0 + "/.sieve/spill") >= 2 }),
            ("1 unit done", { unitsRecorded(in: $0 + "/manifest.sqlite") >= 1 }),
            ("3 units done", { unitsRecorded(in: $0 + "/manifest.sqlite") >= 3 }),
        ]
        for (attempt, (moment, reached)) in moments.enumerated() {
            let out = dir.file("killed\(attempt)")
            let process = try Command.start(Command.sieve, ["run", spilling, "--output", out, "--threads", "2", "--no-progress"])
            Command.kill(process, when: { reached(out) }, within: 120)
            XCTAssertEqual(process.terminationReason, .uncaughtSignal, "the run ended before the kill (\(moment))")
            let resumed = try Command.run(Command.sieve, ["run", spilling, "--output", out, "--no-progress", "--json"])
            XCTAssertEqual(resumed.status, 0, resumed.stderr)
            XCTAssertEqual(try outputs(out), expected, "killed \(moment)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/.sieve/spill"), "killed \(moment)")
            let leftovers = (FileManager.default.enumerator(atPath: out)?.allObjects as? [String] ?? []).filter { $0.contains(".tmp-") }
            XCTAssertEqual(leftovers, [], "killed \(moment)")
            let report = try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as! [String: Any]
            // The second pass read every unit it had to do from the spill.
            XCTAssertEqual(report["units_from_spill"] as? Int, (report["units"] as! Int) - (report["units_resumed"] as! Int), "killed \(moment)")
            let rejections = "SELECT stage, rule, language, documents FROM rejections ORDER BY 1, 2, 3"
            XCTAssertEqual(try Manifest(readingFrom: out + "/manifest.sqlite").query(rejections).rows,
                           try Manifest(readingFrom: dir.file("ref/manifest.sqlite")).query(rejections).rows, "killed \(moment)")
        }
    }
}
