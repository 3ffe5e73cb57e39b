#if canImport(Glibc)
import Glibc
#endif
import SieveCore
import SieveFiles

/// Reads the records of one segment, a chunk at a time, into record batches. Memory is
/// bounded by one chunk plus the longest record (at most `maxDocumentBytes`): longer
/// records are skipped as they stream past.
final class SegmentReader {
    static let chunkBytes = 1 << 20

    let segment: Segment
    let options: ReadOptions
    /// What reading found: errors with the file, records dropped before parsing.
    private(set) var stats = RunStats()
    /// Raw bytes read so far and not yet reported.
    var unreportedInputBytes = 0
    private var rawRead = 0

    private var fd: Int32 = -1
    private var decoder: StreamDecoder?
    private var raw: UnsafeMutableRawBufferPointer
    private var rawCount = 0
    private var rawPosition = 0
    private var decoded: UnsafeMutableRawBufferPointer
    /// Decompressed bytes not yet cut into records; `window[0]` is at `windowOffset`.
    private var window: [UInt8] = []
    private var windowOffset: Int
    /// Start of the current, unfinished record in `window`.
    private var lineStart = 0
    /// Where the search for the next newline continues.
    private var searchFrom = 0
    /// Line number of the record at `lineStart`; 0 when unknown.
    private var line: Int

    private enum Mode {
        case normal
        /// The segment starts inside a record that belongs to the previous segment.
        case partialFirst
        /// Inside a record too large to keep.
        case discarding
    }
    private var mode = Mode.normal
    private(set) var finished = false
    /// WARC: bytes of an oversized record still to skip.
    private var warcSkip = 0
    /// WARC: looking for the next record after malformed bytes (reported once).
    private var warcResyncing = false
    /// WARC.gz: looking for the next gzip member after a damaged one.
    private var seekingMember = false

    init(segment: Segment, options: ReadOptions) {
        self.segment = segment
        self.options = options
        raw = .allocate(byteCount: Self.chunkBytes, alignment: 16)
        decoded = .allocate(byteCount: Self.chunkBytes, alignment: 16)
        windowOffset = segment.decodedStart
        line = segment.decodedStart == 0 ? 1 : 0
        open()
    }

    deinit {
        if fd > 0 { close(fd) }
        raw.deallocate()
        decoded.deallocate()
    }

    private var file: InputFile { segment.file }

    private func open() {
        if file.path == "-" {
            fd = 0
            return
        }
        fd = Glibc.open(file.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            error("unreadable", CorpusDiscovery.errnoText())
            return
        }
        decoder = file.compression.makeDecoder()
        if segment.rawStart > 0 {
            guard lseek(fd, off_t(segment.rawStart), SEEK_SET) >= 0 else {
                error("io_error", CorpusDiscovery.errnoText())
                return
            }
            if startsInsideRecord() { mode = .partialFirst }
        }
    }

    /// Whether the byte before the segment is not a newline, so that the first bytes of
    /// the segment finish the previous segment's last record.
    private func startsInsideRecord() -> Bool {
        if let frame = segment.previousFrame {
            // Decompress the previous frame to find its last byte.
            let decoder = ZstdDecoder()
            var last: UInt8 = 0x0A
            var offset = frame
            while offset < segment.rawStart {
                let n = pread(fd, raw.baseAddress, min(Self.chunkBytes, segment.rawStart - offset), off_t(offset))
                guard n > 0 else { break }
                offset += n
                var position = 0
                let input = UnsafeRawBufferPointer(rebasing: raw[0..<n])
                while case let produced = decoder.decode(input, position: &position, into: decoded), produced > 0 {
                    last = decoded[produced - 1]
                }
            }
            return last != 0x0A
        }
        var byte: UInt8 = 0
        return pread(fd, &byte, 1, off_t(segment.rawStart - 1)) == 1 && byte != 0x0A
    }

