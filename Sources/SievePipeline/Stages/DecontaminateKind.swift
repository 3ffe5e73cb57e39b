import Foundation
import SieveCore
import SieveFiles
import SieveFilters
import SieveIO

/// `[[stage]] type = "decontaminate"`: `DecontaminateStage` with an index of the
/// configured evaluation sets (docs/decontamination.md).
public enum DecontaminateKind: StageKind {
    public static let type = "decontaminate"

    public static func make(_ settings: DecontaminateStage.Settings, context: inout StageBuildContext) throws -> any Stage {
        var index = ContaminationIndex(n: settings.n)
        let discovery = CorpusDiscovery(include: ["*.jsonl", "*.jsonl.zst", "*.jsonl.gz", "*.ndjson", "*.ndjson.zst", "*.ndjson.gz",
                                                  "*.json", "*.json.zst", "*.json.gz"])
        let (files, stats) = discovery.discover(settings.benchmarks.map(context.resolve))
        if let error = stats.incidents.first {
            throw SettingsError(context: "decontaminate", key: "benchmarks", message: "\(error.location): \(error.message)")
        }
        guard !files.isEmpty else {
            throw SettingsError(context: "decontaminate", key: "benchmarks", message: "no JSONL files in \(settings.benchmarks.joined(separator: ", "))")
        }
        for file in files {
            let name = benchmarkName(file.path)
            var lines = try LineStream(path: file.path)
            var skipped = 0, records = 0
            while let (_, line) = try lines.next() {
                guard let line, !line.isEmpty else {
                    if line == nil { skipped += 1 }
                    continue
                }
                guard case .object(let members)? = try? JSONValue.parse(Array(line)) else {
                    skipped += 1
                    continue
                }
                records += 1
                for member in members where settings.fields.isEmpty || settings.fields.contains(member.key) {
                    switch member.value {
                    case .string(let text): try index.add(text, benchmark: name)
                    case .array(let items):
                        for case .string(let text) in items { try index.add(text, benchmark: name) }
                    default: break
                    }
                }
            }
            if skipped > 0 { context.warnings.append("benchmark \(file.path): \(skipped) lines that are not JSON objects skipped") }
            if records == 0 { context.warnings.append("benchmark \(file.path): no records") }
            context.files.append(file.path)
        }
        return DecontaminateStage(index: index, flag: settings.action == .flag)
    }

    /// `mmlu.test.jsonl.zst` is `mmlu.test`.
    static func benchmarkName(_ path: String) -> String {
        var name = Compression.strip(String(path.split(separator: "/").last ?? Substring(path)))
        for ext in [".jsonl", ".ndjson", ".json"] where name.hasSuffix(ext) { name.removeLast(ext.count) }
        return name
    }
}
