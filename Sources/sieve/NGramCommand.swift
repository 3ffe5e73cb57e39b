import ArgumentParser
import Foundation
import SieveFiles
import SieveModels

struct NGramCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ngram",
        abstract: "N-gram language models as KenLM estimates and scores them (docs/lm.md).",
        subcommands: [Train.self, Query.self])

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Estimate an interpolated modified Kneser-Ney model as lmplz does; write ARPA.")

        @Option(help: "The model's order (lmplz -o).") var order: Int
        @Argument(help: "Text files, one sentence per line, words separated by white space (- for stdin).") var inputs: [String]
        @Option(name: .shortAndLong, help: "The ARPA file to write.") var output: String
        @Flag(name: .customLong("discount-fallback"), help: "Discounts 0.5 1 1.5 where the counts are too sparse (lmplz --discount_fallback).")
        var discountFallback = false

        func validate() throws {
            guard (1...10).contains(order) else { throw ValidationError("--order must be in 1...10") }
        }

        func run() throws {
            var trainer = NGramTrainer(order: order)
            if discountFallback { trainer.discountFallback = [0.5, 1, 1.5] }
            for input in inputs {
                let data: Data
                if input == "-" {
                    data = FileHandle.standardInput.readDataToEndOfFile()
                } else {
                    guard let d = FileManager.default.contents(atPath: input) else { throw CommandError(description: "\(input): cannot read") }
                    data = d
                }
                let text = String(decoding: data, as: UTF8.self)
                for line in NGramText.lines(text[...]) { trainer.add(line: line) }
            }
            let model: NGramModelData
            do { model = try trainer.estimate() } catch { throw CommandError(description: "\(error)") }
            try writeFileAtomically(Array(model.arpa().utf8), to: output)
            FileHandle.standardError.write(Data("sieve ngram: \(model.counts.enumerated().map { "\($0.element) \($0.offset + 1)-grams" }.joined(separator: ", ")) -> \(output)\n".utf8))
        }
    }

    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lines on stdin -> each line's log10 probability (with <s> and </s>) and perplexity, tab-separated.")

        @Option(help: "The ARPA file.") var model: String

        func run() throws {
            let started = Date()
            let lm = try NGramModel.read(from: model)
            let loaded = Date()
            var count = 0, bytes = 0
            defer {
                FileHandle.standardError.write(Data(String(format: "sieve ngram: loaded %@ in %.2f s; scored %d lines (%.1f MB) in %.2f s\n",
                                                           model, loaded.timeIntervalSince(started), count, Double(bytes) / 1e6,
                                                           Date().timeIntervalSince(loaded)).utf8))
            }
            // Standard input a block at a time: memory stays bounded whatever its size.
            var pending: [UInt8] = []
            func score(_ lineBytes: ArraySlice<UInt8>) -> String {
                let line = String(decoding: lineBytes, as: UTF8.self)
                let (logProb, tokens) = lm.score(line[...])
                count += 1
                return "\(logProb)\t\(pow(10, -logProb / Double(tokens)))\n"
            }
            while true {
                let block = FileHandle.standardInput.readData(ofLength: 1 << 20)
                bytes += block.count
                pending += block
                var out = ""
                var start = pending.startIndex
                while let newline = pending[start...].firstIndex(of: 0x0A) {
                    out += score(pending[start..<newline])
                    start = newline + 1
                }
                pending.removeSubrange(..<start)
                if block.isEmpty {
                    if !pending.isEmpty { out += score(pending[...]) }
                    FileHandle.standardOutput.write(Data(out.utf8))
                    break
                }
                FileHandle.standardOutput.write(Data(out.utf8))
            }
        }
    }
}
