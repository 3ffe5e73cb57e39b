import Foundation

/// Progress on stderr: a live line on a terminal (documents/s, MB/s, percentage and
/// ETA by input bytes), plain lines every `interval` seconds otherwise.
public final class Progress: @unchecked Sendable {
    private let totalBytes: Int
    private let label: String?
    private let isTerminal: Bool
    private let interval: Double
    private let lock = NSLock()
    private var bytes = 0
    private var documents = 0
    private let started = Date()
    private var lastPrinted: Date
    private var printedLive = false

    /// - Parameters:
    ///   - totalBytes: input bytes the run will read (0 when unknown, as for stdin).
    ///   - interval: seconds between plain lines when stderr is not a terminal.
    ///   - label: which pass of a run this is (`pass 1`), shown first.
    public init(totalBytes: Int, interval: Double = 10, label: String? = nil) {
        self.totalBytes = totalBytes
        self.label = label
        self.isTerminal = isatty(STDERR_FILENO) != 0
        self.interval = isatty(STDERR_FILENO) != 0 ? 0.2 : interval
        self.lastPrinted = started
    }

    func advance(inputBytes: Int, documents count: Int) {
        lock.withLock {
            bytes += inputBytes
            documents += count
            let now = Date()
            guard now.timeIntervalSince(lastPrinted) >= interval else { return }
            lastPrinted = now
            emit(now: now)
        }
    }

    func finish() {
        lock.withLock {
            if isTerminal && printedLive { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        }
    }

    private func emit(now: Date) {
        let seconds = max(now.timeIntervalSince(started), 1e-9)
        var line = "\(documents.formatted()) docs  "
            + String(format: "%.0f docs/s  %.1f MB/s", Double(documents) / seconds, Double(bytes) / seconds / 1e6)
        if totalBytes > 0 {
            let fraction = min(1, Double(bytes) / Double(totalBytes))
            let eta = fraction > 0 ? seconds * (1 - fraction) / fraction : 0
            let width = 24
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            line = "[\(bar)] " + String(format: "%5.1f%%  ", fraction * 100) + line + "  ETA \(Self.duration(eta))"
        }
        if let label { line = label + "  " + line }
        if isTerminal {
            printedLive = true
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(line)".utf8))
        } else {
            FileHandle.standardError.write(Data("progress: \(line)\n".utf8))
        }
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s / 60 % 60)
            : String(format: "%dm%02ds", s / 60, s % 60)
    }
}

private extension Int {
    func formatted() -> String {
        let digits = Array(String(self))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }
}
