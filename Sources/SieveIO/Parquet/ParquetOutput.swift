import SieveCore
import SieveFiles
import SieveParquet

/// Documents into one Parquet file through SieveParquet's DocumentWriter. A row group's
/// columns need all its documents, so workers only serialize batches (the spill's
/// binary codec) and the writer, on the sink's thread, lays them out in input order.
final class ParquetOutput {
    private let writer: DocumentWriter

    init(_ file: AtomicFile, format: OutputFormat) {
        writer = DocumentWriter(rowGroupBytes: format.rowGroupBytes, zstdLevel: format.zstdLevel) { bytes in try file.write(bytes) }
    }

    @Sendable static func encode(_ documents: [Document]) -> [UInt8] { SpillCodec.encode(documents) }

    func write(_ encoded: [UInt8]) throws {
        try writer.append(try SpillCodec.decode(encoded))
    }

    func finish() throws { try writer.finish() }
}
