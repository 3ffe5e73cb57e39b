import ArgumentParser
import Foundation
import SieveCore
import SieveIO
import SieveTokenizer

struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Tokenize JSONL {\"text\": …} lines from stdin into {\"ids\": […]} lines on stdout, in order.",
        discussion: """
            Ids equal Hugging Face tokenizers' for the same tokenizer.json. A line that is not \
            a JSON object with a string text field is skipped and reported on stderr.
            """)

    @Option(help: "A Hugging Face tokenizer.json (byte-level BPE).")
    var tokenizer: String

    @Option(name: .customLong("text-field"), help: "JSON field holding the text.")
    var textField = "text"

    @Option(name: .customLong("added-tokens"),
            help: "Which added tokens are matched in text: all (Hugging Face's default), non-special, none.")
    var addedTokens: String = AddedTokenMatching.all.rawValue

    @OptionGroup var processing: ProcessingOptions

    func run() throws {
        guard let matching = AddedTokenMatching(rawValue: addedTokens) else {
            throw ValidationError("--added-tokens must be all, non-special or none")
        }
        let started = Date()
        let tokenizer: Tokenizer
        do {
            tokenizer = try Tokenizer(contentsOfFile: self.tokenizer)
        } catch {
            throw CommandError(description: "\(error)", isUsage: true)
        }
        var options = readOptions()
        options.fields = FieldNames(text: textField)
        let threads = processing.resolvedThreads()
        let input = InputFile(path: "-", relativePath: "stdin", size: 0)
        let units = WorkPlan(files: [input], splitBytes: Int.max, taskCount: 1).units
        let sink = IdsSink(tokenizer: tokenizer, matching: matching)
        let stats = try Runner(stages: [], threads: threads, progress: nil)
            .run(source: CorpusSource(units: units, options: options), sink: sink)
        let report = RunReport(command: CommandLine.arguments.joined(separator: " "), startedAt: started,
                               seconds: Date().timeIntervalSince(started), threads: threads, inputFiles: 1,
                               inputBytes: stats[stage: "read"].bytesIn, units: 1, outputs: ["-"], stats: stats)
        if !report.stats.drops.isEmpty || processing.json {
            FileHandle.standardError.write(processing.json ? try report.json() + Data("\n".utf8) : Data(report.table().utf8))
        }
    }
}

/// Writes `{"ids":[…]}` lines to standard output; tokenizes on the worker threads.
final class IdsSink: BatchSink {
    let tokenizer: Tokenizer
    let matching: AddedTokenMatching
    let sessions = EncodeSessionPool()

    init(tokenizer: Tokenizer, matching: AddedTokenMatching) {
        self.tokenizer = tokenizer
        self.matching = matching
    }

    func encode(_ documents: [Document], unit: Int) -> [UInt8] {
        sessions.withSession { session in
            var out: [UInt8] = []
            var ids: [UInt32] = []
            for document in documents {
                ids.removeAll(keepingCapacity: true)
                var text = document.text
                text.withUTF8 { tokenizer.encode(utf8: $0, into: &ids, addedTokens: matching, session: session) }
                appendLine(ids, to: &out)
            }
            return out
        }
    }

    /// Appends `{"ids":[…]}` and a newline: at most 11 bytes per id, written in place.
    private func appendLine(_ ids: [UInt32], to out: inout [UInt8]) {
        let prefix: StaticString = #"{"ids":["#
        let old = out.count
        let capacity = prefix.utf8CodeUnitCount + 11 * ids.count + 3
        out.append(contentsOf: repeatElement(0, count: capacity))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int in
            var p = buffer.baseAddress! + old
            p.update(from: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
            p += prefix.utf8CodeUnitCount
            for (i, id) in ids.enumerated() {
                if i > 0 {
                    p.pointee = UInt8(ascii: ",")
                    p += 1
                }
                p += writeDecimal(id, at: p)
            }
            p[0] = UInt8(ascii: "]")
            p[1] = UInt8(ascii: "}")
            p[2] = UInt8(ascii: "\n")
            return p + 3 - (buffer.baseAddress! + old)
        }
        out.removeLast(capacity - written)
    }

    func write(_ encoded: [UInt8], unit: Int) throws {
        var done = 0
        try encoded.withUnsafeBytes { bytes in
            while done < bytes.count {
                let n = Foundation.write(STDOUT_FILENO, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw CommandError(description: "writing standard output: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }

    func endUnit(_ unit: Int, stats: RunStats) throws {}
}

/// Writes `value` in decimal at `p`; returns the number of digits.
@inline(__always)
private func writeDecimal(_ value: UInt32, at p: UnsafeMutablePointer<UInt8>) -> Int {
    var digits = 1
    var v = value
    while v >= 10 {
        v /= 10
        digits += 1
    }
    v = value
    for k in stride(from: digits - 1, through: 0, by: -1) {
        p[k] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
        v /= 10
    }
    return digits
}
