#if canImport(Glibc)
import Glibc
#endif
import SieveCore
import SieveFiles

/// Writes every unit into one file (or standard output, for `-`), in input order.
public final class SingleFileSink: BatchSink {
    private let format: OutputFormat
    private let file: AtomicFile?
    private let rejected: (file: AtomicFile, format: OutputFormat)?
    private let parquet: ParquetOutput?

    /// - Parameters:
    ///   - path: output file, or `-` for standard output (plain JSONL unless a format
    ///     is given).
    ///   - rejectedPath: where dropped documents go (their format from the extension).
    public init(path: String, format: OutputFormat? = nil, rejectedPath: String? = nil) throws {
        let format = format ?? OutputFormat(path: path)
        self.format = format
        file = path == "-" ? nil : try AtomicFile(path: path)
        if format.container == .parquet {
            guard let file else { throw FileError(path: path, message: "Parquet output needs a file, not standard output") }
            parquet = ParquetOutput(file, format: format)
        } else {
            parquet = nil
        }
        rejected = try rejectedPath.map { (try AtomicFile(path: $0), OutputFormat(path: $0)) }
    }

    public var wantsRejected: Bool { rejected != nil }

    public func encodeRejected(_ documents: [Document], unit: Int) -> [UInt8] {
        (rejected?.format ?? format).encode(DocumentCodec.encode(documents))
    }

    public func writeRejected(_ encoded: [UInt8], unit: Int) throws {
        try rejected?.file.write(encoded)
    }

    public func encode(_ documents: [Document], unit: Int) -> [UInt8] {
        parquet != nil ? ParquetOutput.encode(documents) : format.encode(DocumentCodec.encode(documents))
    }

    public func write(_ encoded: [UInt8], unit: Int) throws {
        if let parquet {
            try parquet.write(encoded)
        } else if let file {
            try file.write(encoded)
        } else {
            try encoded.withUnsafeBytes { try AtomicFile.writeAll(STDOUT_FILENO, $0, path: "standard output") }
        }
    }

    public func endUnit(_ unit: Int, stats: RunStats) throws {}

    /// Completes the output: renames the file (and the rejected stream) into place.
    public func finish() throws {
        try rejected?.file.commit()
        try parquet?.finish()
        try file?.commit()
    }
}

/// Writes each work unit to its own file, `DIR/NNNNN.EXT`, renamed into place when the
/// unit is complete; then tells `onUnitDone`, which records it for resuming.
public final class UnitFilesSink: BatchSink {
    private let directory: String
    private let fileExtension: String
    private let encoder: @Sendable ([Document]) -> [UInt8]
    /// What an empty unit's file holds (an empty zstd frame, say), so it is valid.
    private let empty: [UInt8]
    private let onUnitDone: (Int, RunStats) throws -> Void
    private var open: [Int: AtomicFile] = [:]
    /// Parquet: each open unit's writer; nil for JSON lines.
    private var parquet: [Int: ParquetOutput]?
    private var parquetFormat = OutputFormat(container: .parquet)

    /// Documents as JSONL in `format`, or as Parquet.
    public convenience init(directory: String, format: OutputFormat,
                            onUnitDone: @escaping (Int, RunStats) throws -> Void) throws {
        if format.container == .parquet {
            try self.init(directory: directory, fileExtension: format.fileExtension, encode: ParquetOutput.encode,
                          onUnitDone: onUnitDone)
            parquet = [:]
            parquetFormat = format
        } else {
            try self.init(directory: directory, fileExtension: format.fileExtension, empty: format.encode([]),
                          encode: { format.encode(DocumentCodec.encode($0)) }, onUnitDone: onUnitDone)
        }
    }

    /// Documents in any per-batch encoding; `encode` runs on worker threads.
    public init(directory: String, fileExtension: String, empty: [UInt8] = [],
                encode: @escaping @Sendable ([Document]) -> [UInt8],
                onUnitDone: @escaping (Int, RunStats) throws -> Void) throws {
        try makeDirectories(directory)
        self.directory = directory
        self.fileExtension = fileExtension
        self.encoder = encode
        self.empty = empty
        self.onUnitDone = onUnitDone
    }

