#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SieveCore
import SieveFiles

/// A byte range of one input file, in record terms: the segment owns the records whose
/// first byte lies in `[decodedStart, decodedEnd)` of the decompressed stream. Reading
/// starts at `rawStart` (a frame boundary for zstd) and may run past the end to finish
/// the last owned record.
public struct Segment: Sendable, Equatable, Codable {
    public var file: InputFile
    /// Where to start reading the file.
    var rawStart: Int
    /// Decompressed offset of the byte at `rawStart`.
    var decodedStart: Int
    /// Decompressed offset where the next segment's records begin; nil: end of file.
    var decodedEnd: Int?
    /// zstd only: the frame before `rawStart`, whose last byte says whether a record
    /// begins at `rawStart`.
    var previousFrame: Int?
    /// Parquet only: the row groups of the segment; nil: all of them.
    var rowGroups: Range<Int>?

    /// The whole file.
    init(file: InputFile) {
        self.file = file
        rawStart = 0
        decodedStart = 0
    }

    /// Row groups of a Parquet file.
    init(file: InputFile, rowGroups: Range<Int>) {
        self.init(file: file)
        self.rowGroups = rowGroups
    }

    init(file: InputFile, rawStart: Int, decodedStart: Int, decodedEnd: Int?, previousFrame: Int?) {
        self.file = file
        self.rawStart = rawStart
        self.decodedStart = decodedStart
        self.decodedEnd = decodedEnd
        self.previousFrame = previousFrame
    }
}

/// The input of one output file: consecutive segments, about `WorkPlan.unitBytes` of
/// input. Units are the resume granularity and are what tasks divide among them.
public struct WorkUnit: Sendable, Equatable, Codable {
    public var index: Int
    public var segments: [Segment]
    /// Input bytes covered (compressed size for compressed inputs).
    public var bytes: Int

    /// The unit's byte ranges as JSON with sorted keys: how the manifest records a unit's
    /// plan, and part of its spill file's key.
    public func segmentsJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(segments), as: UTF8.self)
    }
}

/// Divides input files into work units: small files are grouped, and large files that
/// can be split at record boundaries (plain JSONL anywhere; zstd JSONL at frame
/// boundaries when the frame headers record content sizes, as ours do; Parquet at row
/// groups) are split, so
/// that one huge file does not leave the other tasks idle. Gzip and single-frame zstd
/// files are read whole.
public struct WorkPlan: Sendable, Equatable, Codable {
    public var units: [WorkUnit]
    /// Target input bytes per unit.
    public var unitBytes: Int

    /// - Parameters:
    ///   - splitBytes: the largest unit wanted; units shrink to a task's share of the
    ///     input (but not below 1 MiB) so that every task gets work when the input allows.
    public init(files: [InputFile], splitBytes: Int, taskCount: Int) {
        let total = files.reduce(0) { $0 + $1.size }
        let perTask = (total + taskCount - 1) / max(1, taskCount)
        unitBytes = max(1, min(splitBytes, max(1 << 20, perTask)))
        var units: [WorkUnit] = []
        var current: [Segment] = []
        var currentBytes = 0
        func flush() {
            if !current.isEmpty {
                units.append(WorkUnit(index: units.count, segments: current, bytes: currentBytes))
            }
            current = []
            currentBytes = 0
        }
        for file in files {
            for (segment, bytes) in Self.pieces(of: file, target: unitBytes) {
                if currentBytes > 0 && currentBytes + bytes > unitBytes { flush() }
                current.append(segment)
                currentBytes += bytes
            }
        }
        flush()
        self.units = units
    }

    /// The units of task `index` of `count`: contiguous runs of units with about equal bytes.
    public func units(task index: Int, of count: Int) -> [WorkUnit] {
        let total = max(1, units.reduce(0) { $0 + $1.bytes })
        var start = 0
        var mine: [WorkUnit] = []
        for unit in units {
            let middle = start + unit.bytes / 2
            if min(count - 1, middle * count / total) == index { mine.append(unit) }
            start += unit.bytes
        }
        return mine
    }

    static func pieces(of file: InputFile, target: Int) -> [(Segment, Int)] {
        if file.recordFormat == .parquet && file.size > target { return ParquetDocuments.pieces(of: file, target: target) }
        guard file.size > target, file.recordFormat == .jsonl else { return [(Segment(file: file), file.size)] }
        switch file.compression {
        case .none:
            var pieces: [(Segment, Int)] = []
            var start = 0
            while start < file.size {
                let end = min(file.size, start + target)
                pieces.append((Segment(file: file, rawStart: start, decodedStart: start,
                                       decodedEnd: end == file.size ? nil : end, previousFrame: nil), end - start))
                start = end
            }
            return pieces
        case .zstd:
            guard let frames = zstdFrames(file), frames.count > 1,
                  frames.allSatisfy({ $0.contentSize != nil }) else { return [(Segment(file: file), file.size)] }
            // Group frames into pieces of about `target` compressed bytes.
            var groups: [[Zstd.Frame]] = [[]]
            var groupBytes = 0
            for frame in frames {
                if groupBytes > 0 && groupBytes + frame.compressedSize > target {
                    groups.append([])
                    groupBytes = 0
                }
                groups[groups.count - 1].append(frame)
                groupBytes += frame.compressedSize
            }
            var pieces: [(Segment, Int)] = []
            var decoded = 0
            var previous: Int?
            for (g, group) in groups.enumerated() {
                let size = group.reduce(0) { $0 + $1.contentSize! }
                let bytes = group.reduce(0) { $0 + $1.compressedSize }
                let last = g == groups.count - 1
                pieces.append((Segment(file: file, rawStart: group[0].offset, decodedStart: decoded,
                                       decodedEnd: last ? nil : decoded + size, previousFrame: previous), bytes))
                decoded += size
                previous = group.last!.offset
            }
            return pieces
        case .gzip:
            return [(Segment(file: file), file.size)]
        }
    }

    /// The frame table of a zstd file, read from its mapped bytes (only headers are touched).
    static func zstdFrames(_ file: InputFile) -> [Zstd.Frame]? {
        let fd = open(file.path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let map = mmap(nil, file.size, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else { return nil }
        defer { munmap(map, file.size) }
        return Zstd.frames(of: UnsafeRawBufferPointer(start: map, count: file.size))
    }
}
