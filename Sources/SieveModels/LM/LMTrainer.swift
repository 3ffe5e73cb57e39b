import Foundation
import SieveCore
import SieveFiles
import SieveIO
import SieveKernels

/// How `LMTrainer` trains (docs/lm.md).
public struct LMTrainingOptions: Codable, Equatable, Sendable {
    public var steps = 100
    /// Rows per micro-batch, and micro-batches whose gradients add up to one step.
    public var batchSize = 8
    public var accumulation = 1
    public var learningRate = 3e-3
    /// The cosine schedule ends at learningRate · minLearningRateRatio.
    public var minLearningRateRatio = 0.1
    public var warmupSteps = 10
    public var weightDecay = 0.1
    public var beta1 = 0.9
    public var beta2 = 0.95
    /// The gradient's global L2 norm is scaled down to this (0: no clipping).
    public var clipNorm = 1.0
    public var seed: UInt64 = 1
    public var checkpointEvery = 50

    public init() {}

    /// Linear warm-up to the peak, then a cosine down to the floor at the last step.
    public func learningRate(step: Int) -> Double {
        if step < warmupSteps { return learningRate * Double(step + 1) / Double(warmupSteps) }
        let progress = Double(step - warmupSteps) / Double(max(1, steps - warmupSteps))
        let floor = learningRate * minLearningRateRatio
        return floor + (learningRate - floor) * 0.5 * (1 + cos(Double.pi * min(1, progress)))
    }
}

/// What one step did.
public struct LMStepReport: Sendable {
    public var step: Int
    public var loss: Double
    public var learningRate: Double
    public var gradientNorm: Double
    public var tokens: Int
    public var seconds: Double
    /// Seconds of this step in matrix multiplies, attention, the rest of the forward and
    /// backward passes, and the optimizer.
    public var profile: LMProfile
}

/// Trains a `Transformer` on a `TokenStream` with AdamW, and keeps a resumable checkpoint in
/// `directory` (docs/lm.md): `model.safetensors` (weights, with the config in its
/// metadata), `optimizer.safetensors` (AdamW's moments) and `trainer.json` (step, options,
/// the data stream's state), written together into `checkpoint/`.
public final class LMTrainer {
    public let model: Transformer
    public let options: LMTrainingOptions
    public let stream: TokenStream
    public let directory: String
    public private(set) var step = 0
    public var threads = 1
    private var m: [Float], v: [Float]

    struct TrainerState: Codable {
        var step: Int
        var options: LMTrainingOptions
        var data: TokenStream.State
        var config: LMConfig
    }

    /// A new model, or the one in `directory`'s checkpoint (with its step, moments and data
    /// state) when there is one; a checkpoint of another config is refused.
    public init(config: LMConfig, options: LMTrainingOptions, stream: TokenStream, directory: String) throws {
        self.options = options
        self.stream = stream
        self.directory = directory
        let checkpoint = directory + "/checkpoint"
        if FileManager.default.fileExists(atPath: checkpoint + "/trainer.json") {
            let state = try JSONDecoder().decode(TrainerState.self, from: try Data(contentsOf: URL(fileURLWithPath: checkpoint + "/trainer.json")))
            guard state.config == config else {
                throw ModelError("\(checkpoint) holds a model of another config (\(state.config.json)); this run asks for \(config.json)")
            }
            model = try Transformer(config: config, tensors: try Safetensors.read(checkpoint + "/model.safetensors").tensors)
            let moments = try Safetensors.read(checkpoint + "/optimizer.safetensors").tensors
            guard let saved = moments["m"]?.values, let savedV = moments["v"]?.values, saved.count == model.parameters.count,
                  savedV.count == model.parameters.count else {
                throw ModelError("\(checkpoint)/optimizer.safetensors does not fit the model (truncated or damaged)")
            }
            (m, v) = (saved, savedV)
            step = state.step
            try stream.restore(state.data)
        } else {
            model = Transformer(config: config, seed: options.seed)
            m = [Float](repeating: 0, count: model.parameters.count)
            v = m
        }
    }

