// In-process encoding throughput: the texts of a JSONL corpus are read into memory first,
// then encoded `--repeats` times with 1 and 2 threads, timing only the encoding, as
// Benchmarks/tokenizer/bench.py times the Python peers.
//
//     swift run -c release sieve-bench-encode TOKENIZER.json CORPUS.jsonl [--repeats R] [--threads N]
//
// Prints one JSON line per thread count: {"threads":1,"mb":…,"seconds":[…],"tokens":…}.
import CMemory
import Foundation
import SieveCore
import SieveTokenizer

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: sieve-bench-encode TOKENIZER.json CORPUS.jsonl [--repeats R] [--threads N]")
    exit(2)
}
func option(_ name: String, _ fallback: Int) -> Int {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let v = Int(arguments[i + 1]) else { return fallback }
    return v
}
// As in `sieve` (SieveCommand): large buffers come from mmap, fresh.
mallopt(M_MMAP_THRESHOLD, 1 << 20)
let repeats = option("--repeats", 3)
let maxThreads = option("--threads", 2)
let tokenizer = try Tokenizer(contentsOfFile: arguments[1])
guard let corpus = FileManager.default.contents(atPath: arguments[2]) else {
    print("cannot read \(arguments[2])")
    exit(1)
}
var texts: [[UInt8]] = []
for line in corpus.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
    if case .object(let members) = try JSONValue.parse(Array(line)),
       let text = members.first(where: { $0.key == "text" }), case .string(let s) = text.value {
        texts.append(Array(s.utf8))
    }
}
let bytes = texts.reduce(0) { $0 + $1.count }

/// Hands out the texts in chunks, so that a thread slowed down (a shared machine) takes
/// fewer of them, as the work-stealing pools of the Python peers do.
final class Chunks: @unchecked Sendable {
    static let size = 32
    private let lock = NSLock()
    private var next = 0

    /// The next chunk of text indices, or nil when all are taken.
    func take() -> Range<Int>? {
        lock.withLock {
            guard next < texts.count else { return nil }
            defer { next = min(next + Self.size, texts.count) }
            return next..<min(next + Self.size, texts.count)
        }
    }
}

/// Encodes every text once with `threads` threads; returns seconds and the number of ids.
func encodeAll(threads: Int, sessions: [EncodeSession]) -> (Double, Int) {
    let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: threads)
    defer { counts.deallocate() }
    let chunks = Chunks()
    let start = DispatchTime.now().uptimeNanoseconds
    DispatchQueue.concurrentPerform(iterations: threads) { t in
        var ids: [UInt32] = []
        var n = 0
        while let chunk = chunks.take() {
            for i in chunk {
                ids.removeAll(keepingCapacity: true)
                texts[i].withUnsafeBufferPointer { tokenizer.encode(utf8: $0, into: &ids, session: sessions[t]) }
                n += ids.count
            }
        }
        counts[t] = n
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return (seconds, counts.reduce(0, +))
}

for threads in 1...maxThreads {
    var seconds: [Double] = []
    var tokens = 0
    for _ in 0..<repeats {
        // Fresh sessions each time: the piece cache starts empty, as in a new process.
        let sessions = (0..<threads).map { _ in EncodeSession() }
        let (s, n) = encodeAll(threads: threads, sessions: sessions)
        seconds.append(s)
        tokens = n
    }
    let list = seconds.map { String(format: "%.4f", $0) }.joined(separator: ",")
    print("{\"threads\":\(threads),\"mb\":\(Double(bytes) / 1e6),\"seconds\":[\(list)],\"tokens\":\(tokens)}")
}
