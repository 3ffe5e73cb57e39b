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
            commandName: "train",
            abstract: "Estimate an interpolated modified Kneser-Ney model as lmplz does; write ARPA.")

        @Option(help: "The model's order (lmplz -o).") var order: Int
        @Argument(help: "Text files, one sentence per line, words separated by white space (- for stdin).") var inputs: [String]
        @Option(name: .shortAndLong, help: "The ARPA file to write.") var output: String
        @Flag(name: .customLong("discount-fallback"), help: "Discounts 0.5 1 1.5 where the counts are too sparse (lmplz --discount_fallback).")
        var discountFallback = false
        @Option(help: "Memory for sorting, as bytes with K, M or G, or a share of physical memory with % (lmplz -S; default 80%); beyond it, sorted runs go to --temp-dir.")
        var memory = "80%"
        @Option(name: .customLong("temp-dir"), help: "Where sorted runs go when they outgrow --memory (lmplz -T).")
        var tempDir = NSTemporaryDirectory()

        func validate() throws {
            guard (1...10).contains(order) else { throw ValidationError("--order must be in 1...10") }
            guard Self.bytes(memory) != nil else { throw ValidationError("--memory: expected a size such as 2G, 500M or 50%, not \(memory)") }
        }

        /// "2G", "500M", "64K", "1000" or "50%" (of physical memory).
        static func bytes(_ text: String) -> Int? {
            let physical = Double(ProcessInfo.processInfo.physicalMemory)
            let units: [Character: Double] = ["K": 0x1p10, "M": 0x1p20, "G": 0x1p30, "T": 0x1p40, "%": physical / 100]
            var number = Substring(text.uppercased()), scale = 1.0
            if let last = number.last, let unit = units[last] {
                scale = unit
                number = number.dropLast()
            }
            guard let value = Double(number), value > 0, value * scale >= 0x1p20, value * scale < 1e15 else { return nil }
            return Int(value * scale)
        }

        func run() throws {
            var trainer = NGramTrainer(order: order, memory: Self.bytes(memory)!, temporaryDirectory: tempDir)
            if discountFallback { trainer.discountFallback = [0.5, 1, 1.5] }
            // A block at a time: the corpus need not fit in memory.
            for input in inputs {
                let handle: FileHandle
                if input == "-" {
                    handle = FileHandle.standardInput
                } else {
                    guard let h = FileHandle(forReadingAtPath: input) else { throw CommandError(description: "\(input): cannot read") }
                    handle = h
                }
                var pending: [UInt8] = []
                while true {
                    let block = handle.readData(ofLength: 1 << 22)
                    pending += block
                    var start = 0
                    if block.isEmpty {
                        if !pending.isEmpty { try trainer.add(line: String(decoding: pending, as: UTF8.self)[...]) }
                        break
                    }
                    while let newline = pending[start...].firstIndex(of: 0x0A) {
                        try trainer.add(line: String(decoding: pending[start..<newline], as: UTF8.self)[...])
                        start = newline + 1
                    }
                    pending.removeSubrange(..<start)
                }
            }
            let estimate: NGramEstimate
            do { estimate = try trainer.estimate(to: output) } catch let error as NGramTrainer.Failure { throw CommandError(description: "\(error)") }
            for k in estimate.fallbackOrders {
                FileHandle.standardError.write(Data("sieve ngram: fallback discounts for \(k)-grams: 0.5 1 1.5\n".utf8))
            }
            let spilled = estimate.spilledBytes > 0 ? String(format: "; %.1f MB sorted on disk", Double(estimate.spilledBytes) / 1e6) : ""
            FileHandle.standardError.write(Data("sieve ngram: \(estimate.counts.enumerated().map { "\($0.element) \($0.offset + 1)-grams" }.joined(separator: ", "))\(spilled) -> \(output)\n".utf8))
        }
    }

    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "query",
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
