import Foundation
import SieveFiles

/// Runs a `PassPlan` on Slurm: one `sbatch` job array per pass, each depending
/// (`afterok`) on the pass before it. Everything lives in the state folder
/// (`OUTPUT/.sieve/slurm`), which must be on the filesystem the nodes share:
///
/// - `state.json`: the plan, the sbatch settings and every submission (pass, job id, tasks);
/// - `PASS.sbatch`: the script of each pass; the task index comes from `SLURM_ARRAY_TASK_ID`;
/// - `logs/PASS-T.log`: each task's output, appended to by every attempt (`PASS-O+I.log`
///   for index I of an array whose tasks start at O: passes of more tasks than the
///   cluster's `MaxArraySize` go as several arrays, and every later pass waits for all);
/// - `done/PASS-T`: written by a task's script after its command succeeded.
///
/// `status` compares the done markers with `squeue`; `resume` submits again only the
/// tasks without a marker, pass by pass, each pass depending on the one resubmitted before.
public struct SlurmExecutor {
    public struct Settings: Codable, Equatable, Sendable {
        public var partition: String?
        public var cpusPerTask: Int?
        public var memory: String?
        public var time: String?
        /// At most this many tasks of a pass at once (`--array=…%K`).
        public var maxParallel: Int?
        /// The cluster's `MaxArraySize`: array indices stay below it, so a pass of more
        /// tasks is submitted as several arrays (`submit` asks `scontrol show config`
        /// when nil).
        public var maxArraySize: Int?
        public init() {}
    }

    /// What `submit` records, and `status` and `resume` read.
    public struct State: Codable, Equatable, Sendable {
        public var executable: String
        public var plan: PassPlan
        public var settings: Settings
        public var submissions: [Submission]
    }

    public struct Submission: Codable, Equatable, Sendable {
        public var pass: String
        public var job: String
        public var tasks: [Int]
        /// Added to the array index to give the task (arrays after a pass's first).
        public var offset: Int?
    }

    /// Where a task of a pass stands.
    public struct PassStatus: Equatable, Sendable {
        public var name: String
        public var tasks: Int
        public var done: [Int]
        /// Task → Slurm state (PENDING, RUNNING, …) and reason, for the tasks in the queue.
        public var queued: [Int: String]
        /// Neither done nor queued.
        public var missing: [Int] { (0..<tasks).filter { !done.contains($0) && queued[$0] == nil } }
        /// A round after the last: its tasks had nothing to do.
        public var skipped = false
    }

    public let directory: String
    /// The Slurm commands, by name; tests may point them elsewhere.
    public var sbatch = "sbatch"
    public var squeue = "squeue"
    public var scancel = "scancel"
    public var scontrol = "scontrol"

    public init(output: String) {
        directory = OutputLayout(output).slurm
    }

    var statePath: String { directory + "/state.json" }

    public func scriptPath(_ pass: String) -> String { "\(directory)/\(pass).sbatch" }

    public func logPath(_ pass: String, task: Int) -> String {
        let size = (try? readState())?.settings.maxArraySize ?? Self.defaultMaxArraySize
        let offset = task / size * size
        return "\(directory)/logs/\(pass)-" + (offset == 0 ? "\(task)" : "\(offset)+\(task - offset)") + ".log"
    }

    /// Slurm's default `MaxArraySize`.
    public static let defaultMaxArraySize = 1001

    func donePath(_ pass: String, task: Int) -> String { donePrefix(pass) + String(task) }

    func donePrefix(_ pass: String) -> String { "\(directory)/done/\(pass)-" }

    public func readState() throws -> State {
        guard let data = FileManager.default.contents(atPath: statePath) else {
            throw ExecutorError(message: "\(statePath): no submission recorded here (run sieve slurm submit first)")
        }
        return try JSONDecoder().decode(State.self, from: data)
    }

