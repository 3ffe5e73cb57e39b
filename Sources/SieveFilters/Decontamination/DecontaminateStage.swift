import SieveCore

/// The `decontaminate` stage: drops every document that holds an n-gram of an evaluation
/// set (`ContaminationIndex`), with the reason `decontaminate:BENCHMARK` (its first
/// match's); with `flag`, keeps it and writes `contamination` (the benchmark most of its
/// matches come from) and `contamination_ngrams` (how many of its n-grams match). Counts
/// per benchmark and language go to the run's drops or, when flagging, to
/// `flagged:BENCHMARK`.
public struct DecontaminateStage: Stage {
    public let name = "decontaminate"
    public let index: ContaminationIndex
    public let flag: Bool

    public init(index: ContaminationIndex, flag: Bool = false) {
        self.index = index
        self.flag = flag
    }

    public func process(_ documents: [Document], context: inout StageContext) -> [Document] {
        var kept: [Document] = []
        kept.reserveCapacity(documents.count)
        for document in documents {
            if !flag {
                var benchmark: Int? = nil
                index.scan(document.text) { found in
                    benchmark = found
                    return false
                }
                if let benchmark {
                    context.drop(document, rule: index.benchmarks[benchmark])
                } else {
                    kept.append(document)
                }
                continue
            }
            var counts: [Int: Int] = [:]
            index.scan(document.text) { found in
                counts[found, default: 0] += 1
                return true
            }
            var document = document
            if let top = counts.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) {
                document.setMetadata(.contamination, .string(index.benchmarks[top.key]))
                document.setMetadata(.contaminationNGrams, .number(String(counts.values.reduce(0, +))))
                context.count("flagged:" + index.benchmarks[top.key], language: document.language ?? "und")
            }
            kept.append(document)
        }
        return kept
    }
}
