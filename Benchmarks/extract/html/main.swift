// In-process HTML extraction throughput: the pages are read into memory first, then
// extracted `--repeats` times on one thread, timing only the extractor calls, as
// Benchmarks/extract/html_bench.py times trafilatura and resiliparse.
//
//     swift run -c release sieve-bench-html FILE... [--repeats R]
//
// Prints one JSON line: {"pages":…,"mb":…,"seconds":[…],"characters":…}.
import CMemory
import Foundation
import SieveExtract

var arguments = Array(CommandLine.arguments.dropFirst())
var repeats = 3
if let i = arguments.firstIndex(of: "--repeats"), i + 1 < arguments.count, let r = Int(arguments[i + 1]) {
    repeats = r
    arguments.removeSubrange(i...i + 1)
}
guard !arguments.isEmpty else {
    print("usage: sieve-bench-html FILE... [--repeats R]")
    exit(2)
}
// As in `sieve` (SieveCommand): large buffers come from mmap, fresh.
mallopt(M_MMAP_THRESHOLD, 1 << 20)
let pages: [[UInt8]] = arguments.map { path in
    guard let data = FileManager.default.contents(atPath: path) else {
        print("cannot read \(path)")
        exit(1)
    }
    return [UInt8](data)
}
let extractor = HTMLExtractor()
var seconds: [Double] = []
var characters = 0
for _ in 0..<repeats {
    characters = 0
    let start = DispatchTime.now().uptimeNanoseconds
    for page in pages { characters += extractor.extract(page).text.utf8.count }
    seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}
let mb = Double(pages.reduce(0) { $0 + $1.count }) / 1e6
print("{\"pages\":\(pages.count),\"mb\":\(mb),\"seconds\":\(seconds),\"characters\":\(characters)}")
