import Foundation
import SieveShards
import SieveTestSupport
import XCTest

/// The run report of the example pipeline: self-contained, its numbers equal to SQL on
/// the same manifest, damaged shards shown, and a page Chromium loads without errors.
final class ReportTests: XCTestCase {
    static func sieve(_ arguments: [String]) throws -> Command.Result { try Command.run(Command.sieve, arguments) }

    /// The page's text, tags removed and entities decoded, white space collapsed.
    static func text(_ html: String) -> String {
        var text = html.replacingOccurrences(of: "<[^>]+>", with: " ", options: .regularExpression)
        for (entity, c) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&amp;", "&")] { text = text.replacingOccurrences(of: entity, with: c) }
        return text.replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression)
    }

    static func commas(_ n: Int) -> String {
        let f = NumberFormatter()
        f.numberStyle = .decimal
        f.locale = Locale(identifier: "en_US")
        return f.string(from: NSNumber(value: n))!
    }

    func testExampleRunReportMatchesTheManifest() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let out = dir.file("out")
        let run = try Self.sieve(["run", MixCommandTests.repository + "/examples/pipeline.toml", "--output", out, "--no-progress"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let html = String(decoding: try Fixtures.contents(out + "/report.html"), as: UTF8.self)

        // Self-contained: no scripts, nothing fetched.
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("src=") || html.contains("href=") || html.contains("@import") || html.contains("url("))
        XCTAssertFalse(html.contains("https://"))
        XCTAssertEqual(html.components(separatedBy: "http://").count - 1, html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1,
                       "the only URLs are SVG namespaces")
        XCTAssertGreaterThanOrEqual(html.components(separatedBy: "<svg").count - 1, 6)

        // Numbers against SQL on the same manifest.
        let manifest = try Manifest(readingFrom: out + "/manifest.sqlite")
        func value(_ sql: String) throws -> Int { try XCTUnwrap(manifest.query(sql).rows.first?.first?.int) }
        let text = Self.text(html)
        let tokens = try value("SELECT sum(tokens) FROM shards WHERE kind = 'documents'")
        let documents = try value("SELECT sum(documents) FROM shards WHERE kind = 'documents'")
        let read = try value("SELECT documents_in FROM stages WHERE stage = 'read'")
        XCTAssertTrue(text.contains("\(Self.commas(read)) documents read"), text)
        XCTAssertTrue(text.contains("\(Self.commas(documents)) documents, \(Self.commas(tokens)) tokens in \(try value("SELECT count(*) FROM shards")) shards"), text)
        let duplicates = try value("SELECT sum(documents) FROM rejections WHERE stage = 'dedup'")
        XCTAssertGreaterThan(duplicates, 0)
        XCTAssertTrue(text.contains("dedup:minhash \(duplicates) "), text)
        let english = try value("SELECT sum(tokens) FROM shards WHERE language = 'eng_Latn'")
        XCTAssertTrue(text.contains("eng_Latn English Latn \(try value("SELECT sum(documents) FROM shards WHERE language = 'eng_Latn'")) \(Self.commas(english)) "), text)
        // Every language of the registry is listed, those without documents with zeros.
        let languages = try value("SELECT count(*) FROM languages")
        XCTAssertEqual(languages, 119)
        XCTAssertTrue(text.contains("Every language (\(languages))") || text.contains("Every language (\(languages + 1))"), text)
        let absent = try XCTUnwrap(manifest.query("SELECT code, name, script FROM languages WHERE code NOT IN (SELECT language FROM shards) ORDER BY code LIMIT 1").rows.first)
        XCTAssertTrue(text.contains("\(absent[0].string!) \(absent[1].string!) \(absent[2].string!) 0 0 "), text)
        XCTAssertTrue(text.contains("Every shard file is present and matches the manifest"), text)
        // The label stage's domains and quality scores: every labelled document is counted once.
        let labelled = try value("SELECT documents_in FROM stages WHERE stage = 'label'")
        XCTAssertTrue(text.contains("Documents per domain") && text.contains("Quality Documents by the quality model's score"), text)
        func numbers(between start: String, and end: String, _ pattern: String) throws -> [Int] {
            let from = try XCTUnwrap(text.range(of: start)), to = try XCTUnwrap(text.range(of: end, range: from.upperBound..<text.endIndex))
            let part = String(text[from.upperBound..<to.lowerBound])
            return try NSRegularExpression(pattern: pattern).matches(in: part, range: NSRange(part.startIndex..., in: part))
                .map { Int((part as NSString).substring(with: $0.range(at: 1)))! }
        }
        XCTAssertEqual(try numbers(between: "Documents per domain", and: "Quality", "[a-z_]+ (\\d+) \\(").reduce(0, +), labelled)
        XCTAssertEqual(try numbers(between: "from 0 to 1.", and: "Deduplication", "\\d\\.\\d\\d (\\d+)").reduce(0, +), labelled)

        // Regenerating from the manifest gives the same page.
        let again = try Self.sieve(["report", out + "/manifest.sqlite", "-o", dir.file("again.html")])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try Fixtures.contents(dir.file("again.html")), Array(html.utf8))

        // A mixture plan's targets, against what is available.
        XCTAssertEqual(try Self.sieve(["mix", "plan", out + "/manifest.sqlite", "--budget", "300K", "-o", dir.file("plan.toml")]).status, 0)
        let planned = try Self.sieve(["report", out + "/manifest.sqlite", "--plan", dir.file("plan.toml"), "-o", dir.file("planned.html")])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        let planText = Self.text(String(decoding: try Fixtures.contents(dir.file("planned.html")), as: UTF8.self))
        XCTAssertTrue(planText.contains("300,000 tokens, unimax"), planText)
        // English's largest group is among the plan rows shown.
        for row in try manifest.query("SELECT domain, sum(tokens) FROM shards WHERE language = 'eng_Latn' GROUP BY domain ORDER BY 2 DESC LIMIT 1").rows {
            XCTAssertTrue(planText.contains("eng_Latn \(row[0].string!) \(Self.commas(row[1].int!)) "), planText)
        }

        // A shard cut short is shown; a changed byte only when checksums are verified.
        let shard = try XCTUnwrap(manifest.query("SELECT path FROM shard_files WHERE path LIKE '%.bin' ORDER BY path LIMIT 1").rows.first?.first?.string)
        let path = out + "/" + shard
        var bytes = try Fixtures.contents(path)
        bytes[0] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try Self.sieve(["report", out + "/manifest.sqlite"]).status, 0)
        XCTAssertTrue(Self.text(String(decoding: try Fixtures.contents(out + "/report.html"), as: UTF8.self)).contains("Every shard file is present"))
        XCTAssertEqual(try Self.sieve(["report", out + "/manifest.sqlite", "--verify"]).status, 0)
        var damaged = Self.text(String(decoding: try Fixtures.contents(out + "/report.html"), as: UTF8.self))
        XCTAssertTrue(damaged.contains("1 shard files do not match the manifest") && damaged.contains("\(shard) checksum"), damaged)
        try Data(bytes.dropLast(4)).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try Self.sieve(["report", out + "/manifest.sqlite"]).status, 0)
        damaged = Self.text(String(decoding: try Fixtures.contents(out + "/report.html"), as: UTF8.self))
        XCTAssertTrue(damaged.contains("\(shard) size \(bytes.count - 4) bytes, manifest says \(bytes.count)"), damaged)
    }

    /// Renders the example run's report in headless Chromium, as a user opening it would:
    /// the page loads without console errors and draws a screenshot.
    func testChromiumRendersTheReportWithoutConsoleErrors() throws {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("needs Debian's chromium (.ci/run installs it)")
        }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let out = dir.file("out")
        let run = try Self.sieve(["run", MixCommandTests.repository + "/examples/pipeline.toml", "--output", out, "--no-progress"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let png = dir.file("report.png")
        let render = try Command.run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                               "--user-data-dir=" + dir.file("profile"), "--enable-logging=stderr", "--v=0",
                                               "--window-size=1200,2400", "--screenshot=" + png, "file://" + out + "/report.html"])
        XCTAssertEqual(render.status, 0, render.stderr)
        let console = render.stderr.split(separator: "\n").filter { $0.contains("CONSOLE") }
        XCTAssertEqual(console, [], "console messages")
        let image = try Fixtures.contents(png)
        XCTAssertEqual(Array(image.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG")
        // Width and height from the IHDR chunk.
        let width = image[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = image[20..<24].reduce(0) { $0 << 8 | Int($1) }
        XCTAssertEqual([width, height], [1200, 2400])
        XCTAssertGreaterThan(image.count, 50_000, "a page with charts, not a blank one")
    }
}
