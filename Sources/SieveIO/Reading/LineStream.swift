import Foundation
import SieveFiles

/// The lines of a file, or of standard input, read a chunk at a time: memory holds one
/// chunk and the line being read, whatever the input's size. A line longer than
/// `maxLine` bytes streams past without being kept and comes back as `nil`, so that the
/// caller can count it as skipped.
public struct LineStream {
    public static let chunkBytes = 1 << 20

    private let handle: FileHandle
    private let maxLine: Int
    /// Bytes read and not yet returned start at `start`.
    private var pending: [UInt8] = []
    private var start = 0
    /// Where the search for the next newline in `pending` goes on.
    private var searchFrom = 0
    private var atEnd = false
    /// Inside a line too long to keep: its bytes are dropped up to its newline.
    private var discarding = false
    /// The number of the line `next()` returned last, from 1.
    public private(set) var number = 0

    /// `-` reads standard input.
    public init(path: String, maxLine: Int = 64 << 20) throws {
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            guard let file = FileHandle(forReadingAtPath: path) else {
                throw FileError(path: path, message: "cannot read it")
            }
            handle = file
        }
        self.maxLine = maxLine
    }

    /// The next line without its newline (`nil` inside when the line was too long), or
    /// nil at the end of the input.
    public mutating func next() throws -> (number: Int, line: Data?)? {
        while true {
            if let newline = pending[searchFrom...].firstIndex(of: 0x0A) {
                number += 1
                let line = discarding ? nil : Data(pending[start..<newline])
                start = newline + 1
                searchFrom = start
                discarding = false
                return (number, line)
            }
            searchFrom = pending.count
            if pending.count - start > maxLine {
                discarding = true
                start = pending.count
            }
            if atEnd {
                guard start < pending.count || discarding else { return nil }
                number += 1
                let line = discarding ? nil : Data(pending[start...])
                start = pending.count
                searchFrom = start
                discarding = false
                return (number, line)
            }
            // One move per chunk: what was returned goes before the next chunk comes in.
            pending.removeSubrange(..<start)
            searchFrom -= start
            start = 0
            let chunk = try handle.read(upToCount: Self.chunkBytes) ?? Data()
            if chunk.isEmpty { atEnd = true } else { pending += chunk }
        }
    }
}
