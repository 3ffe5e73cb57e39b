import ArgumentParser
import CMemory
import Foundation
import SieveCore
import SieveIO
import SieveMixture
import SieveModels
import SieveTokenizer

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "A small Qwen3-style language model on the packed shards: train, and score perplexity (docs/lm.md).",
        subcommands: [Train.self, Score.self])

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train",
            abstract: "Train from the shards a manifest lists; resumes from OUT/checkpoint when there is one.")

        @Option(help: "The manifest whose document shards to train on.") var manifest: String
        @Option(name: .customLong("where"), help: "Only the shards meeting this SQL condition on the manifest's shards table.")
        var condition: String?
        @Option(help: "A mixture plan (sieve mix plan): draw shards by its weights instead of by their tokens.") var plan: String?
        @Option(help: "The plan's stage (default: its first).") var stage: String?
        @Option(help: "Model config, JSON (docs/lm.md); default: 4 layers of width 256.") var config: String?
        @Option(help: "Optimizer steps.") var steps = 100
        @Option(name: .customLong("out"), help: "Folder for the checkpoint.") var out: String
        @Option(name: .customLong("batch-size"), help: "Rows of seq_len tokens a micro-batch.") var batchSize = 8
        @Option(help: "Micro-batches a step (gradient accumulation).") var accumulation = 1
        @Option(help: "Peak learning rate.") var lr = 3e-3
        @Option(help: "Warm-up steps.") var warmup = 10
        @Option(name: .customLong("weight-decay")) var weightDecay = 0.1
        @Option(help: "Clip the gradient's global norm to this (0: off).") var clip = 1.0
        @Option(name: .customLong("checkpoint-every"), help: "Steps between checkpoints.") var checkpointEvery = 50
        @Option var seed: UInt64 = 1
        @Option(help: "Threads (default: one per core).") var threads: Int?
        @Flag(help: "One JSON object a step on stdout.") var json = false

        func validate() throws {
            guard steps >= 1, batchSize >= 1, accumulation >= 1, warmup >= 0, checkpointEvery >= 1, lr > 0, clip >= 0 else {
                throw ValidationError("--steps, --batch-size, --accumulation and --checkpoint-every must be at least 1, --lr positive")
            }
        }

        func run() throws {
            // A step allocates the same large activations again and again: keep them on the
            // heap instead of mapping fresh zeroed pages each time (main() lowers the threshold
            // for the document pipeline).
            mallopt(M_MMAP_THRESHOLD, 32 << 20)  // glibc's largest
            mallopt(M_TRIM_THRESHOLD, 1 << 30)
            do {
                let config = try self.config.map(LMConfig.load) ?? LMConfig()
                var options = LMTrainingOptions()
                (options.steps, options.batchSize, options.accumulation, options.learningRate) = (steps, batchSize, accumulation, lr)
                (options.warmupSteps, options.weightDecay, options.clipNorm, options.checkpointEvery, options.seed) =
                    (warmup, weightDecay, clip, checkpointEvery, seed)
                let mixture = try plan.map { path -> MixturePlan in
                    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ModelError("\(path): cannot read") }
                    return try MixturePlan(toml: text)
                }
                let sources = try TokenStream.sources(manifest: manifest, condition: condition, plan: mixture, stage: stage)
                let stream = try TokenStream(sources: sources, vocabSize: config.vocabSize, seed: seed)
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                LMTrainer.recover(out)
                let trainer = try LMTrainer(config: config, options: options, stream: stream, directory: out)
                trainer.threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
                if trainer.step > 0 { FileHandle.standardError.write(Data("sieve model: resuming at step \(trainer.step)\n".utf8)) }
                FileHandle.standardError.write(Data("sieve model: \(trainer.model.parameters.count) parameters, \(sources.count) shards\n".utf8))
                try trainer.train { r in
                    if json {
                        let object: [String: Any] = [
                            "step": r.step, "loss": r.loss, "lr": r.learningRate, "grad_norm": r.gradientNorm, "tokens": r.tokens,
                            "seconds": r.seconds, "tokens_per_s": Double(r.tokens) / r.seconds, "matmul_s": r.profile.matmul,
                            "attention_s": r.profile.attention, "other_s": r.profile.other, "optimizer_s": r.profile.optimizer,
                        ]
                        let line = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                        FileHandle.standardOutput.write(line + Data([0x0A]))
                    } else {
                        FileHandle.standardError.write(Data(String(format: "step %d  loss %.4f  lr %.2e  grad norm %.3f  %.0f tokens/s\n",
                                                                   r.step, r.loss, r.learningRate, r.gradientNorm,
                                                                   Double(r.tokens) / r.seconds).utf8))
                    }
                }
            } catch let error as ModelError {
                throw CommandError(description: error.description)
            }
        }
    }

    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "score",
            abstract: "Per-document perplexity with a trained model: documents in, the same documents with mean_logprob, perplexity and scored_tokens out.")

        @Option(help: "A checkpoint folder (sieve model train --out) or its model.safetensors.") var model: String
        @Option(help: "The tokenizer.json the model's shards were made with.") var tokenizer: String
        @Argument(help: "Input files or folders (- for stdin).") var inputs: [String]
        @Option(name: .shortAndLong, help: "Output JSONL (.zst/.gz by extension; - for stdout).") var output: String
        @Option(help: "Per-language perplexity cutoffs (TOML from --write-cutoffs): adds perplexity_bucket.") var cutoffs: String?
        @Option(help: "With --cutoffs, the buckets to keep (comma-separated; default all).") var keep: String?
        @Option(name: .customLong("write-cutoffs"), help: "Write each language's 33rd and 67th perplexity percentiles here (TOML).")
        var writeCutoffs: String?
        @OptionGroup var selection: SelectionOptions
        @OptionGroup var processing: ProcessingOptions

        func run() throws {
            let transformer: Transformer
            do { transformer = try LMTrainer.load(model) } catch { throw CommandError(description: "\(error)") }
            let encoder = try Tokenizer(contentsOfFile: tokenizer)
            let keepSet = Set((keep ?? PerplexityStage.buckets.joined(separator: ",")).split(separator: ",").map(String.init))
            guard keepSet.isSubset(of: PerplexityStage.buckets) else { throw ValidationError("--keep takes head, middle, tail") }
            let collector = PerplexityCollector()
            let cutoffTable: [String: (Double, Double)]
            do { cutoffTable = try cutoffs.map(PerplexityCutoffs.read) ?? [:] } catch let error as PerplexityCutoffs.Invalid {
                throw CommandError(description: error.description, isUsage: true)
            }
            let stage = PerplexityStage(model: transformer, cutoffs: cutoffTable, keep: keepSet, collector: collector)
            try processing.printSummary(try CatCommand.copy(
                inputs, to: output, include: selection.include, exclude: selection.exclude, fields: FieldNames(),
                maxDocumentBytes: 64 << 20, stages: [TokenizeStage(tokenizer: encoder), stage], processing: processing))
            if let writeCutoffs { try PerplexityCutoffs.write(collector.cutoffs(), to: writeCutoffs) }
        }
    }
}
