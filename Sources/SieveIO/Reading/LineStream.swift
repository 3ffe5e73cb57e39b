import Foundation
import SieveFiles

/// The lines of a file, or of standard input, read a chunk at a time: memory holds one
/// chunk and the line being read, whatever the input's size. A line longer than
/// `maxLine` bytes streams past without being kept and comes back as `nil`, so that the
/// caller can count it as skipped. A file named `.zst` or `.gz` is decompressed; a
/// damaged or truncated stream is an error that names the file.
public struct LineStream {
    public static let chunkBytes = 1 << 20

    private let handle: FileHandle
    private let path: String
    private let compression: Compression
    private let decoder: StreamDecoder
    /// Compressed bytes read and not yet decoded start at `rawPosition`.
    private var raw: [UInt8] = []
    private var rawPosition = 0
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
        self.path = path
        self.maxLine = maxLine
        compression = path == "-" ? .none : Compression(path: path)
        decoder = compression.makeDecoder()
    }

    /// The next chunk of the file's text; empty at its end.
    private mutating func nextChunk() throws -> [UInt8] {
        if compression == .none { return [UInt8](try handle.read(upToCount: Self.chunkBytes) ?? Data()) }
        var out = [UInt8](repeating: 0, count: Self.chunkBytes)
        while true {
            var position = rawPosition
            let produced = raw.withUnsafeBytes { r in out.withUnsafeMutableBytes { decoder.decode(r, position: &position, into: $0) } }
            rawPosition = position
            if let failure = decoder.failure { throw FileError(path: path, message: "damaged \(compression.rawValue) stream: \(failure.message)") }
            if produced > 0 { return Array(out[0..<produced]) }
            let chunk = try handle.read(upToCount: Self.chunkBytes) ?? Data()
            if chunk.isEmpty {
                guard decoder.atCleanEnd else { throw FileError(path: path, message: "the \(compression.rawValue) stream ends early (truncated)") }
                return []
            }
            raw = [UInt8](chunk)
            rawPosition = 0
        }
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
            let chunk = try nextChunk()
            if chunk.isEmpty { atEnd = true } else { pending += chunk }
        }
    }
}
