import Foundation
import SieveCore
import SieveFiles

/// Rows with column names: what `sieve manifest stats` and `query` print.
public struct ResultTable: Equatable {
    public var columns: [String]
    public var rows: [[SQLValue]]

    /// Columns padded to their widest cell; numbers right-aligned.
    public func aligned() -> String {
        let cells = rows.map { $0.map(\.description) }
        let widths = columns.indices.map { i in max(columns[i].count, cells.map { $0[i].count }.max() ?? 0) }
        func line(_ values: [String], numeric: [Bool]) -> String {
            values.indices.map { i in
                let padding = String(repeating: " ", count: widths[i] - values[i].count)
                return numeric[i] ? padding + values[i] : values[i] + padding
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = [line(columns, numeric: columns.map { _ in false })]
        out.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for (row, text) in zip(rows, cells) {
            out.append(line(text, numeric: row.map { if case .int = $0 { return true }; if case .double = $0 { return true }; return false }))
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// RFC 4180 CSV with a header line.
    public func csv() -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        return ([columns] + rows.map { $0.map(\.description) }).map { $0.map(field).joined(separator: ",") }
            .joined(separator: "\r\n") + "\r\n"
    }

    /// A JSON array of objects, one per row.
    public func json() -> String {
        let objects = rows.map { row in
            JSONValue.object(zip(columns, row).map { name, value in
                let json: JSONValue
                switch value {
                case .null: json = .null
                case .int(let v): json = .number(String(v))
                case .double(let v): json = v.isFinite ? .number(String(v)) : .null
                case .text(let v): json = .string(v)
                case .blob(let v): json = .string(v.map { String(format: "%02x", $0) }.joined())
                }
                return JSONMember(name, json)
            })
        }
        var writer = JSONWriter()
        writer.value(.array(objects))
        return String(decoding: writer.bytes, as: UTF8.self) + "\n"
    }
}

extension Manifest {
    /// Columns `stats --by` may group on.
    public static let groupColumns = ["language", "domain", "kind", "task_index", "seq_len"]

    /// Tokens, documents, shards and bytes of the shards matching `filter` (an SQL
    /// expression over the `shards` table), grouped by `columns`.
    public func stats(by columns: [String], where filter: String?) throws -> ResultTable {
        if let bad = columns.first(where: { !Self.groupColumns.contains($0) }) {
            throw SieveShardsError(message: "cannot group by \(bad); choose from \(Self.groupColumns.joined(separator: ", "))")
        }
        let keys = columns.joined(separator: ", ")
        let sql = """
            SELECT \(keys.isEmpty ? "" : keys + ", ")sum(tokens) AS tokens, sum(documents) AS documents,
                   count(*) AS shards, sum(bytes) AS bytes
            FROM shards WHERE \(filter.map { "(\($0))" } ?? "1")
            \(keys.isEmpty ? "" : "GROUP BY \(keys) ORDER BY \(keys)")
            """
        return try query(sql)
    }

    /// Runs one statement of the user's SQL. On a manifest opened for reading, anything
    /// but reading is refused.
    public func query(_ sql: String) throws -> ResultTable {
        do {
            let statement = try db.prepare(sql)
            var rows: [[SQLValue]] = []
            while try statement.step() { rows.append(statement.row()) }
            return ResultTable(columns: statement.columnNames, rows: rows)
        } catch let error as SQLiteError {
            let message = error.message == "not authorized"
                ? "not authorized: manifest queries are read-only (no writes, PRAGMA or ATTACH)" : error.message
            throw SieveShardsError(message: message)
        }
    }

    /// One problem `verify` found.
    public struct Problem: Equatable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
        public init(path: String, message: String) {
            self.path = path
            self.message = message
        }
    }

    /// Checks every shard file's presence, size and checksum; returns every problem.
    public func verify() throws -> [Problem] {
        var problems: [Problem] = []
        for row in try db.query("SELECT path, bytes, xxh64 FROM shard_files ORDER BY path") {
            guard let stored = row[0].string, let bytes = row[1].int, let expected = row[2].string else { continue }
            let path = resolved(stored)
            guard let handle = FileHandle(forReadingAtPath: path) else {
                problems.append(Problem(path: stored, message: "missing"))
                continue
            }
            defer { try? handle.close() }
            var hash = XXHash64()
            var size = 0
            while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
                size += chunk.count
                chunk.withUnsafeBytes { hash.update($0) }
            }
            if size != bytes {
                problems.append(Problem(path: stored, message: "size \(size) bytes, manifest says \(bytes) (truncated or changed)"))
            } else if XXHash64.hex(hash.digest()) != expected {
                problems.append(Problem(path: stored, message: "checksum \(XXHash64.hex(hash.digest())), manifest says \(expected)"))
            }
        }
        return problems
    }

    /// Merges task manifests into one at `output` (which must not exist): every row of
    /// every table, with paths rewritten relative to the new manifest's directory.
    /// Every input must exist and its last run must have finished; the message lists each
    /// one that does not. With `replace`, an existing `output` is replaced (atomically).
    public static func merge(into output: String, from inputs: [String], replace: Bool = false) throws {
        guard replace || !FileManager.default.fileExists(atPath: output) else {
            throw SieveShardsError(message: "\(output) exists; merge writes a new manifest")
        }
        var problems: [String] = []
        for input in inputs {
            guard FileManager.default.fileExists(atPath: input) else {
                problems.append("\(input) is missing")
                continue
            }
            let last = try Manifest(readingFrom: input).db.query("SELECT status, error FROM runs ORDER BY run_id DESC LIMIT 1").first
            if last?.first?.string != "done" {
                problems.append("\(input): its last run did not finish (\(last?.first?.string ?? "no run")\(last?[1].string.map { ": " + $0 } ?? ""))")
            }
        }
        guard problems.isEmpty else {
            throw SieveShardsError(message: "cannot merge: " + problems.joined(separator: "; "))
        }
        let temporary = AtomicFile.temporaryPath(for: output)
        try? FileManager.default.removeItem(atPath: temporary)
        do {
            let merged = try Manifest(writingTo: temporary)
            let outDirectory = Paths.directory(of: output)
            for input in inputs {
                let source = try Manifest(readingFrom: input)
                try merged.db.transaction {
                    try merged.copyRows(from: source, rebase: { Paths.relative(source.resolved($0), to: outDirectory) })
                }
            }
            try merged.db.execute("PRAGMA journal_mode = DELETE")
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        guard rename(temporary, output) == 0 else { throw SieveShardsError(message: "\(output): \(String(cString: strerror(errno)))") }
    }

    private func copyRows(from source: Manifest, rebase: (String) -> String) throws {
        func copy(_ table: String, columns: [String], pathColumns: Set<String> = [], skip: Set<String> = []) throws {
            let selected = columns.filter { !skip.contains($0) }
            let insert = try db.prepare("INSERT INTO \(table) (\(selected.joined(separator: ", "))) VALUES (\(selected.map { _ in "?" }.joined(separator: ", ")))")
            for row in try source.db.query("SELECT \(selected.joined(separator: ", ")) FROM \(table)") {
                try insert.run(zip(selected, row).map { name, value in
                    if pathColumns.contains(name), let path = value.string { return .text(rebase(path)) }
                    return value
                })
            }
        }
        try copy("runs", columns: ["command", "config", "fingerprint", "code_version", "task_index", "task_count", "threads",
                                   "started_at", "ended_at", "status", "error"])
        try copy("inputs", columns: ["path", "task_index", "size", "content_xxh64", "status", "documents_read",
                                     "documents_failed", "error"], pathColumns: ["path"])
        try copy("units", columns: ["task_index", "unit", "segments", "status", "output", "stats", "inputs", "finished_at"], pathColumns: ["output"])
        try copy("stages", columns: ["task_index", "position", "stage", "documents_in", "bytes_in", "documents_out", "bytes_out", "seconds"])
        try copy("rejections", columns: ["task_index", "stage", "rule", "language", "documents"])
        try copy("histograms", columns: ["task_index", "stage", "name", "language", "bin", "count"])
        for row in try source.db.query("SELECT code, name, family, script, segmentation, language_group FROM languages") {
            try db.query("INSERT OR IGNORE INTO languages (code, name, family, script, segmentation, language_group) VALUES (?, ?, ?, ?, ?, ?)", row)
        }
        // Shards get new ids; their files and stats follow them.
        let shards = try source.db.query("SELECT shard_id, path, kind, language, domain, task_index, documents, tokens, sequences, seq_len, bytes FROM shards ORDER BY shard_id")
        let insertShard = try db.prepare("INSERT INTO shards (path, kind, language, domain, task_index, documents, tokens, sequences, seq_len, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        let files = try source.db.prepare("SELECT path, bytes, xxh64 FROM shard_files WHERE shard_id = ?")
        let stats = try source.db.prepare("SELECT text_bytes, min_document_tokens, max_document_tokens, mean_language_score, mean_quality FROM shard_stats WHERE shard_id = ?")
        let insertFile = try db.prepare("INSERT INTO shard_files (shard_id, path, bytes, xxh64) VALUES (?, ?, ?, ?)")
        let insertStats = try db.prepare("INSERT INTO shard_stats (shard_id, text_bytes, min_document_tokens, max_document_tokens, mean_language_score, mean_quality) VALUES (?, ?, ?, ?, ?, ?)")
        for shard in shards {
            var values = Array(shard.dropFirst())
            values[0] = .text(rebase(values[0].string ?? ""))
            do {
                try insertShard.run(values)
            } catch let error as SQLiteError {
                throw SieveShardsError(message: "\(source.path): shard \(values[0]) is already in the merged manifest (\(error.message))")
            }
            let id = SQLValue.int(db.lastInsertRowID)
            try files.bind([shard[0]])
            while try files.step() {
                var file = files.row()
                file[0] = .text(rebase(file[0].string ?? ""))
                try insertFile.run([id] + file)
            }
            try stats.bind([shard[0]])
            while try stats.step() { try insertStats.run([id] + stats.row()) }
        }
    }

    /// The full current schema (`manifests/schema.sql`).
    public static var schemaSQL: String { ManifestSchema.sql }
}
