import ArgumentParser
import Foundation
import SieveMixture
import SieveReport

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the run report, a self-contained HTML page, from a manifest (docs/report.md).",
        discussion: "sieve run writes it after every run; this regenerates it, for example after merging task manifests.")

    @Argument(help: "The manifest.")
    var manifest: String

    @Option(name: .shortAndLong, help: "The page to write (default: report.html beside the manifest).")
    var output: String?

    @Flag(help: "Read every shard file and compare its XXH64 with the manifest (otherwise sizes only).")
    var verify = false

    @Option(help: "A mixture plan (sieve mix plan) whose targets to show against what is available.")
    var plan: String?

    func run() throws {
        let path = output ?? ((manifest as NSString).deletingLastPathComponent as NSString).appendingPathComponent("report.html")
        var mixture: MixturePlan?
        if let plan {
            guard let text = try? String(contentsOfFile: plan, encoding: .utf8) else {
                throw CommandError(description: "cannot read \(plan)", isUsage: true)
            }
            do { mixture = try MixturePlan(toml: text) } catch { throw CommandError(description: "\(plan): \(error)", isUsage: true) }
        }
        try RunReportPage.write(manifest: manifest, to: path, verifyChecksums: verify, plan: mixture)
        FileHandle.standardError.write(Data("sieve report: \(path)\n".utf8))
    }
}
