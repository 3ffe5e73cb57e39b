#if canImport(Glibc)
import Glibc
#endif
import SieveFiles
import SieveIO

/// The files between the sharded passes (docs/dedup.md): an 8-byte magic `SIEVEDD1`,
/// the record size and the record count (UInt64 each), then fixed-size records of
/// little-endian UInt64 fields, sorted by their fields in order. Fixed-size sorted
/// records let a pass read just the key range it owns, by binary search.
enum RecordFile {
    static let magic: [UInt8] = Array("SIEVEDD1".utf8)
    static let headerSize = 24

    /// Writes `fields`-wide records atomically.
    static func write(_ records: [UInt64], fields: Int, to path: String) throws {
        precondition(records.count % fields == 0)
        var header = magic
        withUnsafeBytes(of: UInt64(8 * fields).littleEndian) { header += $0 }
        withUnsafeBytes(of: UInt64(records.count / fields).littleEndian) { header += $0 }
        let file = try AtomicFile(path: path)
        try file.write(header)
        #if _endian(little)
        try records.withUnsafeBytes { try file.write($0) }
        #else
        try records.map { $0.littleEndian }.withUnsafeBytes { try file.write($0) }
        #endif
        try file.commit()
    }

    /// An open record file, read by position.
    final class Reader {
        let path: String
        let fields: Int
        let count: Int
        private let fd: Int32

        init(path: String, fields: Int) throws {
            self.path = path
            self.fields = fields
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw FileError.errno(path) }
            var header = [UInt8](repeating: 0, count: RecordFile.headerSize)
            guard pread(fd, &header, header.count, 0) == header.count, Array(header[0..<8]) == RecordFile.magic else {
                close(fd)
                throw FileError(path: path, message: "not a sieve dedup record file")
            }
            let recordSize = header.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))) }
            count = header.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 16, as: UInt64.self))) }
            guard recordSize == 8 * fields else {
                close(fd)
                throw FileError(path: path, message: "records of \(recordSize) bytes, expected \(8 * fields)")
            }
            // A torn or truncated copy: the header promises more than the file holds.
            var info = stat()
            guard fstat(fd, &info) == 0, Int(info.st_size) == RecordFile.headerSize + count * recordSize else {
                close(fd)
                throw FileError(path: path, message: "\(Int(info.st_size)) bytes, but the header describes \(count) records (truncated or corrupt)")
            }
        }

        deinit { close(fd) }

        /// Records `range` as a flat array of fields.
        func read(_ range: Range<Int>) throws -> [UInt64] {
            var values = [UInt64](repeating: 0, count: range.count * fields)
            let bytes = values.count * 8
            let done = values.withUnsafeMutableBytes { pread(fd, $0.baseAddress, bytes, off_t(RecordFile.headerSize + range.lowerBound * 8 * fields)) }
            guard done == bytes else { throw FileError(path: path, message: "truncated record file") }
            #if _endian(little)
            return values
            #else
            return values.map { UInt64(littleEndian: $0) }
            #endif
        }

        func readAll() throws -> [UInt64] { try read(0..<count) }

        /// The first record whose first field is at least `value`.
        func lowerBound(_ value: UInt64) throws -> Int {
            var low = 0, high = count
            while low < high {
                let middle = (low + high) / 2
                if try read(middle..<(middle + 1))[0] < value { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }
}
