import ArgumentParser
import Foundation
import SieveShards

struct ManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "Query, verify and merge shard manifests (schema: manifests/schema.sql).",
        subcommands: [Stats.self, Query.self, Verify.self, Merge.self, Schema.self])

    /// How result tables are printed.
    struct OutputOptions: ParsableArguments {
        @Flag(help: "Print CSV.")
        var csv = false

        @Flag(help: "Print a JSON array of objects.")
        var json = false

        func print(_ table: ResultTable) {
            let text = json ? table.json() : csv ? table.csv() : table.aligned()
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract: "Tokens, documents, shards and bytes, grouped.",
            discussion: """
                Example: sieve manifest stats out/manifest.sqlite --by language,domain \
                --where "language = 'swh_Latn'"
                """)

        @Argument(help: "The manifest.")
        var manifest: String

        @Option(help: "Comma-separated columns to group by: \(Manifest.groupColumns.joined(separator: ", ")).")
        var by = ""

        @Option(name: .customLong("where"), help: "An SQL condition on the shards table.")
        var filter: String?

        @OptionGroup var output: OutputOptions

        func run() throws {
            let columns = by.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            output.print(try Manifest(readingFrom: manifest).stats(by: columns, where: filter))
        }
    }

    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "query",
            abstract: "Run read-only SQL on a manifest.",
            discussion: "Writes, PRAGMA and ATTACH are refused.")

        @Argument(help: "The manifest.")
        var manifest: String

        @Argument(help: "One SQL statement.")
        var sql: String

        @OptionGroup var output: OutputOptions

        func run() throws {
            output.print(try Manifest(readingFrom: manifest).query(sql))
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check every shard file's size and checksum; exits 1 listing every problem.")

        @Argument(help: "The manifest.")
        var manifest: String

        func run() throws {
            let opened = try Manifest(readingFrom: manifest)
            let problems = try opened.verify()
            let files = try opened.shardFileSizes()
            if problems.isEmpty {
                print("ok: \(files.count) files, \(files.reduce(0) { $0 + $1.bytes }) bytes match the manifest")
                return
            }
            for problem in problems { FileHandle.standardError.write(Data("\(problem)\n".utf8)) }
            FileHandle.standardError.write(Data("\(problems.count) of \(files.count) files missing or changed\n".utf8))
            throw ExitCode(1)
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge",
            abstract: "Merge task manifests into a new one; paths are rewritten relative to it.")

        @Argument(help: "The merged manifest to create.")
        var output: String

        @Argument(help: "The manifests to merge.")
        var inputs: [String]

        @Flag(help: "Replace OUTPUT if it exists (the last pass of a run with several tasks).")
        var replace = false

        func run() throws {
            try Manifest.merge(into: output, from: inputs, replace: replace)
        }
    }

    struct Schema: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "schema", abstract: "Print the manifest schema (manifests/schema.sql).")

        func run() {
            FileHandle.standardOutput.write(Data(Manifest.schemaSQL.utf8))
        }
    }
}

struct ShardsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shards",
        abstract: "Work on packed shards.",
        subcommands: [Pack.self])

    struct Pack: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pack",
            abstract: "Pack document shards into training sequences with document boundaries.",
            discussion: """
                Reads the document shards MANIFEST lists (optionally only those matching \
                --where), and writes per (language, domain) Megatron pairs of training \
                sequences plus `.cu_seqlens` pairs with each sequence's document boundaries, \
                described by OUT/manifest.sqlite. --strategy concat cuts documents laid end \
                to end every SEQ-LEN tokens; best-fit keeps every document that fits whole, \
                in sequences of at most SEQ-LEN tokens. See docs/shards.md.
                """)

        @Argument(help: "The manifest of the document shards.")
        var manifest: String

        @Option(name: .customLong("seq-len"), help: "Tokens per training sequence (4096; 32768 for long context).")
        var seqLen = 4096

        @Option(name: .customLong("out"), help: "Output directory.")
        var output: String

        @Option(name: .customLong("min-doc-tokens"), help: "Leave out documents with fewer tokens (long-context selection).")
        var minDocumentTokens = 0

        @Option(name: .customLong("where"), help: "An SQL condition on the shards table.")
        var filter: String?

        @Option(name: .customLong("shard-bytes"), help: "Largest .bin of an output shard, in bytes.")
        var shardBytes = 1 << 30

        @Option(help: "concat (end to end, cut every SEQ-LEN tokens) or best-fit (whole documents, best-fit decreasing).")
        var strategy = "concat"

        @Option(name: .customLong("chunk-tokens"), help: "best-fit: tokens packed together (4 bytes each in memory); larger chunks pad less.")
        var chunkTokens = 1 << 24

        @Flag(help: "Print the summary as one JSON object on stdout's last line.")
        var json = false

        func validate() throws {
            guard seqLen > 0 else { throw ValidationError("--seq-len must be positive") }
            guard shardBytes >= seqLen * 4 else { throw ValidationError("--shard-bytes must hold one sequence") }
            guard PackJob.Strategy(rawValue: strategy) != nil else {
                throw ValidationError("--strategy must be one of \(PackJob.Strategy.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard chunkTokens > 0 else { throw ValidationError("--chunk-tokens must be positive") }
        }

        func run() throws {
            var job = PackJob(manifestPath: manifest, outputDirectory: output, seqLen: seqLen)
            job.minDocumentTokens = minDocumentTokens
            job.filter = filter
            job.maxShardBytes = shardBytes
            job.strategy = PackJob.Strategy(rawValue: strategy)!
            job.chunkTokens = chunkTokens
            job.command = CommandLine.arguments.joined(separator: " ")
            let summary = try job.run()
            FileHandle.standardError.write(Data("""
                \(summary.sequences) sequences of \(job.strategy == .concat ? "" : "at most ")\(seqLen) tokens \
                (\(summary.tokens) tokens, \(String(format: "%.2f", summary.paddingShare * 100))% padding) in \(summary.shards.count) shards \
                from \(summary.documents) documents, \(summary.documentsSplit) of them cut; \(summary.documentsTooShort) documents \
                under \(minDocumentTokens) tokens left out; \(summary.tailTokensDropped) tokens of incomplete last sequences dropped

                """.utf8))
            if json {
                let object: [String: Any] = [
                    "strategy": job.strategy.rawValue, "seq_len": seqLen, "shards": summary.shards.count,
                    "sequences": summary.sequences, "tokens": summary.tokens, "padding_tokens": summary.paddingTokens,
                    "padding_share": summary.paddingShare, "documents": summary.documents,
                    "documents_split": summary.documentsSplit, "documents_too_short": summary.documentsTooShort,
                    "tail_tokens_dropped": summary.tailTokensDropped,
                ]
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            }
        }
    }
}
