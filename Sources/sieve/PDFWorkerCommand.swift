import ArgumentParser
import SieveExtract

/// The worker process of `PDFWorkerPool`: reads PDFs on standard input, answers on
/// standard output. Started by sieve itself; not for users.
struct PDFWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pdf-worker", shouldDisplay: false)

    func run() {
        PDFWorkerPool.serve()
    }
}
