import Foundation
import SieveCore
import SieveIO
import SieveShards

/// Everything the run report shows, read from a manifest and the `report*.json` files
/// beside it; nothing else. Each field says where it comes from.
struct ReportData {
    struct Stage {
        var name: String
        var documentsIn = 0, documentsOut = 0, bytesIn = 0, bytesOut = 0
        var seconds = 0.0
    }

    struct Language {
        var code: String, name: String, script: String
        var documents = 0, tokens = 0
        /// Documents the langid stage assigned to it, and of those with mixed scripts.
        var detected = 0, mixedScript = 0
        /// Documents that reached dedup, and those it dropped.
        var reachedDedup = 0, duplicates = 0
    }

    /// `stages` table, summed over tasks, in pipeline order.
    var stages: [Stage] = []
    /// `rejections` table: (stage, rule, documents), most first.
    var drops: [(stage: String, rule: String, documents: Int)] = []
    /// `languages` (the registry) with `shards` (documents, tokens) and the units' stats.
    var languages: [Language] = []
    /// `shards`: tokens by domain, then language.
    var tokensByDomain: [String: [String: Int]] = [:]
    /// Units' stats: language-score histograms by language, and the whole run's.
    var scoreHistograms: [String: [Int]] = [:]
    /// `report*.json`: dedup cluster sizes (`DedupStage.clusterSizeHistogram`).
    var clusterSizes: [Int] = []
    /// `shards` and `shard_files`.
    var shardCount = 0, shardBytes = 0, shardTokens = 0, shardDocuments = 0, shardFiles = 0
    /// Shard files whose size (or, with verification, checksum) does not match.
    var shardProblems: [Manifest.Problem] = []
    var checksumsVerified = false
    /// `runs`: one line per task run.
    var runs: [(task: Int, taskCount: Int, started: String, ended: String, status: String)] = []
    /// Units' stats: example incidents, and error counts by reason.
    var incidents: [Incident] = []
    var errors: [String: Int] = [:]
    /// `units`: seconds since the first run started and the input bytes of each unit that
    /// finished then, in time order (units of schema-1 manifests have no time).
    var timeline: [(seconds: Double, bytes: Int)] = []
    /// The `label` stage's `quality` histogram (20 bins over [0, 1]); empty without one.
    var qualityScores: [Int] = []
    /// Documents per domain as the `label` stage named them (`other` included).
    var documentsByDomain: [String: Int] = [:]

