import Foundation
import SieveFiles
import SieveIO
import SieveMixture

/// The run report: one self-contained HTML page (inline CSS and SVG, no scripts, nothing
/// fetched) of what happened to the corpus, drawn from a manifest and the `report*.json`
/// beside it. Sections: funnel, languages, domains and quality, dedup, shards,
/// throughput, errors. `docs/report.md` lists where each number comes from.
public enum RunReportPage {
    /// Renders the report of the manifest at `manifest`. With `verifyChecksums`, every
    /// shard file is read and its XXH64 compared; otherwise only sizes are checked. A
    /// mixture plan (`sieve mix plan`'s `plan.toml`) adds its targets against what is
    /// available.
    public static func render(manifest: String, verifyChecksums: Bool = false, plan: MixturePlan? = nil) throws -> String {
        let data = try ReportData(manifest: manifest, verifyChecksums: verifyChecksums)
        return page(data, plan: plan, title: "Sieve run report: " + ((manifest as NSString).deletingLastPathComponent as NSString).lastPathComponent)
    }

    /// Renders and writes the report atomically.
    public static func write(manifest: String, to path: String, verifyChecksums: Bool = false, plan: MixturePlan? = nil) throws {
        try writeFileAtomically(Array(try render(manifest: manifest, verifyChecksums: verifyChecksums, plan: plan).utf8), to: path)
    }

