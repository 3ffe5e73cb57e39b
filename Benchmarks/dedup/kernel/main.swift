// Sieve's MinHash kernel alone, in process: the signatures (112 hashes) and band keys of
// documents whose shingles were computed before the clock starts. The counterpart of
// rensa's "5-grams prebuilt" row in Benchmarks/dedup/bench_speed.py, which runs it.
//
//     swift run -c release sieve-bench-minhash DOCS.jsonl [--repeats 3]
//
// Prints one line: documents, median seconds, documents/s. Sieve's shingles are 64-bit
// hashes of word 5-grams (Shingler); rensa's prebuilt tokens are strings that its update
// still hashes, so the two kernels do not do quite the same work: rensa's includes one
// string hash per shingle.
import Foundation
import SieveCore
import SieveDedup

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: sieve-bench-minhash DOCS.jsonl [--repeats N]\n".utf8))
    exit(2)
}
let repeats = arguments.firstIndex(of: "--repeats").flatMap { Int(arguments[$0 + 1]) } ?? 3
let data = FileManager.default.contents(atPath: arguments[1]) ?? Data()
let texts = data.split(separator: UInt8(ascii: "\n")).compactMap { line -> String? in
    (try? JSONValue.parse(Array(line)))?["text"]?.stringValue
}
let shingler = Shingler()
let hasher = MinHasher()
let shingles = texts.map(shingler.shingles)

var seconds: [Double] = []
var keys = 0
for _ in 0..<repeats {
    let started = DispatchTime.now()
    for document in shingles {
        if let signature = hasher.signature(document) { keys &+= hasher.bandKeys(signature).count }
    }
    seconds.append(Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9)
}
let median = seconds.sorted()[seconds.count / 2]
print("\(texts.count) \(String(format: "%.4f", median)) \(String(format: "%.0f", Double(texts.count) / median)) \(keys)")