    init(manifest path: String, verifyChecksums: Bool) throws {
        let manifest = try Manifest(readingFrom: path)
        func rows(_ sql: String) throws -> [[SQLValue]] { try manifest.query(sql).rows }

        for row in try rows("""
            SELECT stage, sum(documents_in), sum(documents_out), sum(bytes_in), sum(bytes_out), sum(seconds)
            FROM stages GROUP BY stage ORDER BY min(position)
            """) {
            stages.append(Stage(name: row[0].string ?? "", documentsIn: row[1].int ?? 0, documentsOut: row[2].int ?? 0,
                                bytesIn: row[3].int ?? 0, bytesOut: row[4].int ?? 0, seconds: Self.number(row[5])))
        }
        drops = try rows("SELECT stage, rule, sum(documents) FROM rejections GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2")
            .map { ($0[0].string ?? "", $0[1].string ?? "", $0[2].int ?? 0) }

        // Units' statistics, merged in task and unit order.
        var stats = RunStats()
        let decoder = JSONDecoder()
        // One formatter for every row: making one per unit cost more than the parse.
        let dates = ISO8601DateFormatter()
        let start = try rows("SELECT min(started_at) FROM runs")[0][0].string.flatMap { dates.date(from: $0) }
        for row in try rows("SELECT stats, finished_at FROM units ORDER BY task_index, unit") {
            guard let text = row[0].string, let unit = try? decoder.decode(RunStats.self, from: Data(text.utf8)) else { continue }
            stats.merge(unit)
            if let start, let finished = row[1].string.flatMap({ dates.date(from: $0) }) {
                timeline.append((finished.timeIntervalSince(start), unit[stage: "read"].bytesIn))
            }
        }
        timeline.sort { $0.seconds < $1.seconds }
        incidents = stats.incidents
        errors = stats.errors
        let langid = stats[stage: "langid"], dedup = stats[stage: "dedup"], label = stats[stage: "label"]
        qualityScores = label.histograms["quality"] ?? []
        for (key, byLanguage) in label.countsByLanguage where key.hasPrefix("domain:") {
            documentsByDomain[String(key.dropFirst("domain:".count))] = byLanguage.values.reduce(0, +)
        }
        scoreHistograms = langid.histograms.reduce(into: [:]) { result, entry in
            guard entry.key.hasPrefix("language_score:") else { return }
            result[String(entry.key.dropFirst("language_score:".count))] = entry.value
        }

        var byCode: [String: Language] = [:]
        for row in try rows("SELECT code, name, script FROM languages ORDER BY code") {
            let code = row[0].string ?? ""
            byCode[code] = Language(code: code, name: row[1].string ?? "", script: row[2].string ?? "")
        }
        func language(_ code: String) -> Language { byCode[code] ?? Language(code: code, name: code == "und" ? "undetermined" : "", script: "") }
        for row in try rows("SELECT language, sum(documents), sum(tokens) FROM shards WHERE kind = 'documents' GROUP BY 1") {
            let code = row[0].string ?? "und"
            var l = language(code)
            l.documents = row[1].int ?? 0
            l.tokens = row[2].int ?? 0
            byCode[code] = l
        }
        for (code, n) in langid.countsByLanguage["documents"] ?? [:] { var l = language(code); l.detected = n; byCode[code] = l }
        for (code, n) in langid.countsByLanguage["mixed_script"] ?? [:] { var l = language(code); l.mixedScript = n; byCode[code] = l }
        for (code, n) in dedup.countsByLanguage["documents"] ?? [:] { var l = language(code); l.reachedDedup = n; byCode[code] = l }
        for row in try rows("SELECT language, sum(documents) FROM rejections WHERE stage = 'dedup' GROUP BY 1") {
            let code = row[0].string ?? "und"
            var l = language(code)
            l.duplicates = row[1].int ?? 0
            byCode[code] = l
        }
        languages = byCode.values.sorted { ($0.tokens, $1.code) > ($1.tokens, $0.code) }

        for row in try rows("SELECT domain, language, sum(tokens) FROM shards WHERE kind = 'documents' GROUP BY 1, 2") {
            tokensByDomain[row[0].string ?? "", default: [:]][row[1].string ?? "", default: 0] += row[2].int ?? 0
        }
        let totals = try rows("SELECT count(*), sum(bytes), sum(tokens), sum(documents) FROM shards WHERE kind = 'documents'")[0]
        (shardCount, shardBytes, shardTokens, shardDocuments) = (totals[0].int ?? 0, totals[1].int ?? 0, totals[2].int ?? 0, totals[3].int ?? 0)
        shardFiles = try rows("SELECT count(*) FROM shard_files")[0][0].int ?? 0
        checksumsVerified = verifyChecksums
        if verifyChecksums {
            shardProblems = try manifest.verify()
        } else {
            for row in try rows("SELECT path, bytes FROM shard_files ORDER BY path") {
                guard let stored = row[0].string else { continue }
                let attributes = try? FileManager.default.attributesOfItem(atPath: manifest.resolved(stored))
                if let size = attributes?[.size] as? Int {
                    if size != row[1].int { shardProblems.append(Manifest.Problem(path: stored, message: "size \(size) bytes, manifest says \(row[1].int ?? 0)")) }
                } else {
                    shardProblems.append(Manifest.Problem(path: stored, message: "missing"))
                }
            }
        }
        runs = try rows("SELECT task_index, task_count, started_at, coalesce(ended_at, ''), status FROM runs ORDER BY run_id")
            .map { ($0[0].int ?? 0, $0[1].int ?? 1, $0[2].string ?? "", $0[3].string ?? "", $0[4].string ?? "") }

        // Cluster sizes are known to the run as a whole: task 0's report (or the only one).
        let directory = (path as NSString).deletingLastPathComponent
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? [])
            .filter(OutputLayout.isFirstReport).sorted()
        for name in names {
            guard let data = FileManager.default.contents(atPath: (directory.isEmpty ? "." : directory) + "/" + name),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let stages = (object["stats"] as? [String: Any])?["stages"] as? [[String: Any]],
                  let sizes = (stages.first { $0["name"] as? String == "dedup" }?["histograms"] as? [String: Any])?["cluster_size"] as? [Int]
            else { continue }
            clusterSizes = sizes
        }
    }

    static func number(_ value: SQLValue) -> Double {
        switch value {
        case .int(let v): return Double(v)
        case .double(let v): return v
        case .text(let v): return Double(v) ?? 0
        default: return 0
        }
    }
}
