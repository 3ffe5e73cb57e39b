// Matrix-multiply throughput of SieveKernels: for each shape M x K x N, the best and median
// seconds of `--repeats` runs of C = A · B with `--threads` threads, printed as one JSON line
// per shape with GFLOP/s (2·M·N·K / seconds). Benchmarks/kernels/bench.py runs it beside numpy.
//   sieve-bench-kernels --threads 1 --repeats 5 256x256x256 1024x1024x1024 …
import Dispatch
import Foundation
import SieveKernels

var threads = 1, repeats = 5
var shapes: [(Int, Int, Int)] = []
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--threads": threads = Int(arguments.next() ?? "") ?? 1
    case "--repeats": repeats = Int(arguments.next() ?? "") ?? 5
    default:
        let parts = argument.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 3 else { FileHandle.standardError.write(Data("bad shape \(argument): use MxKxN\n".utf8)); exit(2) }
        shapes.append((parts[0], parts[1], parts[2]))
    }
}
for (m, k, n) in shapes {
    var a = [Float](repeating: 0, count: m * k), b = [Float](repeating: 0, count: k * n)
    var c = [Float](repeating: 0, count: m * n)
    for i in a.indices { a[i] = Float(i % 97) / 97 - 0.5 }
    for i in b.indices { b[i] = Float(i % 89) / 89 - 0.5 }
    var seconds: [Double] = []
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in
                for _ in 0..<(repeats + 1) {
                    let start = DispatchTime.now().uptimeNanoseconds
                    Matmul.multiply(MatrixView(a.baseAddress!, rows: m, columns: k), MatrixView(b.baseAddress!, rows: k, columns: n),
                                    into: c.baseAddress!, ldc: n, threads: threads)
                    seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                }
            }
        }
    }
    seconds.removeFirst()  // warm-up
    let sorted = seconds.sorted()
    let flops = 2.0 * Double(m) * Double(n) * Double(k)
    print("{\"shape\":\"\(m)x\(k)x\(n)\",\"threads\":\(threads),\"best\":\(sorted[0]),\"median\":\(sorted[sorted.count / 2]),\"gflops\":\(flops / sorted[sorted.count / 2] / 1e9)}")
}
