import SieveCore

/// Raw records read from one file, in one contiguous buffer. Built on the reader
/// thread, decoded into documents on a worker thread.
final class RecordBatch: @unchecked Sendable {
    struct Record {
        var start: Int
        var length: Int
        /// Offset of the record in the decompressed file.
        var offset: Int
        /// 1-based line number, 0 when unknown (a segment that starts mid-file).
        var line: Int
    }

    let file: InputFile
    let format: RecordFormat
    private(set) var bytes: [UInt8] = []
    private(set) var records: [Record] = []

    init(file: InputFile, capacity: Int) {
        self.file = file
        self.format = file.recordFormat
        bytes.reserveCapacity(capacity)
    }

    var isEmpty: Bool { records.isEmpty }
    var byteCount: Int { bytes.count }
    var count: Int { records.count }

    func append(_ record: UnsafeBufferPointer<UInt8>, offset: Int, line: Int) {
        records.append(Record(start: bytes.count, length: record.count, offset: offset, line: line))
        bytes.append(contentsOf: record)
    }

    static func location(_ file: InputFile, offset: Int, line: Int) -> String {
        line > 0 ? "\(file.path):\(line)" : "\(file.path)@\(offset)"
    }

    /// Parses the records, HTML and PDF through `pages`; failures and repairs go to
    /// `stats` under the `read` stage (and `extract`, for pages without text).
    func decode(fields: FieldNames, pages: (any PageDecoder)?, stats: inout RunStats) -> [Document] {
        var documents: [Document] = []
        documents.reserveCapacity(records.count)
        stats[stage: "read"].documentsIn += records.count
        stats[stage: "read"].bytesIn += bytes.count
        let relative = file.relativePath
        let failedBefore = stats[stage: "read"].drops.values.reduce(0, +)
        defer {
            stats.inputs[file.path, default: InputCounts()].documentsRead += records.count
            stats.inputs[file.path]!.documentsFailed += stats[stage: "read"].drops.values.reduce(0, +) - failedBefore
        }
        bytes.withUnsafeBufferPointer { all in
            for record in records {
                let raw = UnsafeBufferPointer(rebasing: all[record.start..<record.start + record.length])
                var repaired = false
                switch format {
                case .text:
                    let text: String
                    (text, repaired) = UTF8Text.string(raw)
                    documents.append(Document(id: relative, text: text, source: relative))
                case .pdf, .warc, .html:
                    guard let pages else {
                        stats.recordFailure(stage: "read", rule: "no_page_decoder", location: file.path,
                                            message: "this reader was given no HTML and PDF decoder")
                        continue
                    }
                    switch format {
                    case .pdf:
                        switch pages.pdf(Array(raw)) {
                        case .document(let text, let metadata):
                            documents.append(Document(id: relative, text: text, source: relative, metadata: metadata))
                        case .failed(let rule, let message):
                            stats.recordFailure(stage: "extract", rule: rule, location: file.path, message: message)
                        }
                    case .warc:
                        switch WARCRecord.decode(raw, source: relative, pages: pages) {
                        case .document(let document):
                            documents.append(document)
                        case .skipped(let rule, let message):
                            stats.recordFailure(stage: "read", rule: rule, location: "\(file.path)@\(record.offset)", message: message)
                        case .noMainText:
                            stats.recordFailure(stage: "extract", rule: "no_main_text", location: "\(file.path)@\(record.offset)",
                                                message: "no main text found in the page")
                        }
                    default:
                        guard let page = pages.html(Array(raw), httpCharset: nil) else {
                            stats.recordFailure(stage: "extract", rule: "no_main_text", location: file.path,
                                                message: "no main text found in the page")
                            continue
                        }
                        documents.append(Document(id: relative, text: page.text, source: relative, metadata: [
                            JSONMember("title", .string(page.title)),
                            JSONMember("charset", .string(page.charset)),
                            JSONMember("charset_source", .string(page.charsetSource)),
                        ]))
                    }
                case .parquet:
                    // CorpusSource reads Parquet by row group (ParquetDocuments), never as records.
                    stats.recordFailure(stage: "read", rule: "parquet_as_records", location: file.path,
                                        message: "a Parquet file reached the record reader")
                case .jsonl:
                    do throws(DocumentCodec.Failure) {
                        documents.append(try DocumentCodec.decode(
                            raw, fields: fields, defaultID: "\(relative)@\(record.offset)",
                            defaultSource: relative, repairedUTF8: &repaired))
                    } catch {
                        let (rule, message) = switch error {
                        case .malformed(let message): ("malformed_json", message)
                        case .missingText(let message): ("missing_text", message)
                        }
                        stats.recordFailure(stage: "read", rule: rule,
                                            location: Self.location(file, offset: record.offset, line: record.line),
                                            message: message)
                    }
                }
                if repaired {
                    stats.recordRepair(stage: "read", rule: "invalid_utf8",
                                       location: Self.location(file, offset: record.offset, line: record.line),
                                       message: "invalid UTF-8 replaced with U+FFFD")
                }
            }
        }
        return documents
    }
}
