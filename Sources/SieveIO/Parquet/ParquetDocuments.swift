import SieveCore
import SieveParquet

/// Parquet files as documents: a work unit holds whole row groups, and each row group is
/// one batch, decoded on a worker thread; every column other than text and id becomes
/// metadata, so all are decoded. The text column is `text_field`,
/// the id column `id_field` (default: `FILE@ROW`); a string `source` column is the
/// source and a `metadata` struct's fields are metadata, as for JSONL.
enum ParquetDocuments {
    /// A file's row groups in pieces of about `target` compressed bytes; the whole file
    /// when its footer cannot be read here (reading it then records why).
    static func pieces(of file: InputFile, target: Int) -> [(Segment, Int)] {
        guard let parquet = try? ParquetFile(path: file.path), parquet.rowGroupCount > 1 else {
            return [(Segment(file: file), file.size)]
        }
        var pieces: [(Segment, Int)] = []
        var start = 0, bytes = 0
        for g in 0..<parquet.rowGroupCount {
            let size = parquet.compressedBytes(ofRowGroup: g)
            if bytes > 0 && bytes + size > target {
                pieces.append((Segment(file: file, rowGroups: start..<g), bytes))
                start = g
                bytes = 0
            }
            bytes += size
        }
        pieces.append((Segment(file: file, rowGroups: start..<parquet.rowGroupCount), bytes))
        return pieces
    }

    /// The batches of one segment, one per row group, and what opening the file found.
    static func batches(_ segment: Segment, unit: Int, options: ReadOptions) -> ([SourceBatch], RunStats) {
        var stats = RunStats()
        let file = segment.file
        let parquet: ParquetFile
        do {
            parquet = try ParquetFile(path: file.path)
        } catch {
            let rule = (error as? ParquetError)?.rule ?? "unreadable"
            stats.recordError(stage: "read", rule: rule, location: file.path, message: "\(error)")
            return ([], stats)
        }
        let fields = options.fields
        guard parquet.columnNames.contains(fields.text) else {
            stats.recordError(stage: "read", rule: "parquet_no_text_column", location: file.path,
                              message: "no column \"\(fields.text)\" (text_field); the columns are \(parquet.columnNames.joined(separator: ", "))")
            return ([], stats)
        }
        let groups = segment.rowGroups ?? 0..<parquet.rowGroupCount
        guard groups.upperBound <= parquet.rowGroupCount else {
            stats.recordError(stage: "read", rule: "parquet_bad_footer", location: file.path,
                              message: "the plan names row groups \(groups) of \(parquet.rowGroupCount): the file changed since")
            return ([], stats)
        }
        let batches = groups.map { g in
            SourceBatch(unit: unit, inputBytes: parquet.compressedBytes(ofRowGroup: g)) { stats in
                documents(parquet, rowGroup: g, input: file, fields: fields, stats: &stats)
            }
        }
        return (batches, stats)
    }

    static func documents(_ parquet: ParquetFile, rowGroup g: Int, input: InputFile, fields: FieldNames,
                          stats: inout RunStats) -> [Document] {
        let rows = parquet.rows(inRowGroup: g)
        let first = parquet.firstRow(ofRowGroup: g)
        let values: RowGroupValues
        do {
            values = try parquet.read(rowGroup: g, text: [fields.text, fields.id, "source"])
        } catch {
            // The row group is lost, the others are kept: counted as its rows failing.
            let rule = (error as? ParquetError)?.rule ?? "parquet_bad_page"
            stats.recordError(stage: "read", rule: rule, location: input.path,
                              message: "row group \(g) (\(rows) rows from row \(first)) skipped: \(error)")
            stats[stage: "read"].documentsIn += rows
            stats.inputs[input.path, default: InputCounts()].documentsRead += rows
            stats.inputs[input.path]!.documentsFailed += rows
            stats[stage: "read"].countDrop("read:\(rule)", language: "und", count: rows)
            return []
        }
        let names = parquet.columnNames
        let texts = values.columns[fields.text]!
        let ids = values.columns[fields.id]
        let sources = names.contains("source") && fields.text != "source" && fields.id != "source" ? values.columns["source"] : nil
        var documents: [Document] = []
        documents.reserveCapacity(rows)
        var bytes = 0
        let relative = input.relativePath
        for r in 0..<rows {
            guard case .string(let text) = texts[r] else {
                stats.recordFailure(stage: "read", rule: "missing_text", location: "\(input.path)@row \(first + r)",
                                    message: texts[r] == .null ? "\"\(fields.text)\" is null" : "\"\(fields.text)\" is not a string")
                continue
            }
            let id: String
            switch ids?[r] {
            case .string(let s)?: id = s
            case .number(let n)?: id = n
            default: id = "\(relative)@\(first + r)"
            }
            var source = relative
            if case .string(let s)? = sources?[r] { source = s }
            var metadata: [JSONMember] = []
            for name in names where name != fields.text && name != fields.id && !(sources != nil && name == "source") {
                let value = values.columns[name]![r]
                if name == "metadata", case .object(let members) = value {
                    metadata.append(contentsOf: members)
                } else if name == "metadata" && value == .null {
                    continue  // no members beyond the typed columns (Sieve's writer)
                } else {
                    metadata.append(JSONMember(name, value))
                }
            }
            bytes += text.utf8.count
            documents.append(Document(id: id, text: text, source: source, metadata: metadata))
        }
        for row in values.repairedUTF8[fields.text] ?? [] {
            stats.recordRepair(stage: "read", rule: "invalid_utf8", location: "\(input.path)@row \(first + row)",
                               message: "invalid UTF-8 replaced with U+FFFD")
        }
        let failed = rows - documents.count
        stats[stage: "read"].documentsIn += rows
        stats[stage: "read"].bytesIn += bytes
        stats.inputs[input.path, default: InputCounts()].documentsRead += rows
        stats.inputs[input.path]!.documentsFailed += failed
        return documents
    }
}
