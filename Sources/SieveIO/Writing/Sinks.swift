#if canImport(Glibc)
import Glibc
#endif
import SieveCore

/// Writes every unit into one file (or standard output, for `-`), in input order.
public final class SingleFileSink: BatchSink {
    private let format: OutputFormat
    private let file: AtomicFile?

    /// - Parameter path: output file, or `-` for standard output (plain JSONL unless a
    ///   format is given).
    public init(path: String, format: OutputFormat? = nil) throws {
        self.format = format ?? OutputFormat(path: path)
        file = path == "-" ? nil : try AtomicFile(path: path)
    }

    public func encode(_ documents: [Document], unit: Int) -> [UInt8] {
        format.encode(DocumentCodec.encode(documents))
    }

    public func write(_ encoded: [UInt8], unit: Int) throws {
        if let file {
            try file.write(encoded)
        } else {
            try encoded.withUnsafeBytes { try AtomicFile.writeAll(STDOUT_FILENO, $0, path: "standard output") }
        }
    }

    public func endUnit(_ unit: Int, stats: RunStats) throws {}

    /// Completes the output: renames the file into place.
    public func finish() throws { try file?.commit() }
}

/// Writes each work unit to its own file, `DIR/NNNNN.EXT`, renamed into place when the
/// unit is complete; then tells `onUnitDone`, which records it for resuming.
public final class UnitFilesSink: BatchSink {
    private let directory: String
    private let format: OutputFormat
    private let onUnitDone: (Int, RunStats) throws -> Void
    private var open: [Int: AtomicFile] = [:]

    public init(directory: String, format: OutputFormat, onUnitDone: @escaping (Int, RunStats) throws -> Void) throws {
        try makeDirectories(directory)
        self.directory = directory
        self.format = format
        self.onUnitDone = onUnitDone
    }

    /// The output file of a unit.
    public static func path(directory: String, unit: Int, format: OutputFormat) -> String {
        let number = String(unit)
        return "\(directory)/\(String(repeating: "0", count: max(0, 5 - number.count)))\(number).\(format.fileExtension)"
    }

    public func encode(_ documents: [Document], unit: Int) -> [UInt8] {
        format.encode(DocumentCodec.encode(documents))
    }

    private func file(_ unit: Int) throws -> AtomicFile {
        if let file = open[unit] { return file }
        let file = try AtomicFile(path: Self.path(directory: directory, unit: unit, format: format))
        open[unit] = file
        return file
    }

    public func write(_ encoded: [UInt8], unit: Int) throws {
        try file(unit).write(encoded)
    }

    public func endUnit(_ unit: Int, stats: RunStats) throws {
        let file = try file(unit)
        if open[unit] != nil, try isEmpty(file) { try file.write(format.encode([])) }
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