    private func error(_ rule: String, _ message: String) {
        stats.recordError(stage: "read", rule: rule, location: file.path, message: message)
        finished = true
    }

    private func drop(_ rule: String, offset: Int, bytes: Int, message: String) {
        stats[stage: "read"].documentsIn += 1
        stats[stage: "read"].bytesIn += bytes
        stats.inputs[file.path, default: InputCounts()].documentsRead += 1
        stats.inputs[file.path]!.documentsFailed += 1
        stats.recordFailure(stage: "read", rule: rule,
                            location: RecordBatch.location(file, offset: offset, line: line), message: message)
    }

    /// Reads one chunk and cuts what it can into records in `batch`, starting new
    /// batches through `emit` when one is full. Returns false when the segment is done.
    func step(batch: inout RecordBatch, emit: (RecordBatch) -> RecordBatch) -> Bool {
        guard !finished else { return false }
        let n = read(fd, raw.baseAddress, Self.chunkBytes)
        if n < 0 {
            if errno == EINTR { return true }
            error("io_error", CorpusDiscovery.errnoText())
            return false
        }
        unreportedInputBytes += n
        rawRead += n
        if n == 0 {
            endOfFile(batch: &batch, emit: emit)
            return false
        }
        if decoder == nil { decoder = Self.sniff(UnsafeRawBufferPointer(rebasing: raw[0..<n])) }
        rawCount = n
        rawPosition = 0
        let input = UnsafeRawBufferPointer(rebasing: raw[0..<rawCount])
        while !finished {
            if seekingMember && !findNextGzipMember(input) { break }
            let produced = decoder!.decode(input, position: &rawPosition, into: decoded)
            if produced > 0 {
                window.append(contentsOf: UnsafeRawBufferPointer(rebasing: decoded[0..<produced]))
                cut(batch: &batch, emit: emit)
            }
            if let failure = decoder!.failure {
                if file.recordFormat == .warc && file.compression == .gzip {
                    // One gzip member per record: skip to the next member and go on.
                    damagedMember(failure.message)
                    continue
                }
                corrupt(failure.message)
                return false
            }
            if produced == 0 { break }
        }
        return !finished
    }