    /// The output file of a unit.
    public static func path(directory: String, unit: Int, fileExtension: String) -> String {
        OutputLayout.unitFile(directory, unit: unit, fileExtension: fileExtension)
    }

    public func encode(_ documents: [Document], unit: Int) -> [UInt8] {
        encoder(documents)
    }

    private func file(_ unit: Int) throws -> AtomicFile {
        if let file = open[unit] { return file }
        let file = try AtomicFile(path: Self.path(directory: directory, unit: unit, fileExtension: fileExtension))
        open[unit] = file
        return file
    }

    public func write(_ encoded: [UInt8], unit: Int) throws {
        if parquet != nil {
            try parquetOutput(unit).write(encoded)
        } else {
            try file(unit).write(encoded)
        }
    }

    private func parquetOutput(_ unit: Int) throws -> ParquetOutput {
        if let output = parquet![unit] { return output }
        let output = ParquetOutput(try file(unit), format: parquetFormat)
        parquet![unit] = output
        return output
    }

    public func endUnit(_ unit: Int, stats: RunStats) throws {
        let file = try file(unit)
        if parquet != nil {
            try parquetOutput(unit).finish()
            parquet![unit] = nil
        }
        if !empty.isEmpty, try isEmpty(file) { try file.write(empty) }
        try file.commit()
        open[unit] = nil
        try onUnitDone(unit, stats)
    }

    private func isEmpty(_ file: AtomicFile) throws -> Bool {
        var st = stat()
        guard stat(file.temporaryPath, &st) == 0 else { throw FileError.errno(file.temporaryPath) }
        return st.st_size == 0
    }
}

/// Adds a rejected stream to another sink: each unit's dropped documents go to
/// `DIR/NNNNN.jsonl.zst` (drop_reason in their metadata), committed when the unit ends
/// and before the inner sink records the unit as done, so that a resumed run never
/// skips a unit whose rejected file is missing.
public final class RejectedUnitsSink: BatchSink {
    private let inner: any BatchSink
    private let directory: String
    private let format: OutputFormat
    private var open: [Int: AtomicFile] = [:]
    private var written: Set<Int> = []

    public init(wrapping inner: any BatchSink, directory: String, format: OutputFormat) throws {
        try makeDirectories(directory)
        self.inner = inner
        self.directory = directory
        self.format = format
    }

    /// The rejected file of a unit.
    public func path(unit: Int) -> String {
        UnitFilesSink.path(directory: directory, unit: unit, fileExtension: format.fileExtension)
    }

    public var wantsRejected: Bool { true }

    public func encode(_ documents: [Document], unit: Int) -> [UInt8] { inner.encode(documents, unit: unit) }

    public func write(_ encoded: [UInt8], unit: Int) throws { try inner.write(encoded, unit: unit) }

    public func encodeRejected(_ documents: [Document], unit: Int) -> [UInt8] {
        documents.isEmpty ? [] : format.encode(DocumentCodec.encode(documents))
    }

    private func file(_ unit: Int) throws -> AtomicFile {
        if let file = open[unit] { return file }
        let file = try AtomicFile(path: path(unit: unit))
        open[unit] = file
        return file
    }

    public func writeRejected(_ encoded: [UInt8], unit: Int) throws {
        if !encoded.isEmpty {
            try file(unit).write(encoded)
            written.insert(unit)
        }
    }

    public func endUnit(_ unit: Int, stats: RunStats) throws {
        let file = try file(unit)
        // A unit that dropped nothing still gets a valid (empty) file.
        if !written.contains(unit) { try file.write(format.encode([])) }
        try file.commit()
        open[unit] = nil
        written.remove(unit)
        try inner.endUnit(unit, stats: stats)
    }
}
