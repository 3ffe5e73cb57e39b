import SieveIO
import SieveShards

/// Which of a task's work units a run does now, and which an earlier run finished: a pure
/// function of what the manifest recorded and what is on disk.
///
/// A unit is reused when an earlier run finished it with the same plan (its segments), none
/// of its inputs changed, and its output is still there. Token parts are deleted once the
/// shards are assembled, so for shards a task whose earlier run finished, with unchanged
/// inputs and every shard file present, needs nothing at all (`alreadyComplete`); otherwise
/// its units whose part is gone are done again.
public struct ResumePlan: Equatable, Sendable {
    /// The units to run now, in plan order.
    public var todo: [Int]
    /// Every unit is reused and the task's shards from an earlier run are complete.
    public var alreadyComplete: Bool

    /// What the plan is made from.
    public struct State {
        /// The task's units, in plan order: index, segments as the manifest records them
        /// (JSON), and input paths.
        public var units: [(index: Int, segments: String, inputs: [String])]
        /// What earlier runs recorded as finished, by unit.
        public var finished: [Int: Manifest.FinishedUnit]
        /// Inputs whose size and hash are as an earlier run recorded them.
        public var unchangedInputs: Set<String>
        public var kind: PipelineConfig.OutputKind
        /// Whether an earlier run of this task ended without an error.
        public var previousRunFinished: Bool
        /// The shard files an earlier run of this task recorded.
        public var shardFiles: [String]

        public init(units: [(index: Int, segments: String, inputs: [String])], finished: [Int: Manifest.FinishedUnit],
                    unchangedInputs: Set<String>, kind: PipelineConfig.OutputKind, previousRunFinished: Bool,
                    shardFiles: [String]) {
            self.units = units
            self.finished = finished
            self.unchangedInputs = unchangedInputs
            self.kind = kind
            self.previousRunFinished = previousRunFinished
            self.shardFiles = shardFiles
        }
    }

    public init(todo: [Int], alreadyComplete: Bool) {
        self.todo = todo
        self.alreadyComplete = alreadyComplete
    }

    /// The plan for `state`; `fileExists` is asked about outputs and shard files.
    public init(_ state: State, fileExists: (String) -> Bool) {
        func reusable(_ unit: (index: Int, segments: String, inputs: [String]), requireOutput: Bool) -> Bool {
            guard let done = state.finished[unit.index], done.segments == unit.segments else { return false }
            guard unit.inputs.allSatisfy(state.unchangedInputs.contains) else { return false }
            return !requireOutput || fileExists(done.output)
        }
        alreadyComplete = state.kind == .shards && state.previousRunFinished
            && state.units.allSatisfy { reusable($0, requireOutput: false) }
            && state.shardFiles.allSatisfy(fileExists)
        todo = alreadyComplete ? [] : state.units.filter { !reusable($0, requireOutput: true) }.map(\.index)
    }
}
