import Foundation

/// Runs PDF extraction in worker processes, so that a PDF that crashes poppler, or makes
/// it loop, costs only that PDF: the worker is killed (after `timeout` seconds) or found
/// dead, the PDF is reported as `pdf_timeout` or `pdf_crash`, and a fresh worker takes
/// the next one. Workers are the same program (`sieve pdf-worker`), started on demand, at
/// most `workers` of them, and reused.
///
/// Wire format, both ways: an 8-byte little-endian length, then that many bytes: the PDF
/// going out, a JSON `Reply` coming back.
public final class PDFWorkerPool: @unchecked Sendable {
    public enum Outcome: Equatable, Sendable {
        case extracted(PDFExtractor.Outcome)
        case crashed(String)
        case timedOut
    }

    /// The program and arguments that start a worker.
    public let command: [String]
    public let workers: Int
    public let timeout: Double
    private let lock = NSCondition()
    private var idle: [Worker] = []
    private var started = 0

    public init(command: [String], workers: Int, timeout: Double = 60) {
        self.command = command
        self.workers = max(1, workers)
        self.timeout = timeout
    }

    deinit { for worker in idle { worker.stop() } }

    /// Extracts one PDF in a worker. Thread-safe; blocks while all workers are busy.
    public func extract(_ bytes: [UInt8]) -> Outcome {
        let worker: Worker
        do {
            worker = try checkOut()
        } catch {
            return .crashed("cannot start a PDF worker: \(error)")
        }
        let outcome = worker.run(bytes, timeout: timeout)
        switch outcome {
        case .extracted:
            checkIn(worker)
        case .crashed, .timedOut:
            worker.stop()
            lock.lock()
            started -= 1
            lock.signal()
            lock.unlock()
        }
        return outcome
    }

    private func checkOut() throws -> Worker {
        lock.lock()
        defer { lock.unlock() }
        while true {
            if let worker = idle.popLast() { return worker }
            if started < workers {
                started += 1
                do {
                    return try Worker(command: command)
                } catch {
                    started -= 1
                    throw error
                }
            }
            lock.wait()
        }
    }

    private func checkIn(_ worker: Worker) {
        lock.lock()
        idle.append(worker)
        lock.signal()
        lock.unlock()
    }

    /// The worker's side: answers requests on standard input until it closes.
    public static func serve() {
        let extractor = PDFExtractor()
        let encoder = JSONEncoder()
        while let request = readFrame(fd: 0) {
            let reply = Reply(extractor.extract(request))
            guard let json = try? encoder.encode(reply), writeFrame(Array(json), fd: 1) else { return }
        }
    }

    /// What a worker sends back.
    struct Reply: Codable {
        var status: String
        var document: PDFDocumentText?
        var pages: Int?
        var message: String?

        init(_ outcome: PDFExtractor.Outcome) {
            switch outcome {
            case .document(let d): status = "document"; document = d
            case .encrypted: status = "encrypted"
            case .noTextLayer(let pages): status = "no_text_layer"; self.pages = pages
            case .error(let message): status = "error"; self.message = message
            }
        }

        var outcome: PDFExtractor.Outcome? {
            switch status {
            case "document": return document.map { .document($0) }
            case "encrypted": return .encrypted
            case "no_text_layer": return .noTextLayer(pages: pages ?? 0)
            case "error": return .error(message ?? "")
            default: return nil
            }
        }
    }

    /// What the bytes read so far from a worker hold.
    package enum Frame: Equatable {
        /// Not yet a whole frame.
        case incomplete
        case reply(PDFExtractor.Outcome)
        /// A length beyond `maxFrame`, or a frame that is not a `Reply`.
        case unreadable
    }

    /// The longest frame either side accepts: far above any PDF or text a pipeline reads,
    /// far below a length that would overflow or exhaust memory.
    static let maxFrame: UInt64 = 1 << 36

    /// The first frame of `pending`, decoded (the fuzz target `pdf-reply` feeds it anything).
    package static func frame(_ pending: [UInt8]) -> Frame {
        guard let length = frameLength(pending.prefix(8)) else { return pending.count < 8 ? .incomplete : .unreadable }
        let end = 8 + length
        guard pending.count >= end else { return .incomplete }
        guard let reply = try? JSONDecoder().decode(Reply.self, from: Data(pending[8..<end])), let outcome = reply.outcome else {
            return .unreadable
        }
        return .reply(outcome)
    }

    /// The length an 8-byte little-endian header gives, nil when short or above `maxFrame`.
    static func frameLength(_ header: ArraySlice<UInt8>) -> Int? {
        guard header.count == 8 else { return nil }
        let length = header.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        return length <= maxFrame ? Int(length) : nil
    }

    final class Worker {
        let process = Process()
        let input = Pipe()
        let output = Pipe()

        init(command: [String]) throws {
            // A worker that died must not kill us when we write to its pipe (set only once
            // a worker exists, so that `sieve cat … | head` still ends quietly).
            signal(SIGPIPE, SIG_IGN)
            process.executableURL = URL(fileURLWithPath: command[0])
            process.arguments = Array(command.dropFirst())
            process.standardInput = input
            process.standardOutput = output
            try process.run()
        }

        func run(_ bytes: [UInt8], timeout: Double) -> Outcome {
            guard writeFrame(bytes, fd: input.fileHandleForWriting.fileDescriptor) else { return .crashed("worker exited") }
            let deadline = Date().addingTimeInterval(timeout)
            let fd = output.fileHandleForReading.fileDescriptor
            var pending: [UInt8] = []
            while true {
                switch PDFWorkerPool.frame(pending) {
                case .incomplete: break
                case .reply(let outcome): return .extracted(outcome)
                case .unreadable: return .crashed("unreadable reply")
                }
                let left = deadline.timeIntervalSinceNow
                if left <= 0 { return .timedOut }
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&descriptor, 1, Int32(min(left, 3600) * 1000) + 1)
                if ready < 0 && errno == EINTR { continue }
                guard ready > 0 else { continue }
                var chunk = [UInt8](repeating: 0, count: 1 << 16)
                let n = read(fd, &chunk, chunk.count)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    process.waitUntilExit()
                    return .crashed(process.terminationReason == .uncaughtSignal
                                    ? "worker killed by signal \(process.terminationStatus)"
                                    : "worker exited with status \(process.terminationStatus)")
                }
                pending.append(contentsOf: chunk[0..<n])
            }
        }

        func stop() {
            kill(process.processIdentifier, SIGKILL)
            try? input.fileHandleForWriting.close()
            try? output.fileHandleForReading.close()
        }
    }
}

private func writeFrame(_ bytes: [UInt8], fd: Int32) -> Bool {
    var frame = withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { Array($0) }
    frame += bytes
    var done = 0
    while done < frame.count {
        let n = frame.withUnsafeBytes { write(fd, $0.baseAddress! + done, frame.count - done) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return false }
        done += n
    }
    return true
}

private func readFrame(fd: Int32) -> [UInt8]? {
    func readExactly(_ count: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            done += n
        }
        return out
    }
    guard let header = readExactly(8), let length = PDFWorkerPool.frameLength(header[...]) else { return nil }
    return length == 0 ? [] : readExactly(length)
}
