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
public final class AtomicFile {
    public let path: String
    public let temporaryPath: String
    private var fd: Int32

    public init(path: String) throws {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        temporaryPath = "\(dir).\(name).tmp-\(getpid())"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError.errno(temporaryPath) }
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(temporaryPath)
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
        guard fsync(fd) == 0 else { throw FileError.errno(temporaryPath) }
        close(fd)
        fd = -1
        guard rename(temporaryPath, path) == 0 else { throw FileError.errno(path) }
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
