#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SieveCore
import SieveFiles

/// A damaged spill file (it was complete when written: a disk error, or an edit).
public struct SpillError: Error, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message); delete it and run again (the first pass then reads the inputs)" }
}

/// Reads a spill file's header and statistics at once, its records on demand.
final class SpillReader {
    let path: String
    let key: String
    let statistics: SpillFile.Statistics
    /// Where the records start and where record 3 starts.
    let recordsStart: Int
    let recordsEnd: Int
    private let fd: Int32
    /// Where the next record starts.
    private(set) var position: Int

    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError.errno(path) }
        do {
            (key, statistics, recordsStart, recordsEnd) = try Self.header(fd, path: path)
        } catch {
            close(fd)
            throw error
        }
        self.path = path
        self.fd = fd
        position = recordsStart
    }

    private static func header(_ fd: Int32, path: String) throws -> (String, SpillFile.Statistics, Int, Int) {
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw FileError.errno(path) }
        let size = Int(status.st_size)
        func fail(_ message: String) -> SpillError { SpillError(path: path, message: message) }
        func read(_ count: Int, at offset: Int) throws -> [UInt8] {
            guard offset >= 0, count >= 0, offset + count <= size else { throw fail("truncated") }
            let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, n in
                n = count == 0 ? 0 : max(0, pread(fd, buffer.baseAddress, count, off_t(offset)))
            }
            guard bytes.count == count else { throw fail("unreadable") }
            return bytes
        }
        func integer<T: FixedWidthInteger>(_ bytes: [UInt8], at offset: Int = 0, as type: T.Type) -> Int {
            // Truncating: a damaged file's garbage must fail the range checks, not trap.
            Int(truncatingIfNeeded: bytes.withUnsafeBytes { $0.loadLittleEndian(fromByteOffset: offset, as: T.self) })
        }
        let magic = SpillFile.magic
        guard try read(magic.count, at: 0) == magic else { throw fail("not a spill file of this version") }
        let keyLength = integer(try read(4, at: magic.count), as: UInt32.self)
        guard keyLength < 1 << 20 else { throw fail("bad key length") }
        let key = String(decoding: try read(keyLength, at: magic.count + 4), as: UTF8.self)
        let recordsStart = magic.count + 4 + keyLength
        let head = SpillFile.recordHeaderBytes
        let recordsEnd = integer(try read(8, at: size - 8), as: UInt64.self)
        guard recordsEnd >= recordsStart, recordsEnd <= size - 8 - head else { throw fail("bad trailer") }
        let header = try read(head, at: recordsEnd)
        let length = integer(header, at: 1, as: UInt32.self)
        guard header[0] == SpillFile.Kind.stats.rawValue, length == size - 8 - head - recordsEnd else {
            throw fail("bad statistics record")
        }
        let frame = try read(length, at: recordsEnd + head)
        guard header.withUnsafeBytes({ $0.loadLittleEndian(fromByteOffset: 5, as: UInt64.self) }) == frame.withUnsafeBytes({ XXHash64.hash($0) }),
              let json = frame.withUnsafeBytes({ Zstd.decompressFrame($0) }),
              let statistics = try? JSONDecoder().decode(SpillFile.Statistics.self, from: Data(json)) else {
            throw fail("bad statistics record")
        }
        return (key, statistics, recordsStart, recordsEnd)
    }

    deinit { close(fd) }

    /// The next record before the statistics: its kind and compressed frame, checked
    /// against its hash, and the bytes it took; nil at the end.
    func next() throws -> (kind: SpillFile.Kind, frame: [UInt8], bytes: Int)? {
        guard position < recordsEnd else { return nil }
        let head = SpillFile.recordHeaderBytes
        var header = [UInt8](repeating: 0, count: head)
        guard pread(fd, &header, head, off_t(position)) == head, let kind = SpillFile.Kind(rawValue: header[0]), kind != .stats else {
            throw SpillError(path: path, message: "bad record at byte \(position)")
        }
        let (length, hash) = header.withUnsafeBytes {
            (Int($0.loadLittleEndian(fromByteOffset: 1, as: UInt32.self)), $0.loadLittleEndian(fromByteOffset: 5, as: UInt64.self))
        }
        guard length <= recordsEnd - position - head else { throw SpillError(path: path, message: "bad record at byte \(position)") }
        var frame = [UInt8](repeating: 0, count: length)
        var done = 0
        while done < length {
            let n = frame.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, length - done, off_t(position + head + done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw SpillError(path: path, message: "unreadable at byte \(position)") }
            done += n
        }
        guard frame.withUnsafeBytes({ XXHash64.hash($0) }) == hash else {
            throw SpillError(path: path, message: "the record at byte \(position) does not match its hash")
        }
        position += head + length
        return (kind, frame, head + length)
    }
}
