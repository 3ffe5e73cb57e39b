import CMemory
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file system operation that failed; fails the run.
public struct FileError: Error, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }

    public static func errno(_ path: String) -> FileError {
        FileError(path: path, message: String(cString: strerror(Glibc.errno)))
    }
}

/// A file written under a temporary name next to its final path and renamed into place
/// when complete, so a reader never sees half a file and a killed run leaves none.
///
/// A path that is not a regular file (`/dev/null`, a FIFO, `/dev/stdout`) is written in
/// place: renaming a file over it would replace the device or pipe with a plain file.
public final class AtomicFile {
    public let path: String
    /// Where the bytes go until `commit`: the temporary file, or `path` itself when it is
    /// a device or a pipe.
    public let temporaryPath: String
    private var fd: Int32
    private let inPlace: Bool

    public init(path: String) throws {
        self.path = path
        var status = stat()
        if stat(path, &status) == 0 && (status.st_mode & S_IFMT) != S_IFREG && (status.st_mode & S_IFMT) != S_IFDIR {
            inPlace = true
            temporaryPath = path
            fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw FileError.errno(path) }
            return
        }
        inPlace = false
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        temporaryPath = "\(dir).\(name)\(Self.temporarySuffix)"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError.errno(temporaryPath) }
    }

    deinit {
        if fd >= 0 {
            close(fd)
            if !inPlace { unlink(temporaryPath) }
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try Self.writeAll(fd, $0, path: temporaryPath) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try Self.writeAll(fd, bytes, path: temporaryPath)
    }

    /// Flushes to disk and renames into place.
    public func commit() throws {
        if inPlace {
            close(fd)
            fd = -1
            return
        }
        guard fsync(fd) == 0 else { throw FileError.errno(temporaryPath) }
        close(fd)
        fd = -1
        guard rename(temporaryPath, path) == 0 else {
            let error = FileError.errno(path)
            unlink(temporaryPath)  // closed already, so `deinit` would leave it
            throw error
        }
    }

    /// Flushes every file of `files` to disk and renames each into place, in order. The
    /// disk writes of all of them start before the first `fsync` waits: one flush after
    /// another costs a disk round trip per file, and a task's shards are hundreds of files.
    /// As with `commit()`, no file is renamed before its bytes are on disk.
    public static func commit(_ files: [AtomicFile]) throws {
        for file in files where !file.inPlace && file.fd >= 0 { _ = sieve_start_writeback(file.fd) }
        for file in files { try file.commit() }
    }

    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw FileError.errno(path)
            }
            done += n
        }
    }

    /// Writes a whole file atomically.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let file = try AtomicFile(path: path)
        try file.write(bytes)
        try file.commit()
    }
}

/// Writes a whole file under a temporary name and renames it into place.
public func writeFileAtomically(_ bytes: [UInt8], to path: String) throws {
    try AtomicFile.write(bytes, to: path)
}

/// Creates a directory and its parents.
public func makeDirectories(_ path: String) throws {
    var current = path.hasPrefix("/") ? "/" : ""
    for part in path.split(separator: "/") {
        current += part + "/"
        if mkdir(current, 0o755) != 0 && errno != EEXIST { throw FileError.errno(current) }
    }
}

extension AtomicFile {
    /// `.tmp-HOST-PID`: which machine and process is writing, so that a later run can tell
    /// a file whose writer died from one that a live task (on this or another node of a
    /// shared filesystem) is still writing.
    static let temporarySuffix = ".tmp-\(hostName)-\(getpid())"

    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "host" }
        // Only characters that are safe in a file name.
        let name = String(cString: buffer).map { $0.isLetter || $0.isNumber || $0 == "." ? $0 : "_" }
        return name.isEmpty ? "host" : String(name)
    }()

    /// Removes the temporary files in `directories` (not below them) that a writer on this
    /// machine left when it was killed: those named `.NAME.tmp-HOST-PID` with this host and a process that no longer exists. Files of
    /// live processes and of other hosts are left alone. Returns the paths removed.
    @discardableResult
    public static func removeStale(in directories: [String]) -> [String] {
        let marker = ".tmp-\(hostName)-"
        var removed: [String] = []
        for directory in directories {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for name in names {
                // SQLite keeps `-wal`, `-shm` and `-journal` files beside a database.
                var tail = name.range(of: marker, options: .backwards).map { name[$0.upperBound...] } ?? ""
                for side in ["-wal", "-shm", "-journal"] where tail.hasSuffix(side) { tail = tail.dropLast(side.count) }
                guard name.hasPrefix("."), !tail.isEmpty, let pid = Int32(tail), pid > 0 else { continue }
                // kill(pid, 0) fails with ESRCH only when no such process exists.
                guard kill(pid, 0) != 0 && errno == ESRCH else { continue }
                let path = directory + "/" + name
                if unlink(path) == 0 { removed.append(path) }
            }
        }
        return removed
    }

    /// `removeStale(in:)` for `root` and every folder below it: for the start of a run
    /// of several tasks, whose killed tasks may have left files in folders that no task
    /// of the next run writes into again.
    @discardableResult
    public static func removeStale(under root: String) -> [String] {
        var directories = [root]
        if let walker = FileManager.default.enumerator(atPath: root) {
            while let name = walker.nextObject() as? String {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: root + "/" + name, isDirectory: &isDirectory), isDirectory.boolValue {
                    directories.append(root + "/" + name)
                }
            }
        }
        return removeStale(in: directories)
    }

    /// Where to write `path` before it is complete: the name `removeStale` recognizes.
    public static func temporaryPath(for path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return "\(dir).\(name)\(temporarySuffix)"
    }
}
