import CZstd
import Foundation
import SieveCore
import SieveExtract
import SieveFiles
import SieveIO
import XCTest

/// A fresh directory under /tmp, removed by `remove()`.
public struct TemporaryDirectory {
    public let path: String

    public init() throws {
        path = NSTemporaryDirectory() + "sieve-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes bytes to `name` (creating folders) and returns the path.
    @discardableResult
    public func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let p = file(name)
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String { try write(name, Array(text.utf8)) }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

public enum Fixtures {
    /// `count` JSONL records `{"id":"doc-N","text":…}` with varied, multilingual text.
    public static func records(_ count: Int, seed: UInt64 = 1, prefix: String = "doc") -> [String] {
        var rng = SplitMix(seed: seed)
        let words = ["data", "Sieve", "größer", "東京", "naïve", "🙂", "données", "ماء", "квас", "\"quoted\"", "tab\there",
                     "back\\slash", "line\nbreak", "नमस्ते", "ok"]
        return (0..<count).map { i in
            let n = 1 + Int(rng.next() % 80)
            let text = (0..<n).map { _ in words[Int(rng.next() % UInt64(words.count))] }.joined(separator: " ")
            return "{\"id\":\"\(prefix)-\(i)\",\"text\":\(jsonString(text)),\"n\":\(i)}"
        }
    }

    public static func jsonString(_ s: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }

    /// Lines joined with newlines, with a final newline.
    public static func jsonl(_ lines: [String]) -> [UInt8] { Array((lines.joined(separator: "\n") + "\n").utf8) }

    /// A zstd file made of one frame per chunk of `chunkBytes` bytes: frames cut records
    /// at arbitrary places, as pzstd-style writers do.
    public static func zstdFrames(_ bytes: [UInt8], chunkBytes: Int) -> [UInt8] {
        var out: [UInt8] = []
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + chunkBytes)
            out += Array(bytes[start..<end]).withUnsafeBytes { Zstd.compressFrame($0) }
            start = end
        }
        return out
    }

    /// Decompresses a whole zstd buffer.
    public static func unzstd(_ bytes: [UInt8]) -> [UInt8] {
        let dctx = ZSTD_createDCtx()
        defer { ZSTD_freeDCtx(dctx) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        bytes.withUnsafeBytes { src in
            var input = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
            while true {
                let produced = chunk.withUnsafeMutableBytes { dst -> Int in
                    var output = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
                    let r = ZSTD_decompressStream(dctx, &output, &input)
                    precondition(ZSTD_isError(r) == 0, "test data must decompress")
                    return output.pos
                }
                out += chunk[0..<produced]
                if produced == 0 && input.pos == input.size { break }
            }
        }
        return out
    }

    /// The contents of a file, decompressed by its extension (.zst, .gz via gzip -dc).
    public static func contents(_ path: String) throws -> [UInt8] {
        let raw = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        if path.hasSuffix(".zst") { return unzstd(raw) }
        if path.hasSuffix(".gz") {
            let result = try Command.run("/bin/gzip", ["-dc", path])
            return Array(result.stdout.utf8)
        }
        return raw
    }

    /// The documents of a JSONL file as parsed JSON objects.
    public static func objects(_ bytes: [UInt8]) throws -> [[String: Any]] {
        try bytes.split(separator: UInt8(ascii: "\n")).map {
            try JSONSerialization.jsonObject(with: Data($0)) as! [String: Any]
        }
    }
}

/// The deterministic pseudo-random generator fixtures use (SieveCore's SplitMix64).
public typealias SplitMix = SplitMix64

/// Runs programs, including the `sieve` executable built next to the tests.
public enum Command {
    public struct Result {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The built `sieve` binary (swift test builds it beside the test bundle).
    public static var sieve: String {
        let dir = Bundle.main.bundleURL.path
        for candidate in [dir + "/sieve", (dir as NSString).deletingLastPathComponent + "/sieve"]
            where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        fatalError("sieve binary not found near \(dir); run `swift build` first")
    }

    public static func run(_ executable: String, _ arguments: [String], cwd: String? = nil,
                           stdin: [UInt8]? = nil) throws -> Result {
        let process = try start(executable, arguments, cwd: cwd, stdin: stdin)
        let out = process.standardOutput as! Pipe
        let err = process.standardError as! Pipe
        // Read both pipes concurrently so neither fills up and blocks the child.
        nonisolated(unsafe) var errData = Data()
        let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Kills `process` with SIGKILL as soon as `condition` holds (polled every 2 ms), or
    /// after `seconds`, and waits for it; whether it was still running is for the caller
    /// to check (`terminationReason == .uncaughtSignal`).
    public static func kill(_ process: Process, when condition: () -> Bool, within seconds: Double = 60) {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline && !condition() { usleep(2000) }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    public static func start(_ executable: String, _ arguments: [String], cwd: String? = nil,
                             stdin: [UInt8]? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        if let stdin {
            let pipe = Pipe()
            process.standardInput = pipe
            try process.run()
            pipe.fileHandleForWriting.write(Data(stdin))
            try pipe.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
        return process
    }
}

/// Collects everything a run writes, per unit, in memory.
public final class CollectingSink: BatchSink {
    public private(set) var units: [Int: [UInt8]] = [:]
    public private(set) var endedUnits: [Int] = []
    public init() {}
    public func encode(_ documents: [Document], unit: Int) -> [UInt8] { DocumentCodec.encode(documents) }
    public func write(_ encoded: [UInt8], unit: Int) throws { units[unit, default: []] += encoded }
    public func endUnit(_ unit: Int, stats: RunStats) throws { endedUnits.append(unit) }
    /// All output in unit order.
    public var bytes: [UInt8] { units.keys.sorted().flatMap { units[$0]! } }
}

extension ReadOptions {
    /// The defaults, with SieveExtract's decoders for HTML, WARC and PDF, as `sieve` reads.
    public static var withExtractors: ReadOptions {
        var options = ReadOptions()
        options.pages = Extractors()
        return options
    }
}

public enum Read {
    /// Reads `paths` through the runner with no stages and returns the JSONL output and stats.
    public static func all(_ paths: [String], options: ReadOptions = .withExtractors, splitBytes: Int = Int.max,
                           taskCount: Int = 1, threads: Int = 2) throws -> (output: [UInt8], stats: RunStats) {
        let (files, discoveryStats) = CorpusDiscovery().discover(paths)
        let plan = WorkPlan(files: files, splitBytes: splitBytes, taskCount: taskCount)
        var output: [UInt8] = []
        var stats = discoveryStats
        for task in 0..<taskCount {
            let sink = CollectingSink()
            stats.merge(try Runner(stages: [], threads: threads)
                .run(source: CorpusSource(units: plan.units(task: task, of: taskCount), options: options), sink: sink))
            output += sink.bytes
        }
        return (output, stats)
    }
}

/// Reference material from outside the project, read from `../shared/data` beside the
/// checkout (CI has it there); never copied into the repository.
public enum SharedData {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/data").standardized.path

    /// The path of `relative` under `../shared/data`; skips the test when it is missing.
    public static func path(_ relative: String) throws -> String {
        let p = root + "/" + relative
        guard FileManager.default.fileExists(atPath: p) else {
            throw XCTSkip("\(p) is missing: the tests read reference data from ../shared/data")
        }
        return p
    }
}
