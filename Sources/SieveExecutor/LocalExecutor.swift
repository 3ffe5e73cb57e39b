import Dispatch
import Foundation
import SieveFiles

/// Runs a `PassPlan` on this machine: each task is a child process of `executable`, at
/// most `parallel` at a time, with its output in `OUTPUT/.sieve/logs/PASS-TTTTT.log`.
/// When a task fails, the other tasks of its pass still run, and the run stops before the
/// next pass naming the failed tasks. Every pass's tasks skip what they already finished,
/// so running the plan again redoes only what is missing; a pass whose `skipWhen` file
/// exists (the rounds after the last) is not started.
public struct LocalExecutor {
    public var executable: String
    public var parallel: Int
    public var threadsPerTask: Int
    /// Receives a line per pass.
    public var log: (String) -> Void = { _ in }

    public init(executable: String, parallel: Int, threadsPerTask: Int) {
        self.executable = executable
        self.parallel = max(1, parallel)
        self.threadsPerTask = max(1, threadsPerTask)
    }

    public static func logPath(output: String, pass: String, task: Int) -> String {
        OutputLayout(output).log(pass: pass, task: task)
    }

    public func run(_ plan: PassPlan) throws {
        try makeDirectories(OutputLayout(plan.output).logs)
        for pass in plan.steps {
            if pass.skippable { continue }
            let started = Date()
            let failures = try run(pass, output: plan.output)
            guard failures.isEmpty else {
                throw ExecutorError(message: "pass \(pass.name): " + failures.map { failure in
                    let path = Self.logPath(output: plan.output, pass: pass.name, task: failure.task)
                    return "task \(failure.task) \(failure.status) (\(path): \(Self.lastLine(of: path)))"
                }.joined(separator: "; "))
            }
            log(String(format: "pass %@: %d task%@ in %.1f s", pass.name, pass.tasks, pass.tasks == 1 ? "" : "s",
                       Date().timeIntervalSince(started)))
        }
    }

    struct Failure {
        var task: Int
        var status: String
    }

    private func run(_ pass: PassPlan.Pass, output: String) throws -> [Failure] {
        let ended = DispatchSemaphore(value: 0)
        let failures = Failures()
        var next = 0
        var running = 0
        while next < pass.tasks || running > 0 {
            while running < parallel && next < pass.tasks {
                let task = next
                let path = Self.logPath(output: output, pass: pass.name, task: task)
                if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
                guard let logFile = FileHandle(forWritingAtPath: path) else { throw ExecutorError(message: "cannot write \(path)") }
                logFile.seekToEndOfFile()
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = pass.arguments(task: task, threads: threadsPerTask)
                process.standardOutput = logFile
                process.standardError = logFile
                process.standardInput = FileHandle.nullDevice
                // The task dies with this process (SieveCommand.main reads it).
                process.environment = ProcessInfo.processInfo.environment.merging(["SIEVE_PARENT_PID": "\(getpid())"]) { $1 }
                process.terminationHandler = { process in
                    try? logFile.close()
                    if process.terminationReason != .exit || process.terminationStatus != 0 {
                        let status = process.terminationReason == .exit
                            ? "exited with \(process.terminationStatus)" : "killed by signal \(process.terminationStatus)"
                        failures.append(Failure(task: task, status: status))
                    }
                    ended.signal()
                }
                try process.run()
                running += 1
                next += 1
            }
            ended.wait()
            running -= 1
        }
        return failures.all.sorted { $0.task < $1.task }
    }

    /// Failures reported by termination handlers, which run on other threads.
    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [Failure] = []
        func append(_ failure: Failure) { lock.withLock { list.append(failure) } }
        var all: [Failure] { lock.withLock { list } }
    }

    static func lastLine(of path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "no log" }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? "empty log"
    }
}

public struct ExecutorError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    public init(message: String) { self.message = message }
}
