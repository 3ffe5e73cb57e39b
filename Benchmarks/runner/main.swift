// Runner scaling benchmark: the same CPU-bound stage with --threads 1 and 2 (or more),
// on the same input; prints the median speed-up and checks that outputs are identical.
//
//     swift run -c release sieve-bench-runner INPUT [--threads-max N] [--repeats R] [--rounds K]
import Foundation
import SieveCore
import SieveIO

/// Hashes every 5-byte shingle of the text several times (the shape of MinHash signature
/// work) and records the minimum: CPU-bound, per-document, deterministic.
struct ShingleHashStage: Stage {
    let name = "shingle_hash"
    let rounds: Int

    func process(_ documents: [Document], context: inout StageContext) -> [Document] {
        documents.map { document in
            var document = document
            var text = document.text
            let minimum = text.withUTF8 { bytes -> UInt64 in
                var best = UInt64.max
                guard bytes.count >= 5 else { return best }
                for round in 0..<UInt64(rounds) {
                    for i in 0...(bytes.count - 5) {
                        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ round
                        for k in 0..<5 { h = (h ^ UInt64(bytes[i + k])) &* 0x100_0000_01b3 }
                        best = min(best, h)
                    }
                }
                return best
            }
            document.setMetadata("shingle_min_hash", .string(String(minimum, radix: 16)))
            return document
        }
    }
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: sieve-bench-runner INPUT [--threads-max N] [--repeats R]")
    exit(2)
}
func option(_ name: String, _ fallback: Int) -> Int {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let v = Int(arguments[i + 1]) else { return fallback }
    return v
}
let input = arguments[1]
let maxThreads = option("--threads-max", 2)
let repeats = option("--repeats", 3)
let rounds = option("--rounds", 16)
let (files, _) = CorpusDiscovery().discover([input])
let plan = WorkPlan(files: files, splitBytes: Int.max, taskCount: 1)

func run(threads: Int) throws -> (seconds: Double, output: [UInt8]) {
    let path = NSTemporaryDirectory() + "sieve-bench-runner-\(threads).jsonl.zst"
    let sink = try SingleFileSink(path: path)
    let start = Date()
    _ = try Runner(stages: [ShingleHashStage(rounds: rounds)], threads: threads)
        .run(source: CorpusSource(units: plan.units, options: ReadOptions()), sink: sink)
    try sink.finish()
    let seconds = Date().timeIntervalSince(start)
    let output = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    try FileManager.default.removeItem(atPath: path)
    return (seconds, output)
}

var medians: [Int: Double] = [:]
var reference: [UInt8]?
for threads in 1...maxThreads {
    var times: [Double] = []
    for _ in 0..<repeats {
        let (seconds, output) = try run(threads: threads)
        times.append(seconds)
        if let reference, reference != output {
            print("FAIL: output with \(threads) threads differs from 1 thread")
            exit(1)
        }
        reference = reference ?? output
    }
    medians[threads] = times.sorted()[times.count / 2]
    print(String(format: "threads %d: median %.2f s, speed-up %.2fx, output identical to 1 thread",
                 threads, medians[threads]!, medians[1]! / medians[threads]!))
}
