import Foundation
import SieveFiles
import SieveTestSupport
import XCTest

/// A killed writer's temporary files are removed by the next run; a live writer's, and
/// another machine's, are not.
final class StaleTemporaryFileTests: XCTestCase {
    func testOnlyFilesOfDeadWritersOnThisHostAreRemoved() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // A process that has exited: its id names no process any more.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        try makeDirectories(dir.file("parts"))
        let live = try AtomicFile(path: dir.file("parts/00001.part"))
        try live.write([1, 2, 3])
        let host = live.temporaryPath.components(separatedBy: ".tmp-").last!.components(separatedBy: "-").dropLast().joined(separator: "-")
        let dead = try dir.write("parts/.00000.part.tmp-\(host)-\(gone.processIdentifier)", "half")
        let deep = try dir.write("shards/eng_Latn/web/.00000-00000.bin.tmp-\(host)-\(gone.processIdentifier)", "half")
        let otherHost = try dir.write("parts/.00002.part.tmp-elsewhere-\(gone.processIdentifier)", "half")
        let notOurs = try dir.write("parts/00003.part.tmp-\(host)-\(gone.processIdentifier)", "kept: not hidden")

        XCTAssertEqual(AtomicFile.removeStale(in: [dir.file("parts")]), [dead])
        XCTAssertEqual(AtomicFile.removeStale(in: [dir.file("shards")]), [], "not recursive")
        XCTAssertEqual(AtomicFile.removeStale(in: [dir.file("shards/eng_Latn/web")]), [deep])
        for kept in [live.temporaryPath, otherHost, notOurs] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: kept), kept)
        }
        try live.commit()
        XCTAssertEqual(try Fixtures.contents(dir.file("parts/00001.part")), [1, 2, 3])
    }
}
