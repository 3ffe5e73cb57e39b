import Foundation
import SieveCore
import SieveFiles
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
    /// Units' stats: dedup's clusters of two or more by size (bins of `DedupStage.clusterSizeHistogram`), all languages.
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
    /// Units' stats: personal data the `pii` stage replaced, by kind; documents the
    /// `decontaminate` stage flagged, by benchmark (its drops are in `drops`).
    var piiReplaced: [String: Int] = [:]
    var contaminationFlagged: [String: Int] = [:]
    /// `deliveries`: what `sieve mix materialize` delivered against the plan.
    var deliveries: [(stage: String, delivery: Delivery)] = []

    init(manifest path: String, verifyChecksums: Bool) throws {
        let manifest = try Manifest(readingFrom: path)
        stages = try manifest.stageTotals().map {
            Stage(name: $0.name, documentsIn: $0.documentsIn, documentsOut: $0.documentsOut, bytesIn: $0.bytesIn,
                  bytesOut: $0.bytesOut, seconds: $0.seconds)
        }
        drops = try manifest.drops()
        deliveries = try manifest.deliveries()

        // Units' statistics, merged in task and unit order.
        var stats = RunStats()
        // One formatter for every row: making one per unit cost more than the parse.
        let dates = ISO8601DateFormatter()
        runs = try manifest.runs()
        let start = runs.map(\.started).min().flatMap { dates.date(from: $0) }
        for (unit, finishedAt) in try manifest.unitStats() {
            stats.merge(unit)
            if let start, let finished = finishedAt.flatMap({ dates.date(from: $0) }) {
                timeline.append((finished.timeIntervalSince(start), unit[stage: "read"].bytesIn))
            }
        }
        timeline.sort { $0.seconds < $1.seconds }
        incidents = stats.incidents
        errors = stats.errors
        let langid = stats[stage: "langid"], dedup = stats[stage: "dedup"], label = stats[stage: "label"]
        qualityScores = label.histograms["quality"] ?? []
        for (key, byLanguage) in stats[stage: "pii"].countsByLanguage where key.hasPrefix("pii:") {
            piiReplaced[String(key.dropFirst("pii:".count))] = byLanguage.values.reduce(0, +)
        }
        for (key, byLanguage) in stats[stage: "decontaminate"].countsByLanguage where key.hasPrefix("flagged:") {
            contaminationFlagged[String(key.dropFirst("flagged:".count))] = byLanguage.values.reduce(0, +)
        }
        // Every cluster of two or more counted once, by the kept document's language.
        for bins in (dedup.histogramsByLanguage["cluster_size"] ?? [:]).values {
            if clusterSizes.count < bins.count { clusterSizes += [Int](repeating: 0, count: bins.count - clusterSizes.count) }
            for (i, n) in bins.enumerated() { clusterSizes[i] += n }
        }
        for (key, byLanguage) in label.countsByLanguage where key.hasPrefix("domain:") {
            documentsByDomain[String(key.dropFirst("domain:".count))] = byLanguage.values.reduce(0, +)
        }
        scoreHistograms = langid.histograms.reduce(into: [:]) { result, entry in
            guard entry.key.hasPrefix("language_score:") else { return }
            result[String(entry.key.dropFirst("language_score:".count))] = entry.value
        }

        var byCode: [String: Language] = [:]
        for registered in try manifest.registryLanguages() {
            byCode[registered.code] = Language(code: registered.code, name: registered.name, script: registered.script)
        }
        func language(_ code: String) -> Language { byCode[code] ?? Language(code: code, name: code == "und" ? "undetermined" : "", script: "") }
        let shards = try manifest.documentShards()
        for (code, ofLanguage) in Dictionary(grouping: shards, by: \.language) {
            var l = language(code)
            l.documents = ofLanguage.reduce(0) { $0 + $1.documents }
            l.tokens = ofLanguage.reduce(0) { $0 + $1.tokens }
            byCode[code] = l
        }
        for (code, n) in langid.countsByLanguage["documents"] ?? [:] { var l = language(code); l.detected = n; byCode[code] = l }
        for (code, n) in langid.countsByLanguage["mixed_script"] ?? [:] { var l = language(code); l.mixedScript = n; byCode[code] = l }
        for (code, n) in dedup.countsByLanguage["documents"] ?? [:] { var l = language(code); l.reachedDedup = n; byCode[code] = l }
        for (code, duplicates) in try manifest.drops(stage: "dedup") {
            var l = language(code)
            l.duplicates = duplicates
            byCode[code] = l
        }
        languages = byCode.values.sorted { ($0.tokens, $1.code) > ($1.tokens, $0.code) }

        for shard in shards { tokensByDomain[shard.domain, default: [:]][shard.language, default: 0] += shard.tokens }
        (shardCount, shardBytes) = (shards.count, shards.reduce(0) { $0 + $1.bytes })
        (shardTokens, shardDocuments) = (shards.reduce(0) { $0 + $1.tokens }, shards.reduce(0) { $0 + $1.documents })
        let files = try manifest.shardFileSizes()
        shardFiles = files.count
        checksumsVerified = verifyChecksums
        if verifyChecksums {
            shardProblems = try manifest.verify()
        } else {
            for (stored, bytes) in files {
                let attributes = try? FileManager.default.attributesOfItem(atPath: manifest.resolved(stored))
                if let size = attributes?[.size] as? Int {
                    if size != bytes { shardProblems.append(Manifest.Problem(path: stored, message: "size \(size) bytes, manifest says \(bytes)")) }
                } else {
                    shardProblems.append(Manifest.Problem(path: stored, message: "missing"))
                }
            }
        }

    }
}
