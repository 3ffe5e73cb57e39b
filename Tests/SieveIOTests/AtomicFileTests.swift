import Foundation
import SieveFiles
import SieveTestSupport
import XCTest

final class AtomicFileTests: XCTestCase {
    /// A path that is a pipe or a device (`-o /dev/null`) is written in place: renaming a
    /// temporary file over it would replace it with a plain file (it did, for /dev/null).
    func testAPipeIsWrittenInPlaceNotReplaced() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (fifo, reader) = try Self.pipe(in: dir)
        defer { close(reader) }
        let file = try AtomicFile(path: fifo)
        try file.write(Array("through the pipe".utf8))
        try file.commit()
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(reader, &buffer, buffer.count)
        XCTAssertEqual(n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : "", "through the pipe")
        var status = stat()
        XCTAssertEqual(stat(fifo, &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFIFO, "still a pipe")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["pipe"], "no temporary file left")
    }

    /// A pipe `DIR/pipe` and a reader of it that does not block, so that opening the pipe
    /// for writing succeeds.
    static func pipe(in dir: TemporaryDirectory) throws -> (path: String, reader: Int32) {
        let fifo = dir.file("pipe")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        XCTAssertGreaterThanOrEqual(reader, 0)
        return (fifo, reader)
    }

    /// A file that cannot be renamed into place (its path is a folder) stops the commit
    /// with an error naming it: the files before it are whole, and neither it nor the
    /// files after it leave a temporary file.
    func testACommitThatCannotRenameAFileLeavesNoTemporaryFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try dir.write("b.bin/inside", "a folder where b.bin should go")
        var files: [AtomicFile] = []
        for name in ["a.bin", "b.bin", "c.bin"] {
            let file = try AtomicFile(path: dir.file(name))
            try file.write(Array(name.utf8))
            files.append(file)
        }
        XCTAssertThrowsError(try AtomicFile.commit(files)) { XCTAssertTrue("\($0)".contains("b.bin"), "\($0)") }
        files.removeAll()
        XCTAssertEqual(try Fixtures.contents(dir.file("a.bin")), Array("a.bin".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["a.bin", "b.bin"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.file("b.bin")), ["inside"])
    }

    func testARegularFileAppearsWholeOnCommit() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try AtomicFile(path: dir.file("out.txt"))
        try file.write(Array("half".utf8))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out.txt")))
        try file.write(Array(" and whole".utf8))
        try file.commit()
        XCTAssertEqual(try Fixtures.contents(dir.file("out.txt")), Array("half and whole".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out.txt"])
    }

    /// Files committed together each appear whole under their own name, none before the
    /// commit, and a pipe among them is still written in place.
    func testFilesCommittedTogetherAppearWholeUnderTheirNames() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (fifo, reader) = try Self.pipe(in: dir)
        defer { close(reader) }
        var files: [AtomicFile] = []
        for n in 0..<5 {
            let file = try AtomicFile(path: dir.file("f\(n).bin"))
            try file.write([UInt8](repeating: UInt8(n), count: 70_000 * (n + 1)))
            files.append(file)
        }
        let pipe = try AtomicFile(path: fifo)
        try pipe.write(Array("piped".utf8))
        files.insert(pipe, at: 2)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }, ["pipe"])
        try AtomicFile.commit(files)
        for n in 0..<5 {
            XCTAssertEqual(try Fixtures.contents(dir.file("f\(n).bin")), [UInt8](repeating: UInt8(n), count: 70_000 * (n + 1)))
        }
        var buffer = [UInt8](repeating: 0, count: 16)
        let n = read(reader, &buffer, buffer.count)
        XCTAssertEqual(n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : "", "piped")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(),
                       ["f0.bin", "f1.bin", "f2.bin", "f3.bin", "f4.bin", "pipe"], "no temporary file left")
    }
}
