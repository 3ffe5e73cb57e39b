import Foundation
import SieveCore
import SieveExtract
import SieveFiles
import SieveIO
import SieveLangID
import SieveModels
import SievePipeline
import SieveShards
import SieveTokenizer

/// One parser fed arbitrary bytes. Every target must return normally on any input:
/// a crash, a hang or unbounded memory is a bug (docs/fuzzing.md).
enum FuzzTarget: String, CaseIterable {
    case json, toml, jsonl, jsonlZstd = "jsonl-zst", jsonlGzip = "jsonl-gz", warc, warcGzip = "warc-gz", html, parquet
    case tokenizer, arpa, fasttext, classifier, langidModel = "langid-model", manifest
    case pdfLayout = "pdf-layout", pdfReply = "pdf-reply"

    /// Runs the parser on `bytes`.
    func run(_ bytes: [UInt8]) {
        switch self {
        case .json:
            _ = try? JSONValue.parse(bytes)
        case .toml:
            // The pipeline settings: TOML, then every stage's typed settings.
            _ = try? PipelineConfig(toml: String(decoding: bytes, as: UTF8.self), baseDirectory: FuzzFiles.directory)
        case .jsonl: read(bytes, as: "in.jsonl")
        case .jsonlZstd: read(bytes, as: "in.jsonl.zst")
        case .jsonlGzip: read(bytes, as: "in.jsonl.gz")
        case .warc: read(bytes, as: "in.warc")
        case .warcGzip: read(bytes, as: "in.warc.gz")
        case .html:
            _ = HTMLExtractor().extract(bytes)
        case .parquet: read(bytes, as: "in.parquet")
        case .tokenizer:
            if let tokenizer = try? Tokenizer(contentsOfFile: FuzzFiles.write(bytes, "tokenizer.json")) {
                _ = tokenizer.encode("Hello, world! 東京 123")
            }
        case .arpa:
            if let model = try? NGramModel.read(from: FuzzFiles.write(bytes, "m.arpa")) { _ = model.score("a b c"[...]) }
        case .fasttext:
            if let model = try? FastTextModel.read(from: FuzzFiles.write(bytes, "m.bin")) { _ = model.predict("hello world", k: 2) }
        case .classifier:
            _ = try? LabelModels.read(from: FuzzFiles.write(bytes, "m.classifier"))
        case .langidModel:
            _ = try? LanguageModel(contentsOfFile: FuzzFiles.write(Self.zstdFrame(bytes), "langid.model"))
        case .pdfLayout:
            // The layout on poppler's output: characters and their boxes, in any order and size.
            _ = PDFLayout.documentText(fuzzed: bytes)
        case .pdfReply:
            // The worker protocol: what the pool reads back from a worker.
            _ = PDFWorkerPool.frame(bytes)
        case .manifest:
            if let manifest = try? Manifest(readingFrom: FuzzFiles.write(bytes, "manifest.sqlite")) {
                _ = try? manifest.documentShards()
                _ = try? manifest.drops()
                _ = try? manifest.unitStats()
            }
        }
    }

    /// `bytes` in a zstd frame, so that mutations of a model's body reach its parser
    /// instead of failing zstd's checksum; bytes that already start a zstd frame go as they
    /// are, which keeps the frame checks covered.
    static func zstdFrame(_ bytes: [UInt8]) -> [UInt8] {
        if bytes.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return bytes }
        return bytes.withUnsafeBytes { Zstd.compressFrame($0, level: 1) }
    }

    /// Reads a file through the pipeline's reader, as `sieve cat` does: every document
    /// decoded, every problem recorded.
    private func read(_ bytes: [UInt8], as name: String) {
        let path = FuzzFiles.write(bytes, name)
        let plan = WorkPlan(files: [InputFile(path: path, relativePath: name, size: bytes.count)], splitBytes: 1 << 16, taskCount: 1)
        var source = CorpusSource(units: plan.units(task: 0, of: 1), options: ReadOptions())
        while let item = try? source.next() {
            if case .batch(let batch) = item {
                var stats = RunStats()
                _ = batch.decode(&stats)
            }
        }
    }
}

/// The fuzz process's scratch files, rewritten for each input.
enum FuzzFiles {
    nonisolated(unsafe) static var directory: String = {
        let path = NSTemporaryDirectory() + "/sieve-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    static func write(_ bytes: [UInt8], _ name: String) -> String {
        let path = directory + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }
}

nonisolated(unsafe) var selected: FuzzTarget?

/// libFuzzer's hooks. The target comes from SIEVE_FUZZ_TARGET.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    guard let name = ProcessInfo.processInfo.environment["SIEVE_FUZZ_TARGET"], let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("set SIEVE_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
        exit(2)
    }
    selected = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = count == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: count))
    selected?.run(bytes)
    return 0
}
