// Training and inference throughput of Sieve's decoder on random tokens: for the default
// config (or --layers/--width/--seq-len/--vocab), `--steps` timed training steps (forward,
// backward, AdamW) and forward passes after one untimed warm-up each, on `--threads`
// threads. Prints one JSON object: median tokens/s of each, and the training step's seconds
// per kind of work. Benchmarks/lm/bench.py runs it beside PyTorch.
//   sieve-bench-lm --threads 2 --batch-size 8 --steps 5
import CMemory
import Foundation
import SieveCore
import SieveKernels
import SieveModels

var config = LMConfig()
var threads = 1, batchSize = 8, steps = 5
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    let value = Int(arguments.next() ?? "") ?? 0
    switch argument {
    case "--threads": threads = value
    case "--batch-size": batchSize = value
    case "--steps": steps = value
    case "--layers": config.layers = value
    case "--width": config.hiddenSize = value
    case "--seq-len": config.seqLen = value
    case "--vocab": config.vocabSize = value
    default: FileHandle.standardError.write(Data("unknown option \(argument)\n".utf8)); exit(2)
    }
}
// As `sieve model train`: activations come from the heap, not fresh mappings each step.
mallopt(M_MMAP_THRESHOLD, 32 << 20)  // glibc's largest
mallopt(M_TRIM_THRESHOLD, 1 << 30)
let model = Transformer(config: config, seed: 1)
var random = SplitMix64(seed: 2)
let n = batchSize * config.seqLen
let tokens = (0..<n).map { _ in Int32(random.next() % UInt64(config.vocabSize)) }
let targets = (0..<n).map { _ in Int32(random.next() % UInt64(config.vocabSize)) }
let batch = LMBatch(batch: batchSize, length: config.seqLen, tokens: tokens, targets: targets,
                    positions: (0..<n).map { Int32($0 % config.seqLen) }, segments: [Int32](repeating: 0, count: n))
var gradients = [Float](repeating: 0, count: model.parameters.count)
var m = gradients, v = gradients
var trainSeconds: [Double] = [], forwardSeconds: [Double] = []
var profile = LMProfile()
for step in 0...steps {
    var stepProfile = LMProfile()
    let start = Date()
    gradients.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    _ = gradients.withUnsafeMutableBufferPointer { model.loss(batch, gradients: $0.baseAddress!, threads: threads, profile: &stepProfile) }
    let optimizer = Date()
    model.parameters.withUnsafeMutableBufferPointer { w in
        Optimizer.adamW(w.baseAddress!, gradient: gradients, m: &m, v: &v, count: w.count, step: step + 1, learningRate: 1e-3,
                        beta2: 0.95, weightDecay: 0.1)
    }
    stepProfile.optimizer = Date().timeIntervalSince(optimizer)
    if step > 0 {
        trainSeconds.append(Date().timeIntervalSince(start))
        profile.matmul += stepProfile.matmul / Double(steps)
        profile.attention += stepProfile.attention / Double(steps)
        profile.other += stepProfile.other / Double(steps)
        profile.optimizer += stepProfile.optimizer / Double(steps)
    }
}
for step in 0...steps {
    let start = Date()
    _ = model.targetLogProbabilities(batch, threads: threads)
    if step > 0 { forwardSeconds.append(Date().timeIntervalSince(start)) }
}
func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
let result: [String: Any] = [
    "parameters": model.parameters.count, "tokens_per_step": n, "threads": threads,
    "train_tokens_per_s": Double(n) / median(trainSeconds), "forward_tokens_per_s": Double(n) / median(forwardSeconds),
    "step_s": median(trainSeconds), "matmul_s": profile.matmul, "attention_s": profile.attention, "other_s": profile.other,
    "optimizer_s": profile.optimizer,
]
print(String(decoding: try! JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