    func write(_ state: State) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try writeFileAtomically(Array(try encoder.encode(state)) + [0x0A], to: statePath)
    }

    /// The batch script of `pass`.
    public func script(_ pass: PassPlan.Pass, plan: PassPlan, executable: String, settings: Settings) -> String {
        var lines = [
            "#!/bin/bash",
            "# Pass \"\(pass.name)\" of a Sieve pipeline run as \(plan.tasks) tasks; written by sieve slurm submit.",
            "#SBATCH --job-name=sieve-\(pass.name)",
            "# sieve slurm passes --output=\(directory)/logs/\(pass.name)-%a.log (one log per task) to sbatch.",
            "#SBATCH --open-mode=append",
        ]
        if let partition = settings.partition { lines.append("#SBATCH --partition=\(partition)") }
        if let cpus = settings.cpusPerTask { lines.append("#SBATCH --cpus-per-task=\(cpus)") }
        if let memory = settings.memory { lines.append("#SBATCH --mem=\(memory)") }
        if let time = settings.time { lines.append("#SBATCH --time=\(time)") }
        let command = ([executable] + pass.arguments).map { argument in
            switch argument {
            case PassPlan.task: return "\"$task\""
            case PassPlan.threads: return "\"$threads\""
            default:
                return Self.quote(argument).replacingOccurrences(of: PassPlan.task, with: "'\"$task\"'")
                    .replacingOccurrences(of: PassPlan.threads, with: "'\"$threads\"'")
            }
        }
        lines += [
            "set -euo pipefail",
            "task=$(( ${SIEVE_TASK_OFFSET:-0} + ${SLURM_ARRAY_TASK_ID:-0} ))",
        ]
        if let skip = pass.skipWhen {
            lines.append("# An earlier round found the answer: nothing to do.")
            lines.append("if [ -e \(Self.quote(skip)) ]; then touch \(Self.quote(donePrefix(pass.name)))\"$task\"; exit 0; fi")
        }
        lines += [
            "threads=${SLURM_CPUS_PER_TASK:-1}",
            "echo \"sieve \(pass.name) task $task: job ${SLURM_JOB_ID:-none} on $(hostname) at $(date -u +%FT%TZ)\"",
            command.joined(separator: " "),
            "touch \(Self.quote(donePrefix(pass.name)))\"$task\"",
            "",
        ]
        return lines.joined(separator: "\n")
    }

    /// Writes the scripts and submits every pass; with `dryRun`, writes the scripts and
    /// returns the sbatch command lines without running them.
    public func submit(_ plan: PassPlan, executable: String, settings: Settings, dryRun: Bool) throws -> [String] {
        if !dryRun, let state = try? readState() {
            let active = try queue(state)
            guard active.isEmpty else {
                throw ExecutorError(message: "jobs of the last submission are still queued (\(Set(active.map(\.job)).sorted().joined(separator: ", "))); wait, or scancel them")
            }
        }
        try makeDirectories(directory + "/logs")
        try makeDirectories(directory + "/done")
        for pass in plan.steps {
            try writeFileAtomically(Array(script(pass, plan: plan, executable: executable, settings: settings).utf8), to: scriptPath(pass.name))
        }
        var settings = settings
        if settings.maxArraySize == nil && !dryRun { settings.maxArraySize = try maxArraySize() }
        var state = State(executable: executable, plan: plan, settings: settings, submissions: [])
        if dryRun {
            var lines: [String] = []
            var previous: [String] = []
            for pass in plan.steps {
                let arrays = arrays(Array(0..<pass.tasks), settings: settings)
                for array in arrays {
                    lines.append(sbatchArguments(pass.name, array: array, after: previous, settings: settings)
                        .map(Self.quote).joined(separator: " "))
                }
                let name = pass.name.uppercased()
                previous = arrays.count == 1 ? ["$\(name)_JOB"] : arrays.indices.map { "$\(name)_JOB_\($0)" }
            }
            return lines
        }
        // Markers of an earlier submission would hide tasks of this one.
        for name in try FileManager.default.contentsOfDirectory(atPath: directory + "/done") {
            try FileManager.default.removeItem(atPath: directory + "/done/" + name)
        }
        try write(state)
        try submit(plan.steps.map { ($0.name, Array(0..<$0.tasks)) }, state: &state)
        return state.submissions.map { "\($0.pass): job \($0.job), tasks \(Self.arraySpec($0.tasks))" }
    }

    /// Where every pass stands.
    public func status() throws -> [PassStatus] {
        let state = try readState()
        let queued = try queue(state)
        return state.plan.steps.map { pass in
            var status = PassStatus(name: pass.name, tasks: pass.tasks, done: [], queued: [:])
            status.skipped = pass.skippable
            status.done = (0..<pass.tasks).filter { FileManager.default.fileExists(atPath: donePath(pass.name, task: $0)) }
            for entry in queued where entry.pass == pass.name && !status.done.contains(entry.task) {
                status.queued[entry.task] = entry.state
            }
            return status
        }
    }

    /// Submits again the tasks that have not finished, and every pass after the first
    /// such one; rounds whose `skipWhen` file exists are marked done instead. Jobs left waiting on a dependency that can no longer be met are cancelled
    /// first; anything else still queued makes `resume` refuse.
    public func resume() throws -> [String] {
        var state = try readState()
        let queued = try queue(state)
        let stuck = queued.filter { $0.state.contains("DependencyNeverSatisfied") }
        let active = queued.filter { !$0.state.contains("DependencyNeverSatisfied") }
        guard active.isEmpty else {
            throw ExecutorError(message: "tasks are still queued or running: " + active.map { "\($0.pass) task \($0.task) (\($0.state))" }.joined(separator: ", "))
        }
        if !stuck.isEmpty { _ = try Self.execute([scancel] + Set(stuck.map(\.job)).sorted()) }
        var todo: [(String, [Int])] = []
        for pass in state.plan.steps {
            let missing = (0..<pass.tasks).filter { !FileManager.default.fileExists(atPath: donePath(pass.name, task: $0)) }
            guard !missing.isEmpty else { continue }
            // Rounds after the last have nothing to do: done without a job, as their script would.
            if pass.skippable {
                for task in missing { try writeFileAtomically([], to: donePath(pass.name, task: task)) }
                continue
            }
            todo.append((pass.name, missing))
        }
        let before = state.submissions.count
        try submit(todo, state: &state)
        return state.submissions[before...].map { "\($0.pass): job \($0.job), tasks \(Self.arraySpec($0.tasks))" }
    }

    private func submit(_ passes: [(name: String, tasks: [Int])], state: inout State) throws {
        var previous: [String] = []
        for pass in passes {
            var jobs: [String] = []
            for array in arrays(pass.tasks, settings: state.settings) {
                let output = try Self.execute(sbatchArguments(pass.name, array: array, after: previous, settings: state.settings))
                // --parsable prints "job" or "job;cluster".
                guard let job = output.split(separator: ";").first.map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }),
                      !job.isEmpty, job.allSatisfy(\.isNumber) else {
                    throw ExecutorError(message: "sbatch printed no job id: \(output)")
                }
                state.submissions.append(Submission(pass: pass.name, job: job, tasks: array.tasks,
                                                    offset: array.offset == 0 ? nil : array.offset))
                try write(state)
                jobs.append(job)
            }
            previous = jobs
        }
    }

    /// A pass's tasks as job arrays whose indices stay below `MaxArraySize`: tasks
    /// offset … offset + size − 1 in each.
    struct JobArray: Equatable {
        var offset: Int
        var tasks: [Int]
    }

    func arrays(_ tasks: [Int], settings: Settings) -> [JobArray] {
        let size = settings.maxArraySize ?? Self.defaultMaxArraySize
        var arrays: [JobArray] = []
        for task in tasks {
            let offset = task / size * size
            if arrays.last?.offset == offset { arrays[arrays.count - 1].tasks.append(task) } else {
                arrays.append(JobArray(offset: offset, tasks: [task]))
            }
        }
        return arrays
    }

    func sbatchArguments(_ pass: String, array: JobArray, after jobs: [String], settings: Settings) -> [String] {
        let indices = array.tasks.map { $0 - array.offset }
        var arguments = [sbatch, "--parsable", "--array=" + Self.arraySpec(indices) + (settings.maxParallel.map { "%\($0)" } ?? "")]
        if !jobs.isEmpty { arguments.append("--dependency=afterok:" + jobs.joined(separator: ":")) }
        let log: String
        if array.offset == 0 {
            log = "\(pass)-%a.log"
        } else {
            arguments.append("--export=ALL,SIEVE_TASK_OFFSET=\(array.offset)")
            log = "\(pass)-\(array.offset)+%a.log"
        }
        // Given here rather than in the script, where a path with spaces would not parse.
        arguments += ["--output=\(directory)/logs/\(log)", scriptPath(pass)]
        return arguments
    }

    /// `MaxArraySize` from `scontrol show config`; Slurm's default when it is not listed.
    func maxArraySize() throws -> Int {
        let output = (try? Self.execute([scontrol, "show", "config"])) ?? ""
        for line in output.split(separator: "\n") where line.hasPrefix("MaxArraySize") {
            if let value = line.split(separator: "=").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) { return value }
        }
        return Self.defaultMaxArraySize
    }

    /// This state's tasks that `squeue` lists: pass, task, job, and "STATE (reason)".
    func queue(_ state: State) throws -> [(pass: String, task: Int, job: String, state: String)] {
        let passOfJob = Dictionary(state.submissions.map { ($0.job, $0.pass) }, uniquingKeysWith: { a, _ in a })
        let offsetOfJob = Dictionary(state.submissions.map { ($0.job, $0.offset ?? 0) }, uniquingKeysWith: { a, _ in a })
        guard !passOfJob.isEmpty else { return [] }
        // One line per array task (-r), pending ones included: job|task|state|reason.
        let output = try Self.execute([squeue, "-h", "-r", "-o", "%F|%K|%T|%r"])
        return output.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4, let pass = passOfJob[fields[0]], let index = Int(fields[1]) else { return nil }
            let task = (offsetOfJob[fields[0]] ?? 0) + index
            return (pass, task, fields[0], fields[3] == "None" ? fields[2] : "\(fields[2]) (\(fields[3]))")
        }
    }

    /// "0-3", "1,3,5-7".
    static func arraySpec(_ tasks: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        while i < tasks.count {
            var j = i
            while j + 1 < tasks.count && tasks[j + 1] == tasks[j] + 1 { j += 1 }
            parts.append(i == j ? "\(tasks[i])" : "\(tasks[i])-\(tasks[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    static func quote(_ argument: String) -> String {
        "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Runs a command from `PATH`, returns its standard output; fails with its standard error.
    static func execute(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw ExecutorError(message: "\(arguments[0]): \(error)") }
        // Both pipes are drained at once: a command that fills one (64 KiB) while this reads
        // the other would otherwise wait forever.
        nonisolated(unsafe) var message = Data()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            message = err.fileHandleForReading.readDataToEndOfFile()
            drained.signal()
        }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ExecutorError(message: "\(arguments.joined(separator: " ")) failed: \(String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return String(decoding: output, as: UTF8.self)
    }
}
