import Foundation
import SieveCore
import SievePipeline
import SieveReport
import SieveShards
import SieveTestSupport
import XCTest

/// The report page in-process, from the manifest of a small run made here: its numbers
/// are the manifest's, and the page is the same each time it is made.
final class RunReportPageTests: XCTestCase {
    static func text(_ html: String) -> String {
        html.replacingOccurrences(of: "<[^>]+>", with: " ", options: .regularExpression)
            .replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression)
    }

    func testPageNumbersAreTheManifests() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // 40 distinct documents, 12 of them twice and 3 of those three times: 55 read,
        // 15 exact duplicates in 12 clusters (9 pairs, 3 triples).
        var lines: [String] = []
        let distinct = (0..<40).map { i in "Document \(i) says something of its own about topic \(i * 7919 % 104729), in a few words." }
        for (i, text) in distinct.enumerated() {
            lines.append("{\"id\":\"d\(i)\",\"text\":\"\(text)\"}")
            if i < 12 { lines.append("{\"id\":\"c\(i)\",\"text\":\"\(text)\"}") }
            if i < 3 { lines.append("{\"id\":\"e\(i)\",\"text\":\"\(text)\"}") }
        }
        try dir.write("corpus/a.jsonl", lines.joined(separator: "\n") + "\n")
        let config = try PipelineConfig(toml: """
            [input]
            paths = ["corpus"]
            [output]
            dir = "out"
            [[stage]]
            type = "dedup"
            minhash = false
            """, baseDirectory: dir.path)
        var run = try PipelineRun(config: config, threads: 2)
        run.showProgress = false
        let report = try run.run()
        XCTAssertEqual(report.stats[stage: "dedup"].drops["dedup:exact"], 15)

        let manifest = dir.file("out/manifest.sqlite")
        let html = try RunReportPage.render(manifest: manifest)
        let text = Self.text(html)
        XCTAssertTrue(text.contains("55 documents read"), text)
        XCTAssertTrue(text.contains("dedup:exact 15 27.3%"), text)
        XCTAssertTrue(text.contains("Cluster sizes 2 documents 9 clusters 3–4 documents 3 clusters"), text)
        XCTAssertEqual(try RunReportPage.render(manifest: manifest), html)
        // The page the run wrote is the one rendered from its manifest.
        XCTAssertEqual(try Fixtures.contents(dir.file("out/report.html")), Array(html.utf8))
    }
}