    static func page(_ d: ReportData, plan: MixturePlan?, title: String) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(SVG.escape(title))</title>
            <style>
            body { font: 14px/1.45 sans-serif; margin: 24px auto; max-width: 1100px; color: #222; padding: 0 16px; }
            h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 34px; border-bottom: 1px solid #ddd; }
            table { border-collapse: collapse; margin: 8px 0 16px; } td, th { padding: 2px 10px; border-bottom: 1px solid #eee; }
            th { text-align: left; background: #f4f4f4; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
            .grid { display: flex; flex-wrap: wrap; gap: 14px; } .grid div { font-size: 12px; }
            .muted { color: #777; } .bad { color: #b9474a; } .ok { color: #5b9e4d; }
            details summary { cursor: pointer; color: #3b6ea8; }
            </style></head><body>
            <h1>\(SVG.escape(title))</h1>

            """
        let read = d.stages.first { $0.name == "read" }
        let tasks = Set(d.runs.map(\.taskCount)).max() ?? 1
        html += "<p>\(Format.count(read?.documentsIn ?? 0)) documents read (\(Format.bytes(read?.bytesIn ?? 0))) → "
        html += "<b>\(Format.count(d.shardDocuments)) documents, \(Format.count(d.shardTokens)) tokens</b> in \(Format.count(d.shardCount)) shards. "
        html += "\(tasks) task\(tasks == 1 ? "" : "s"), \(d.runs.count) run\(d.runs.count == 1 ? "" : "s") recorded.</p>\n"

        html += funnel(d) + languages(d) + domains(d) + dedup(d) + shards(d, plan: plan) + throughput(d) + errors(d)
        html += "<p class=\"muted\">Every number comes from the manifest and report.json (docs/report.md). Regenerate with <code>sieve report MANIFEST</code>.</p>\n"
        return html + "</body></html>\n"
    }

    static func table(_ header: [String], _ rows: [[String]], numeric: Set<Int> = []) -> String {
        var html = "<table><tr>" + header.map { "<th>\(SVG.escape($0))</th>" }.joined() + "</tr>\n"
        for row in rows {
            html += "<tr>" + row.enumerated().map { i, cell in numeric.contains(i) ? "<td class=\"n\">\(cell)</td>" : "<td>\(cell)</td>" }.joined() + "</tr>\n"
        }
        return html + "</table>\n"
    }

    static func funnel(_ d: ReportData) -> String {
        var html = "<h2 id=\"funnel\">The funnel</h2>\n<p>Documents entering each stage (light) and leaving it (dark).</p>\n"
        html += SVG.funnel(d.stages.map { ($0.name, $0.documentsIn, $0.documentsOut) })
        html += table(["stage", "documents in", "documents out", "dropped", "bytes in", "bytes out"], d.stages.map {
            [$0.name, Format.count($0.documentsIn), Format.count($0.documentsOut), Format.count($0.documentsIn - $0.documentsOut),
             Format.bytes($0.bytesIn), Format.bytes($0.bytesOut)]
        }, numeric: [1, 2, 3, 4, 5])
        let read = d.stages.first { $0.name == "read" }?.documentsIn ?? 0
        html += "<h3>Drops by rule</h3>\n"
        html += SVG.bars(d.drops.prefix(25).map { ("\($0.stage):\($0.rule)", Double($0.documents), Format.count($0.documents)) })
        html += table(["reason", "documents", "of documents read"], d.drops.map {
            ["\(SVG.escape($0.stage)):\(SVG.escape($0.rule))", Format.count($0.documents), Format.percent($0.documents, of: read)]
        }, numeric: [1, 2])
        return html
    }

    static func languages(_ d: ReportData) -> String {
        var html = "<h2 id=\"languages\">Languages</h2>\n"
        let withTokens = d.languages.filter { $0.tokens > 0 }
        html += "<p>\(withTokens.count) languages have tokens, of \(d.languages.count) in the registry and the output. Tokens per language (the first 40):</p>\n"
        html += SVG.bars(withTokens.prefix(40).map { ("\($0.code) \($0.name)", Double($0.tokens), Format.count($0.tokens)) })
        let detected = d.languages.reduce(0) { $0 + $1.detected }, mixed = d.languages.reduce(0) { $0 + $1.mixedScript }
        html += "<p>Documents with mixed scripts: \(Format.count(mixed)) of \(Format.count(detected)) identified (\(Format.percent(mixed, of: detected))).</p>\n"
        if !d.scoreHistograms.isEmpty {
            let all = d.scoreHistograms.values.reduce(into: [Int](repeating: 0, count: d.scoreHistograms.values.first!.count)) { total, h in
                if h.count == total.count { total = zip(total, h).map(+) }
            }
            html += "<h3>Language scores</h3>\n<div class=\"grid\"><div>all documents<br>" + SVG.histogram(all, from: "0", to: "1") + "</div>"
            let busiest = d.languages.filter { d.scoreHistograms[$0.code] != nil }.sorted { $0.detected > $1.detected }.prefix(11)
            for l in busiest {
                html += "<div>\(SVG.escape(l.code)) (\(Format.count(l.detected)))<br>" + SVG.histogram(d.scoreHistograms[l.code]!, from: "0", to: "1", width: 200, height: 70) + "</div>"
            }
            html += "</div>\n"
        }
        html += "<details><summary>Every language (\(d.languages.count))</summary>\n"
        html += table(["code", "name", "script", "documents", "tokens", "identified", "mixed scripts", "duplicates"], d.languages.map {
            [$0.code, SVG.escape($0.name), $0.script, Format.count($0.documents), Format.count($0.tokens), Format.count($0.detected),
             Format.percent($0.mixedScript, of: $0.detected), Format.percent($0.duplicates, of: $0.reachedDedup)]
        }, numeric: [3, 4, 5, 6, 7])
        return html + "</details>\n"
    }

    static func domains(_ d: ReportData) -> String {
        var html = "<h2 id=\"domains\">Domains and quality</h2>\n"
        let domains = d.tokensByDomain.keys.sorted()
        let languages = d.languages.filter { $0.tokens > 0 }.prefix(40).map(\.code)
        html += "<p>Tokens per domain and language (the first 40 languages by tokens; darker is more).</p>\n"
        html += SVG.heatMap(rows: domains, columns: languages) { d.tokensByDomain[$0]?[$1] ?? 0 }
        if !d.documentsByDomain.isEmpty {
            let total = d.documentsByDomain.values.reduce(0, +)
            html += "<h3>Documents per domain</h3>\n<p>As the label stage named them, before the stages after it (docs/labels.md).</p>\n"
            html += SVG.bars(d.documentsByDomain.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map {
                ($0.key, Double($0.value), "\(Format.count($0.value)) (\(Format.percent($0.value, of: total)))")
            })
        }
        if d.qualityScores.isEmpty {
            html += "<p class=\"muted\">No document has a quality score: the run has no quality-labelling stage.</p>\n"
        } else {
            let bins = d.qualityScores.count
            html += "<h3>Quality</h3>\n<p>Documents by the quality model's score, in \(bins) bins from 0 to 1.</p>\n"
            html += SVG.bars(d.qualityScores.enumerated().map { i, n in
                (String(format: "%.2f–%.2f", Double(i) / Double(bins), Double(i + 1) / Double(bins)), Double(n), Format.count(n))
            })
        }
        return html
    }

    static func dedup(_ d: ReportData) -> String {
        let reached = d.languages.filter { $0.reachedDedup > 0 }
        guard !reached.isEmpty || !d.clusterSizes.isEmpty else { return "" }
        var html = "<h2 id=\"dedup\">Deduplication</h2>\n"
        let total = reached.reduce(0) { $0 + $1.reachedDedup }, dropped = reached.reduce(0) { $0 + $1.duplicates }
        html += "<p>\(Format.count(dropped)) of \(Format.count(total)) documents reaching dedup were duplicates (\(Format.percent(dropped, of: total))). Duplicate rate per language (the first 40 by documents):</p>\n"
        html += SVG.bars(reached.sorted { $0.reachedDedup > $1.reachedDedup }.prefix(40).map {
            ("\($0.code)", Double($0.duplicates) / Double($0.reachedDedup), "\(Format.percent($0.duplicates, of: $0.reachedDedup)) of \(Format.count($0.reachedDedup))")
        })
        if !d.clusterSizes.isEmpty {
            let last = d.clusterSizes.lastIndex { $0 > 0 } ?? 0
            html += "<h3>Cluster sizes</h3>\n"
            html += SVG.bars((0...last).map { i in
                let low = (1 << i) + 1, high = 1 << (i + 1)
                return (i == 0 ? "2 documents" : "\(low)–\(high) documents", Double(d.clusterSizes[i]), Format.count(d.clusterSizes[i]) + " clusters")
            })
        }
        return html
    }

    static func shards(_ d: ReportData, plan: MixturePlan?) -> String {
        var html = "<h2 id=\"shards\">Shards</h2>\n"
        html += table(["shards", "files", "bytes", "tokens", "documents"], [[Format.count(d.shardCount), Format.count(d.shardFiles),
                      Format.bytes(d.shardBytes), Format.count(d.shardTokens), Format.count(d.shardDocuments)]], numeric: [0, 1, 2, 3, 4])
        let check = d.checksumsVerified ? "sizes and XXH64 checksums" : "sizes (checksums: sieve report --verify or sieve manifest verify)"
        if d.shardProblems.isEmpty {
            html += "<p class=\"ok\">Every shard file is present and matches the manifest: \(check).</p>\n"
        } else {
            html += "<p class=\"bad\">\(d.shardProblems.count) shard files do not match the manifest (\(check)):</p>\n"
            html += table(["file", "problem"], d.shardProblems.prefix(50).map { [SVG.escape($0.path), SVG.escape($0.message)] })
        }
        if !d.deliveries.isEmpty {
            html += "<h3>Mixture delivered</h3>\n<p>What <code>sieve mix materialize</code> packed, against the plan.</p>\n"
            html += table(["stage", "language", "domain", "planned", "delivered", "difference", "documents", "copies"], d.deliveries.map {
                let difference = $0.delivery.delivered - $0.delivery.planned
                return [SVG.escape($0.stage), SVG.escape($0.delivery.language), SVG.escape($0.delivery.domain),
                        Format.count(Int($0.delivery.planned)), Format.count(Int($0.delivery.delivered)),
                        difference == 0 ? "0" : "\(difference)", Format.count($0.delivery.documents), Format.count($0.delivery.copies)]
            }, numeric: [3, 4, 5, 6, 7])
        }
        guard let plan else {
            return html + "<p class=\"muted\">No mixture plan given (<code>sieve report --plan plan.toml</code>).</p>\n"
        }
        html += "<h3>Mixture plan</h3>\n"
        for stage in plan.stages {
            let targets = stage.targets.filter { $0.target > 0 || $0.available > 0 }.sorted { ($0.target, $1.language) > ($1.target, $0.language) }
            let over = targets.filter { $0.epochs > 1 }.count
            html += "<p><b>\(SVG.escape(stage.request.name))</b>: \(Format.count(Int(stage.request.budget))) tokens, \(stage.request.strategy.rawValue); "
            html += "\(targets.count) (language, domain) groups, \(over) repeated (more than one epoch).</p>\n"
            html += table(["language", "domain", "available", "target", "share", "epochs"], targets.prefix(30).map {
                [$0.language, SVG.escape($0.domain), Format.count(Int($0.available)), Format.count(Int($0.target)),
                 Format.fixed(100 * $0.share, 2) + "%", $0.epochs > 1 ? "<b>\(Format.fixed($0.epochs, 2))</b>" : Format.fixed($0.epochs, 2)]
            }, numeric: [2, 3, 4, 5])
        }
        return html
    }

    static func throughput(_ d: ReportData) -> String {
        var html = "<h2 id=\"throughput\">Throughput</h2>\n<p>MB of input per second of each stage's time, summed over threads and tasks (so per core).</p>\n"
        html += SVG.bars(d.stages.filter { $0.seconds > 0 }.map {
            let rate = Double($0.bytesIn) / 1e6 / $0.seconds
            return ($0.name, rate, Format.fixed(rate, 1) + " MB/s (" + Format.fixed($0.seconds, 1) + " s)")
        })
        if !d.timeline.isEmpty {
            var total = 0.0
            let points = d.timeline.map { unit -> (x: Double, y: Double) in
                total += Double(unit.bytes) / 1e6
                return (unit.seconds, total)
            }
            html += "<h3>Over the run</h3>\n<p>Input MB of the finished work units against time since the first run started (\(d.timeline.count) units; times to the second).</p>\n"
            html += SVG.cumulative(points, xLabel: Format.fixed(points.last!.x, 0) + " s", yLabel: Format.fixed(total, 1) + " MB")
        }
        html += "<h3>Runs</h3>\n" + table(["task", "started", "ended", "status"], d.runs.map {
            ["\($0.task) of \($0.taskCount)", $0.started, $0.ended, $0.status]
        })
        return html
    }

    static func errors(_ d: ReportData) -> String {
        var html = ""
        if !d.piiReplaced.isEmpty || !d.contaminationFlagged.isEmpty {
            html += "<h2 id=\"privacy\">Personal data and contamination</h2>\n"
            if !d.piiReplaced.isEmpty {
                html += "<p>Personal data the <code>pii</code> stage replaced, by kind.</p>\n"
                html += table(["kind", "replaced"], d.piiReplaced.sorted { $0.key < $1.key }.map { [SVG.escape($0.key), Format.count($0.value)] }, numeric: [1])
            }
            if !d.contaminationFlagged.isEmpty {
                html += "<p>Documents the <code>decontaminate</code> stage flagged, by benchmark (dropped ones are among the drops).</p>\n"
                html += table(["benchmark", "documents"], d.contaminationFlagged.sorted { $0.key < $1.key }.map { [SVG.escape($0.key), Format.count($0.value)] }, numeric: [1])
            }
        }
        html += "<h2 id=\"errors\">Errors and examples</h2>\n"
        if d.errors.isEmpty {
            html += "<p class=\"ok\">No input failed as a whole.</p>\n"
        } else {
            html += table(["error", "inputs"], d.errors.sorted { $0.key < $1.key }.map { [SVG.escape($0.key), Format.count($0.value)] }, numeric: [1])
        }
        if !d.incidents.isEmpty {
            html += "<p>Examples, up to 20 per reason:</p>\n"
            html += table(["reason", "where", "what"], d.incidents.map { [SVG.escape($0.reason), SVG.escape($0.location), SVG.escape($0.message)] })
        }
        return html
    }
}
