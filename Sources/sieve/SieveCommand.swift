import ArgumentParser
import Foundation
import CMemory
import SieveCore
import SieveExtract
import SieveIO

/// Every command names itself (`commandName`): without it, ArgumentParser derives the name
/// with `String(describing:)`, whose casts scan every protocol conformance in the binary,
/// at every start of every command (docs/scale.md, process starts).
@main
struct SieveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sieve",
        abstract: "Turn raw corpora into training-ready documents and tokens.",
        version: Sieve.version,
        subcommands: [RunCommand.self, CatCommand.self, ExtractCommand.self, EncodeCommand.self, LangIDCommand.self, FilterCommand.self, DecontaminateCommand.self, PIICommand.self, DedupCommand.self, MixCommand.self, BPECommand.self, TokenizeCommand.self,
                      ManifestCommand.self, ShardsCommand.self, ReportCommand.self, SlurmCommand.self, ClassifierCommand.self, ModelCommand.self, NGramCommand.self, PDFWorkerCommand.self])

    /// Exit codes: 0 success, 1 run failed, 2 usage error.
    static func main() {
        // Batches are multi-megabyte buffers allocated on one thread and freed on another.
        // glibc's default raises its mmap threshold after the first such free and then
        // serves them from per-thread arenas, which fragment: peak memory crept up with
        // input size (250 MiB at 200 MB, 2 GiB at 2 GB before other fixes; +25% after).
        // A fixed threshold returns every large buffer to the OS and keeps the peak flat.
        mallopt(M_MMAP_THRESHOLD, 1 << 20)
        // The small allocations of a batch (documents' strings, decoded pages) grow an
        // arena's heap page by page and glibc trims it back when the batch is freed, so
        // every batch faulted the same pages in again. A 64 MiB pad keeps that much of
        // the freed heap mapped for the next batch (docs/scale.md has the measurement).
        mallopt(M_TOP_PAD, 64 << 20)
        // A task of `sieve run --tasks N` ends when that run ends, even by SIGKILL: its
        // processes are in groups of their own, which a signal to the run's group misses.
        if let parent = ProcessInfo.processInfo.environment["SIEVE_PARENT_PID"].flatMap({ Int32($0) }) {
            unsetenv("SIEVE_PARENT_PID")  // not for this task's own workers
            if sieve_die_with_parent(parent) == 1 { Foundation.exit(1) }
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            end(with: error)
        }
    }

    /// Says what `error` is and exits with its code; also for a command's own threads.
    static func end(with error: Error) -> Never {
        let code = exitCode(for: error)
        if code == .success {
            // --help and --version
            print(fullMessage(for: error))
            Foundation.exit(0)
        }
        if code == .validationFailure || error is CommandError && (error as! CommandError).isUsage {
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
        // A configuration that does not decode, or a stage that cannot be built from it.
        if error is SettingsError {
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
        if let exit = error as? ExitCode { Foundation.exit(exit.rawValue) }
        FileHandle.standardError.write(Data("sieve: error: \(error)\n".utf8))
        Foundation.exit(1)
    }
}

/// An error that ends the command with a message.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    /// Usage errors exit with 2, others with 1.
    var isUsage = false
}

/// This program's HTML and PDF decoder: PDFs are parsed in worker processes of this same
/// program (`sieve pdf-worker`, see `PDFWorkerPool`), so that a PDF that crashes or hangs
/// poppler costs only that PDF.
let pageDecoder: any PageDecoder = Extractors(pdfWorkers: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")).map {
    PDFWorkerPool(command: [$0, "pdf-worker"], workers: ProcessInfo.processInfo.activeProcessorCount,
                  timeout: Double(ProcessInfo.processInfo.environment["SIEVE_PDF_TIMEOUT"] ?? "") ?? 60)
})

/// How the commands read documents: the pipeline's defaults, with this program's decoders.
func readOptions() -> ReadOptions {
    var options = ReadOptions()
    options.pages = pageDecoder
    return options
}

/// Which share of the work this process does: `--task-index I --task-count N`.
struct TaskOptions: ParsableArguments {
    @Option(name: .customLong("task-index"), help: "This task's index, from 0.")
    var taskIndex = 0

    @Option(name: .customLong("task-count"), help: "Number of tasks the work is split into.")
    var taskCount = 1

    func validate() throws {
        guard taskCount >= 1 else { throw ValidationError("--task-count must be at least 1") }
        guard (0..<taskCount).contains(taskIndex) else {
            throw ValidationError("--task-index must be in 0..<\(taskCount)")
        }
    }
}

/// Which files of the input directories are read.
struct SelectionOptions: ParsableArguments {
    @Option(help: "Only files matching these globs (repeatable).")
    var include: [String] = []

    @Option(help: "Skip files matching these globs (repeatable).")
    var exclude: [String] = []
}

/// Options every document-processing command shares.
struct ProcessingOptions: ParsableArguments {
    @Option(help: "Worker threads (default: one per core). Output does not depend on it.")
    var threads: Int?

    @Flag(help: "Print the summary as JSON on stdout instead of a table on stderr.")
    var json = false

    @Flag(name: .customLong("no-progress"), help: "Do not show progress on stderr.")
    var noProgress = false

    func resolvedThreads(configured: Int = 0) -> Int {
        let n = threads ?? configured
        return n > 0 ? n : ProcessInfo.processInfo.activeProcessorCount
    }

    func printSummary(_ report: RunReport) throws {
        if json {
            FileHandle.standardOutput.write(try report.json())
            FileHandle.standardOutput.write(Data("\n".utf8))
        } else {
            FileHandle.standardError.write(Data(report.table().utf8))
        }
    }
}