    /// The decoder for standard input, chosen by the stream's first bytes.
    private static func sniff(_ head: UnsafeRawBufferPointer) -> StreamDecoder {
        if head.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return ZstdDecoder() }
        if head.starts(with: [0x1F, 0x8B]) { return GzipDecoder() }
        return IdentityDecoder()
    }

    /// Cuts complete records out of the window.
    private func cut(batch: inout RecordBatch, emit: (RecordBatch) -> RecordBatch) {
        if file.recordFormat == .warc {
            cutWARC(batch: &batch, emit: emit)
            return
        }
        if file.recordFormat.isWholeFile {
            if window.count > options.maxDocumentBytes {
                line = 0
                drop("document_too_large", offset: 0, bytes: window.count,
                     message: "\(file.recordFormat.rawValue) file larger than \(options.maxDocumentBytes) bytes")
                finished = true
            }
            return
        }
        window.withUnsafeBufferPointer { w in
            while !finished {
                let rest = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(w)[searchFrom...])
                guard let found = rest.firstIndex(of: 0x0A) else { break }
                let end = searchFrom + found
                record(UnsafeBufferPointer(rebasing: w[lineStart..<end]), batch: &batch, emit: emit)
                lineStart = end + 1
                searchFrom = lineStart
            }
        }
        searchFrom = window.count
        if finished { return }
        let partial = window.count - lineStart
        if mode == .discarding || mode == .partialFirst || partial > options.maxDocumentBytes {
            if mode == .normal {
                guard owns(windowOffset + lineStart) else {
                    finished = true
                    return
                }
                drop("document_too_large", offset: windowOffset + lineStart, bytes: partial,
                     message: "record longer than \(options.maxDocumentBytes) bytes")
                mode = .discarding
            }
            // Nothing of this record is needed: forget what was read of it.
            lineStart = window.count
        }
        if lineStart > 0 {
            window.removeFirst(lineStart)
            windowOffset += lineStart
            searchFrom -= lineStart
            lineStart = 0
        }
    }

    /// Cuts WARC records (header block + `Content-Length` bytes) out of the window. A
    /// record that does not start with `WARC/` is reported once and skipped up to the next
    /// line that does; oversized records are skipped as they stream past.
    private func cutWARC(batch: inout RecordBatch, emit: (RecordBatch) -> RecordBatch) {
        line = 0
        while !finished {
            if warcSkip > 0 {
                let n = min(warcSkip, window.count - lineStart)
                lineStart += n
                warcSkip -= n
                if warcSkip > 0 { break }
            }
            while lineStart < window.count && (window[lineStart] == 0x0D || window[lineStart] == 0x0A) { lineStart += 1 }
            guard window.count - lineStart >= 5 else { break }
            if !window[lineStart..<lineStart + 5].elementsEqual("WARC/".utf8) {
                // Resynchronize at the next line that starts a record.
                if !warcResyncing {
                    stats.recordError(stage: "read", rule: "warc_malformed_record", location: "\(file.path)@\(windowOffset + lineStart)",
                                      message: "bytes that do not start a WARC record; skipped to the next record")
                }
                if let next = WARCScanner.nextRecordStart(in: window, from: lineStart + 1) {
                    lineStart = next
                    warcResyncing = false
                    continue
                }
                // Keep the last bytes: "WARC/" may continue in the next chunk.
                lineStart = max(lineStart, window.count - 5)
                warcResyncing = true
                break
            }
            warcResyncing = false
            guard let header = WARCScanner.headerEnd(in: window, from: lineStart) else {
                if window.count - lineStart > 1 << 20 {
                    stats.recordError(stage: "read", rule: "warc_malformed_record", location: "\(file.path)@\(windowOffset + lineStart)",
                                      message: "WARC header longer than 1 MiB")
                    lineStart += 5
                    continue
                }
                break
            }
            guard let length = header.contentLength else {
                stats.recordError(stage: "read", rule: "warc_malformed_record", location: "\(file.path)@\(windowOffset + lineStart)",
                                  message: "WARC record without a valid Content-Length")
                lineStart = header.end
                continue
            }
            let end = header.end + length
            if end - lineStart > options.maxDocumentBytes {
                drop("document_too_large", offset: windowOffset + lineStart, bytes: end - lineStart,
                     message: "WARC record longer than \(options.maxDocumentBytes) bytes")
                warcSkip = end - lineStart
                continue
            }
            guard end <= window.count else { break }
            let offset = windowOffset + lineStart
            window.withUnsafeBufferPointer { w in batch.append(UnsafeBufferPointer(rebasing: w[lineStart..<end]), offset: offset, line: 0) }
            lineStart = end
            if batch.byteCount >= options.batchBytes || batch.count >= options.batchDocuments { batch = emit(batch) }
        }
        if lineStart > 0 {
            window.removeFirst(lineStart)
            windowOffset += lineStart
            lineStart = 0
        }
        searchFrom = 0
    }

    private func owns(_ offset: Int) -> Bool {
        segment.decodedEnd.map { offset < $0 } ?? true
    }

    /// Handles one complete line (without its newline).
    private func record(_ bytes: UnsafeBufferPointer<UInt8>, batch: inout RecordBatch,
                        emit: (RecordBatch) -> RecordBatch) {
        let offset = windowOffset + lineStart
        defer { if line > 0 { line += 1 } }
        switch mode {
        case .partialFirst, .discarding:
            mode = .normal
            return
        case .normal:
            break
        }
        guard owns(offset) else {
            finished = true
            return
        }
        var body = bytes
        if let last = body.last, last == 0x0D { body = UnsafeBufferPointer(rebasing: body.dropLast()) }
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        if body.count > options.maxDocumentBytes {
            drop("document_too_large", offset: offset, bytes: body.count,
                 message: "record longer than \(options.maxDocumentBytes) bytes")
            return
        }
        batch.append(body, offset: offset, line: line)
        if batch.byteCount >= options.batchBytes || batch.count >= options.batchDocuments {
            batch = emit(batch)
        }
    }

    private func endOfFile(batch: inout RecordBatch, emit: (RecordBatch) -> RecordBatch) {
        let clean = decoder?.atCleanEnd ?? true
        if !clean {
            stats.recordError(stage: "read", rule: "truncated_stream", location: file.path,
                              message: "\(file.compression.rawValue) stream ends inside a frame: the file is truncated")
        }
        if file.recordFormat == .warc {
            let rest = window[lineStart...].drop { $0 == 0x0D || $0 == 0x0A }
            if !finished && warcSkip == 0 && !rest.isEmpty {
                line = 0
                drop("truncated_record", offset: windowOffset + lineStart, bytes: rest.count,
                     message: "WARC record cut short: Content-Length runs past the end of the file")
            }
        } else if file.recordFormat.isWholeFile {
            if !finished {
                if clean {
                    window.withUnsafeBufferPointer { batch.append($0, offset: 0, line: 0) }
                } else {
                    line = 0
                    drop("truncated_record", offset: 0, bytes: window.count, message: "\(file.recordFormat.rawValue) file is truncated")
                }
            }
        } else if mode == .normal && lineStart < window.count && owns(windowOffset + lineStart) {
            if clean {
                // A last record without a newline.
                window.withUnsafeBufferPointer { w in
                    record(UnsafeBufferPointer(rebasing: w[lineStart...]), batch: &batch, emit: emit)
                }
            } else {
                drop("truncated_record", offset: windowOffset + lineStart, bytes: window.count - lineStart,
                     message: "record cut off by the end of a truncated stream")
            }
        }
        finished = true
    }

    /// A decoding error: records before the damage are kept; the one in progress is lost.
    /// A damaged gzip member of a WARC file: the record it held is lost (and counted);
    /// reading resumes at the next member.
    private func damagedMember(_ message: String) {
        stats.recordError(stage: "read", rule: "corrupt_stream", location: file.path,
                          message: "\(message) (in the chunk ending at byte \(segment.rawStart + rawRead)); resuming at the next gzip member")
        let rest = window[lineStart...].drop { $0 == 0x0D || $0 == 0x0A }
        if !rest.isEmpty && warcSkip == 0 {
            drop("truncated_record", offset: windowOffset + lineStart, bytes: rest.count,
                 message: "WARC record in a damaged gzip member")
        }
        windowOffset += window.count
        window.removeAll(keepingCapacity: true)
        lineStart = 0
        warcSkip = 0
        seekingMember = true
    }

    /// Moves `rawPosition` to the next gzip member header (1F 8B 08) in `input`, with a new
    /// decoder; false when this chunk has none.
    private func findNextGzipMember(_ input: UnsafeRawBufferPointer) -> Bool {
        var i = max(rawPosition, 0)
        while i + 3 <= input.count {
            if input[i] == 0x1F && input[i + 1] == 0x8B && input[i + 2] == 0x08 {
                rawPosition = i
                decoder = GzipDecoder()
                seekingMember = false
                return true
            }
            i += 1
        }
        rawPosition = input.count
        return false
    }

    private func corrupt(_ message: String) {
        stats.recordError(stage: "read", rule: "corrupt_stream", location: file.path,
                          message: "\(message) (in the chunk ending at byte \(segment.rawStart + rawRead))")
        if mode == .normal && lineStart < window.count && owns(windowOffset + lineStart) {
            drop("truncated_record", offset: windowOffset + lineStart, bytes: window.count - lineStart,
                 message: "record cut off by stream corruption")
        }
        finished = true
    }
}