    /// Runs until `options.steps`, calling `report` after each step and saving a
    /// checkpoint every `checkpointEvery` steps and at the end. A non-finite loss or
    /// gradient stops the run with an error; the last checkpoint is left as it was.
    public func train(report: (LMStepReport) -> Void) throws {
        let c = model.config
        var gradients = [Float](repeating: 0, count: model.parameters.count)
        while step < options.steps {
            let started = Date()
            var profile = LMProfile()
            gradients.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            var loss = 0.0
            for _ in 0..<options.accumulation {
                let batch = try stream.batch(rows: options.batchSize, length: c.seqLen)
                loss += gradients.withUnsafeMutableBufferPointer {
                    model.loss(batch, gradients: $0.baseAddress!, threads: threads, profile: &profile)
                } / Double(options.accumulation)
            }
            let optimizerStart = Date()
            var squares = 0.0
            let scale = Float(1) / Float(options.accumulation)
            for i in gradients.indices {
                gradients[i] *= scale
                squares += Double(gradients[i]) * Double(gradients[i])
            }
            let norm = squares.squareRoot()
            guard loss.isFinite, norm.isFinite else {
                throw ModelError("step \(step + 1): the loss is \(loss) and the gradient norm \(norm); stopped. "
                                 + "The last good checkpoint (step \(lastCheckpointStep)) is kept in \(directory)/checkpoint")
            }
            if options.clipNorm > 0 && norm > options.clipNorm {
                let clip = Float(options.clipNorm / norm)
                for i in gradients.indices { gradients[i] *= clip }
            }
            let rate = options.learningRate(step: step)
            adamW(gradients, learningRate: Float(rate))
            step += 1
            profile.optimizer += Date().timeIntervalSince(optimizerStart)
            report(LMStepReport(step: step, loss: loss, learningRate: rate, gradientNorm: norm,
                                tokens: options.batchSize * options.accumulation * c.seqLen,
                                seconds: Date().timeIntervalSince(started), profile: profile))
            if step % options.checkpointEvery == 0 || step == options.steps { try saveCheckpoint() }
        }
    }

    private var lastCheckpointStep: Int {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: directory + "/checkpoint/trainer.json")),
              let state = try? JSONDecoder().decode(TrainerState.self, from: data) else { return 0 }
        return state.step
    }

    /// SieveKernels' AdamW, tensor by tensor: the norm weights are not decayed.
    private func adamW(_ gradients: [Float], learningRate: Float) {
        model.parameters.withUnsafeMutableBufferPointer { w in
            m.withUnsafeMutableBufferPointer { m in v.withUnsafeMutableBufferPointer { v in gradients.withUnsafeBufferPointer { g in
                    for entry in model.layout.entries {
                        let at = entry.offset, count = entry.shape.reduce(1, *)
                        Optimizer.adamW(w.baseAddress! + at, gradient: g.baseAddress! + at,
                                        m: m.baseAddress! + at, v: v.baseAddress! + at, count: count, step: step + 1,
                                        learningRate: learningRate, beta1: Float(options.beta1), beta2: Float(options.beta2),
                                        weightDecay: model.layout.isNorm(entry.name) ? 0 : Float(options.weightDecay))
                    }
            } } }
        }
    }

    /// Writes `checkpoint.tmp/`, then swaps it in for `checkpoint/`: a kill at any moment
    /// leaves one whole checkpoint.
    public func saveCheckpoint() throws {
        let fm = FileManager.default
        let temporary = directory + "/checkpoint.tmp", final = directory + "/checkpoint", old = directory + "/checkpoint.old"
        try? fm.removeItem(atPath: temporary)
        try fm.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        try Safetensors.write(model.tensors, metadata: ["config": model.config.json, "step": String(step)], to: temporary + "/model.safetensors")
        try Safetensors.write(["m": .init(shape: [m.count], values: m), "v": .init(shape: [v.count], values: v)],
                              to: temporary + "/optimizer.safetensors")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try writeFileAtomically(Array(try encoder.encode(TrainerState(step: step, options: options, data: stream.state, config: model.config))),
                                to: temporary + "/trainer.json")
        try? fm.removeItem(atPath: old)
        if fm.fileExists(atPath: final) { try fm.moveItem(atPath: final, toPath: old) }
        try fm.moveItem(atPath: temporary, toPath: final)
        try? fm.removeItem(atPath: old)
    }

    /// After a kill between the two renames of `saveCheckpoint`, the whole checkpoint is
    /// `checkpoint.old`: put it back.
    public static func recover(_ directory: String) {
        let fm = FileManager.default
        if !fm.fileExists(atPath: directory + "/checkpoint"), fm.fileExists(atPath: directory + "/checkpoint.old") {
            try? fm.moveItem(atPath: directory + "/checkpoint.old", toPath: directory + "/checkpoint")
        }
    }

    /// A trained model from a checkpoint directory (or its `model.safetensors`): the config
    /// is read from the file's metadata.
    public static func load(_ path: String) throws -> Transformer {
        var file = path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            recover(path)
            file = FileManager.default.fileExists(atPath: path + "/checkpoint/model.safetensors") ? path + "/checkpoint/model.safetensors"
                : path + "/model.safetensors"
        }
        let (tensors, metadata) = try Safetensors.read(file)
        guard let json = metadata["config"], let config = try? JSONDecoder().decode(LMConfig.self, from: Data(json.utf8)) else {
            throw ModelError("\(file): no model config in its metadata (not written by sieve model train)")
        }
        return try Transformer(config: config, tensors: tensors)
    }
}

/// Seconds spent per kind of work in a step.
public struct LMProfile: Sendable {
    public var matmul = 0.0, attention = 0.0, other = 0.0, optimizer = 0.0
    public init() {}
    public var total: Double { matmul + attention + other + optimizer }
}
