import ArgumentParser
import Foundation
import SieveCore
import SieveExecutor
import SievePipeline

struct SlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Run a pipeline as Slurm job arrays, one per pass (docs/scale.md).",
        subcommands: [Submit.self, Status.self, Resume.self])

    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "submit",
            abstract: "Write a batch script per pass under OUTPUT/.sieve/slurm and submit them as dependent job arrays.",
            discussion: """
                The output directory, the inputs and this program must be on a filesystem every \
                node sees. Each task runs `sieve run ... --task-index $SLURM_ARRAY_TASK_ID \
                --task-count N` (and, with a dedup stage, the sharded dedup passes between); the \
                last pass merges the tasks' manifests into OUTPUT/manifest.sqlite.
                """)

        @OptionGroup var pipeline: PipelineOptions

        @Option(help: "Number of tasks of each pass.")
        var tasks: Int

        @Option(help: "Slurm partition.")
        var partition: String?

        @Option(name: .customLong("cpus-per-task"), help: "CPUs per task; each task runs that many threads.")
        var cpusPerTask: Int?

        @Option(help: "Memory per task, as sbatch takes it (8G).")
        var mem: String?

        @Option(help: "Time limit per task, as sbatch takes it (4:00:00).")
        var time: String?

        @Option(name: .customLong("max-parallel"), help: "At most this many tasks of a pass at once.")
        var maxParallel: Int?

        @Option(name: .customLong("max-array-size"),
                help: "The cluster's MaxArraySize (default: from scontrol show config): larger passes go as several arrays.")
        var maxArraySize: Int?

        @Flag(name: .customLong("dry-run"), help: "Write the scripts and print the sbatch commands without submitting.")
        var dryRun = false

        func validate() throws {
            guard tasks >= 1 else { throw ValidationError("--tasks must be at least 1") }
            if let cpusPerTask, cpusPerTask < 1 { throw ValidationError("--cpus-per-task must be at least 1") }
            if let maxParallel, maxParallel < 1 { throw ValidationError("--max-parallel must be at least 1") }
            if let maxArraySize, maxArraySize < 1 { throw ValidationError("--max-array-size must be at least 1") }
        }

        func run() throws {
            let config = try pipeline.load()
            // Built once here, so that a bad setting or a missing model stops before any job is queued.
            do { _ = try PipelineRun(config: config, threads: 1) } catch let error as SettingsError {
                throw CommandError(description: "\(pipeline.pipeline): \(error)", isUsage: true)
            }
            let plan = try pipeline.plan(config, tasks: tasks)
            var settings = SlurmExecutor.Settings()
            settings.partition = partition
            settings.cpusPerTask = cpusPerTask
            settings.memory = mem
            settings.time = time
            settings.maxParallel = maxParallel
            settings.maxArraySize = maxArraySize
            let executor = SlurmExecutor(output: plan.output)
            let lines = try executor.submit(plan, executable: try currentExecutable(), settings: settings, dryRun: dryRun)
            for line in lines { print(line) }
            if !dryRun { FileHandle.standardError.write(Data("sieve slurm: submitted; sieve slurm status \(plan.output)\n".utf8)) }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Tasks done, queued and missing for each pass of the last submission.",
            discussion: """
                Exit code 0 when every task of every pass is done, 3 while tasks are queued, 1 when some are missing, \
                4 when --wait gave up after --timeout seconds with tasks still queued.
                """)

        @Argument(help: "The pipeline's output directory.")
        var output: String

        @Flag(help: "Poll squeue until no task of the submission is queued, then report.")
        var wait = false

        @Option(help: "With --wait: give up after this many seconds (exit code 4), so that a drained node cannot stall a script.")
        var timeout: Double?

        func validate() throws {
            if let timeout {
                guard wait else { throw ValidationError("--timeout goes with --wait") }
                guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
            }
        }

        func run() throws {
            let executor = SlurmExecutor(output: absolutePath(output))
            var passes = try executor.status()
            let deadline = timeout.map { Date().addingTimeInterval($0) }
            var timedOut = false
            while wait && passes.contains(where: { !$0.queued.isEmpty }) {
                if let deadline, Date() >= deadline {
                    timedOut = true
                    break
                }
                Thread.sleep(forTimeInterval: 1)
                passes = try executor.status()
            }
            // The rounds after the last, finished without work, as one line.
            var skipped: [String] = []
            func printSkipped() {
                guard let first = skipped.first else { return }
                print((skipped.count == 1 ? first : "\(first) … \(skipped.last!)") + ": skipped, an earlier round found the clusters")
                skipped = []
            }
            for pass in passes {
                if pass.skipped && pass.missing.isEmpty && pass.queued.isEmpty {
                    skipped.append(pass.name)
                    continue
                }
                printSkipped()
                var line = "\(pass.name): \(pass.done.count)/\(pass.tasks) done"
                let queued = pass.queued.sorted { $0.key < $1.key }
                if !queued.isEmpty { line += "; queued: " + queued.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
                if !pass.missing.isEmpty {
                    line += "; missing: " + pass.missing.map(String.init).joined(separator: ", ")
                    line += " (logs: \(executor.logPath(pass.name, task: pass.missing[0])))"
                }
                print(line)
            }
            printSkipped()
            if timedOut {
                FileHandle.standardError.write(Data("sieve slurm status: still queued after \(timeout!) s\n".utf8))
                throw ExitCode(4)
            }
            if passes.contains(where: { !$0.queued.isEmpty }) { throw ExitCode(3) }
            if passes.contains(where: { !$0.missing.isEmpty }) { throw ExitCode(1) }
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resume",
            abstract: "Submit again only the tasks that did not finish, and the passes after them.")

        @Argument(help: "The pipeline's output directory.")
        var output: String

        func run() throws {
            let lines = try SlurmExecutor(output: absolutePath(output)).resume()
            if lines.isEmpty { FileHandle.standardError.write(Data("sieve slurm: every task is done\n".utf8)) }
            for line in lines { print(line) }
        }
    }
}
