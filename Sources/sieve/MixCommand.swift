import ArgumentParser
import Foundation
import SieveFiles
import SieveIO
import SieveLangID
import SieveMixture

struct MixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mix",
        abstract: "Mixture plans: tokens per language and domain for each training stage (docs/mixture.md).",
        subcommands: [Plan.self, Show.self, Export.self, Materialize.self])

    static func failing<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as MixtureError {
            throw CommandError(description: "\(error)", isUsage: true)
        }
    }

    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "`sieve mix plan MANIFEST --budget 36T [--strategy unimax] [--overrides FILE] -o plan.toml`.",
            discussion: """
                Without --overrides, one stage named general. An overrides file (for example \
                languages/mixture.toml) describes one or more stages with their own budgets, \
                strategies, pinned shares, floors and caps per language and multipliers per \
                domain; the options fill in what a stage leaves out.
                """)

        @Argument(help: "The manifest whose document shards are available.")
        var manifest: String

        @Option(help: "Tokens per stage: 36T, 500B, 2.5M (K, M, B, T are powers of 1000).")
        var budget: String?

        @Option(help: "proportional, temperature or unimax.")
        var strategy: String = "unimax"

        @Option(help: "τ of temperature sampling (weight = tokens^τ).")
        var temperature = 0.3

        @Option(name: .customLong("max-epochs"), help: "Most passes over any language's or domain's tokens (0: no cap).")
        var maxEpochs = 4.0

        @Option(help: "Stages and overrides (TOML).")
        var overrides: String?

        @Flag(help: "Upsample by duplicate count with FineWeb-2's weights: each kept document counts as often as its dedup cluster size's weight (docs/mixture.md).")
        var rehydrate = false

        @Option(name: .customLong("rehydrate-weights"), help: "Rehydrate with these weights instead: SIZE:WEIGHT,... (FineWeb-2: 1:1,2:2,3:3,5:5,100:8,1000:1).")
        var rehydrateWeights: String?

        @Option(help: "Seed recorded in the plan, passed to the trainer by exports.")
        var seed = 1

        @Flag(name: .customLong("by-group"), help: "Plan over the registry's groups of close varieties, each split among its languages by their tokens (a stage's language_groups overrides it).")
        var byGroup = false

        @Option(help: "The language registry (default: languages/registry.tsv of this checkout).")
        var registry: String?

        @Option(name: .shortAndLong, help: "Where the plan goes.")
        var output: String

        func run() throws {
            guard let strategy = Strategy(rawValue: strategy) else {
                throw CommandError(description: "--strategy must be proportional, temperature or unimax", isUsage: true)
            }
            var defaults = StageRequest(name: "general", budget: 0)
            if let budget {
                guard let tokens = MixturePlanner.parseTokens(budget) else {
                    throw CommandError(description: "--budget: cannot read \(budget)", isUsage: true)
                }
                defaults.budget = tokens
            }
            defaults.strategy = strategy
            defaults.byGroup = byGroup
            defaults.temperature = temperature
            defaults.maxEpochs = maxEpochs > 0 ? maxEpochs : nil
            defaults.rehydration = try MixCommand.failing {
                try rehydrateWeights.map(Rehydration.init) ?? (rehydrate ? .fineWeb2 : nil)
            }
            let requests = try MixCommand.failing {
                try overrides.map { try StageRequests.parse(String(contentsOfFile: $0, encoding: .utf8), defaults: defaults) } ?? [defaults]
            }
            for request in requests where request.budget <= 0 {
                throw CommandError(description: "stage \(request.name) has no budget: pass --budget or set budget in the overrides", isUsage: true)
            }
            let languages = try LanguageRegistry(contentsOfFile: try registry ?? LangIDCommand.ModelOptions.shipped("registry.tsv")).languages
            let known = Set(languages.map(\.code))
            let groupOf = Dictionary(uniqueKeysWithValues: languages.filter { !$0.group.isEmpty }.map { ($0.code, $0.group) })
            let path = URL(fileURLWithPath: manifest).standardizedFileURL.path
            let stages = try MixCommand.failing {
                try requests.map { request in
                    let availability = try Availability(manifest: path, for: request)
                    if request.rehydration != nil && availability.clusteredDocuments == 0 {
                        FileHandle.standardError.write(Data("stage \(request.name): no document in the shards carries a dedup cluster size of 2 or more (no dedup stage, no duplicates, or shards written before .docs version 2); rehydration changes nothing\n".utf8))
                    }
                    return request.byGroup
                        ? try MixturePlanner.planByGroup(request, availability: availability, groupOf: groupOf, knownLanguages: known)
                        : try MixturePlanner.plan(request, availability: availability, knownLanguages: known)
                }
            }
            let plan = MixturePlan(manifest: path, seed: seed, stages: stages)
            try writeFileAtomically(Array(plan.toml().utf8), to: output)
            FileHandle.standardError.write(Data(Show.table(plan).utf8))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Print a plan's stages as tables and write its shares per language as an SVG chart beside it.")

        @Argument(help: "A plan from sieve mix plan.")
        var plan: String

        @Option(help: "Where the chart goes (default: the plan's path with .svg).")
        var svg: String?

        func run() throws {
            let plan = try MixCommand.failing { try MixturePlan(toml: String(contentsOfFile: self.plan, encoding: .utf8)) }
            print(Self.table(plan), terminator: "")
            let chart = svg ?? (self.plan.hasSuffix(".toml") ? String(self.plan.dropLast(5)) : self.plan) + ".svg"
            try writeFileAtomically(Array(ShareChart.svg(plan).utf8), to: chart)
            FileHandle.standardError.write(Data("chart: \(chart)\n".utf8))
        }

        static func table(_ plan: MixturePlan) -> String {
            var out = ""
            for stage in plan.stages {
                let r = stage.request
                out += "stage \(r.name): \(r.budget) tokens, \(r.strategy.rawValue)"
                    + (r.strategy == .temperature ? " τ=\(r.temperature)" : "")
                    + (r.maxEpochs.map { ", at most \($0) epochs" } ?? "")
                    + (r.minDocumentTokens > 0 ? ", documents of \(r.minDocumentTokens)+ tokens" : "")
                    + (r.rehydration.map { ", rehydrated by cluster size (\($0)), available counting the copies" } ?? "")
                    + (r.byGroup ? ", planned by group of close varieties" : "") + "\n"
                let rows = stage.targets.map { t in
                    [t.language, t.domain, "\(t.available)", "\(t.target)", String(format: "%.4f", t.share), String(format: "%.3f", t.epochs)]
                }
                let header = ["language", "domain", "available", "target", "share", "epochs"]
                let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max()! }
                for row in [header] + rows {
                    out += row.indices.map { c in
                        c < 2 ? row[c].padding(toLength: widths[c], withPad: " ", startingAt: 0)
                            : String(repeating: " ", count: widths[c] - row[c].count) + row[c]
                    }.joined(separator: "  ") + "\n"
                }
                out += "\n"
            }
            return out
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "`sieve mix export plan.toml --format megatron -o DIR` (or --format jsonl -o FILE|-).",
            discussion: """
                megatron: per stage, STAGE.data-args (the --data-path blend of weight and shard \
                prefix pairs, for --data-args-path) and STAGE.json (budget, seed, blend). \
                jsonl: one line per stage and shard with its weight and tokens.
                """)

        @Argument(help: "A plan from sieve mix plan.")
        var plan: String

        @Option(help: "megatron or jsonl.")
        var format: String = "megatron"

        @Option(name: .shortAndLong, help: "A folder for megatron, a file (or -) for jsonl.")
        var output: String

        func run() throws {
            let plan = try MixCommand.failing { try MixturePlan(toml: String(contentsOfFile: self.plan, encoding: .utf8)) }
            switch format {
            case "megatron":
                try makeDirectories(output)
                for stage in try MixCommand.failing({ try MixtureExport.megatron(plan) }) {
                    try writeFileAtomically(Array(stage.dataArgs.utf8), to: "\(output)/\(stage.stage).data-args")
                    try writeFileAtomically(Array(stage.config.utf8), to: "\(output)/\(stage.stage).json")
                }
            case "jsonl":
                let lines = try MixCommand.failing { try MixtureExport.jsonl(plan) }
                if output == "-" { print(lines, terminator: "") } else { try writeFileAtomically(Array(lines.utf8), to: output) }
            default:
                throw CommandError(description: "--format must be megatron or jsonl", isUsage: true)
            }
        }
    }

    struct Materialize: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "materialize",
            abstract: "`sieve mix materialize plan.toml --stage NAME --seq-len 4096 --out DIR`: a stage's exact tokens, packed and shuffled.",
            discussion: """
                Writes the packed sequences of one stage with exactly the planned tokens of \
                each language and domain (whole documents; epochs above 1 repeat them; the \
                rest of a fractional epoch is a seeded sample), best-fit packed, in one \
                shuffled order: DIR/shards/STAGE/materialized-SEQLEN-KKKKK pairs with \
                .cu_seqlens, DIR/manifest.sqlite (its deliveries table: planned against \
                delivered), and the same table on stdout. See docs/mixture.md.
                """)

        @Argument(help: "A plan from sieve mix plan.")
        var plan: String

        @Option(help: "The stage to materialize.")
        var stage: String

        @Option(name: .customLong("seq-len"), help: "Most tokens per training sequence.")
        var seqLen = 4096

        @Option(name: .customLong("out"), help: "Output directory.")
        var output: String

        @Option(name: .customLong("chunk-tokens"), help: "Tokens packed best-fit together (docs/shards.md).")
        var chunkTokens = 1 << 24

        @Option(name: .customLong("shard-bytes"), help: "Largest .bin of an output shard, in bytes.")
        var shardBytes = 1 << 30

        @Flag(help: "Print the summary as one JSON object on stdout's last line.")
        var json = false

        func validate() throws {
            guard seqLen > 0 else { throw ValidationError("--seq-len must be positive") }
            guard chunkTokens > 0 else { throw ValidationError("--chunk-tokens must be positive") }
            guard shardBytes >= seqLen * 4 else { throw ValidationError("--shard-bytes must hold one sequence") }
        }

        func run() throws {
            let plan = try MixCommand.failing { try MixturePlan(toml: String(contentsOfFile: self.plan, encoding: .utf8)) }
            var job = Materialization(plan: plan, stage: stage, seqLen: seqLen, outputDirectory: output)
            job.chunkTokens = chunkTokens
            job.maxShardBytes = shardBytes
            job.command = CommandLine.arguments.joined(separator: " ")
            let result = try MixCommand.failing { try job.run() }
            var table = "language\tdomain\tplanned\tdelivered\tdifference\tdocuments\tcopies\n"
            for d in result.deliveries {
                table += "\(d.language)\t\(d.domain)\t\(d.planned)\t\(d.delivered)\t\(d.delivered - d.planned)\t\(d.documents)\t\(d.copies)\n"
            }
            print(table, terminator: "")
            let short = result.deliveries.filter { $0.planned - $0.delivered >= Int64(seqLen) }
            for d in short {
                FileHandle.standardError.write(Data("sieve mix materialize: \(d.language)/\(d.domain) is \(d.planned - d.delivered) tokens short of its plan (no document left fits)\n".utf8))
            }
            FileHandle.standardError.write(Data("""
                stage \(stage): \(result.sequences) sequences of at most \(seqLen) tokens (\(result.tokens) tokens, \
                \(result.paddingTokens) padding) in \(result.shards) shards -> \(output)

                """.utf8))
            if json {
                let object: [String: Any] = [
                    "stage": stage, "seq_len": seqLen, "shards": result.shards, "sequences": result.sequences, "tokens": result.tokens,
                    "padding_tokens": result.paddingTokens,
                    "planned": result.deliveries.reduce(Int64(0)) { $0 + $1.planned },
                    "groups": result.deliveries.map {
                        ["language": $0.language, "domain": $0.domain, "planned": $0.planned, "delivered": $0.delivered,
                         "documents": $0.documents, "copies": $0.copies] as [String: Any]
                    },
                ]
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            }
        }
    }
}
