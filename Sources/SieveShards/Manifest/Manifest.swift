import Foundation
import SieveCore
import SieveIO

/// The SQLite manifest of a run: what was read, what was written, what was dropped and
/// why. Writers use one connection in WAL mode and change it only in transactions that
/// reference files already complete and renamed; readers open it read-only. Schema in
/// `manifests/schema.sql`; paths are stored relative to the manifest's directory.
public final class Manifest {
    public let path: String
    /// The absolute directory that stored paths are relative to.
    public let directory: String
    let db: SQLiteDatabase

    /// Opens a manifest for writing, creating it (or upgrading an older schema) as needed.
    public init(writingTo path: String) throws {
        self.path = path
        directory = Paths.directory(of: path)
        db = try SQLiteDatabase(path: path, mode: .readWriteCreate)
        let version = try Self.schemaVersion(db, path: path)
        try db.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON")
        if version < ManifestSchema.version {
            try db.transaction {
                for migration in ManifestSchema.migrations[version...] { try db.execute(migration) }
                try db.execute("PRAGMA user_version = \(ManifestSchema.version)")
            }
        }
    }

    /// Opens an existing manifest for reading only: it is opened read-only and every
    /// statement that could write, attach another database or change settings is refused.
    public init(readingFrom path: String) throws {
        self.path = path
        directory = Paths.directory(of: path)
        guard FileManager.default.fileExists(atPath: path) else {
            throw SieveShardsError(message: "\(path): no such manifest")
        }
        db = try SQLiteDatabase(path: path, mode: .readOnly)
        let version = try Self.schemaVersion(db, path: path)
        guard version == ManifestSchema.version else {
            throw SieveShardsError(message: "\(path): manifest schema version \(version) is older than this sieve's "
                                   + "(\(ManifestSchema.version)); open it once for writing (any sieve run on it) to upgrade")
        }
        db.denyWrites()
    }

    /// The schema version; refuses files that are not SQLite or come from a newer sieve.
    private static func schemaVersion(_ db: SQLiteDatabase, path: String) throws -> Int {
        let version: Int
        do {
            version = try db.query("PRAGMA user_version").first?.first?.int ?? 0
            if version == 0, try db.query("SELECT count(*) FROM sqlite_master").first?.first?.int != 0 {
                throw SieveShardsError(message: "\(path): an SQLite database, but not a Sieve manifest")
            }
        } catch let error as SQLiteError {
            throw SieveShardsError(message: "\(path): not a Sieve manifest (\(error.message))")
        }
        guard version <= ManifestSchema.version else {
            throw SieveShardsError(message: "\(path): manifest schema version \(version) is newer than this sieve "
                                   + "understands (\(ManifestSchema.version)); use a newer sieve")
        }
        return version
    }

    /// A path as stored: relative to the manifest's directory.
    public func stored(_ path: String) -> String { Paths.relative(path, to: directory) }

    /// A stored path as a usable one.
    public func resolved(_ stored: String) -> String {
        Paths.absolute(stored.hasPrefix("/") ? stored : directory + "/" + stored)
    }

    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date())
    }
}

// MARK: - Writing a run

extension Manifest {
    /// An input file as the current run sees it.
    public struct Input: Sendable {
        public var path: String
        public var size: Int
        public var xxh64: String

        public init(path: String, size: Int, xxh64: String) {
            self.path = path
            self.size = size
            self.xxh64 = xxh64
        }
    }

    /// A finished unit as an earlier run recorded it; `stats.inputs` is keyed by stored
    /// (manifest-relative) paths.
    public struct FinishedUnit: Sendable {
        public var segments: String
        public var output: String
        public var stats: RunStats

        public init(segments: String, output: String, stats: RunStats) {
            self.segments = segments
            self.output = output
            self.stats = stats
        }
    }

    /// Starts a run of `task`. Throws when an earlier run in this manifest had another
    /// fingerprint (other settings), whose outputs must not be mixed with this one's.
    public func beginRun(command: String, config: String, fingerprint: String, task: Int, taskCount: Int,
                         threads: Int) throws -> Int64 {
        try db.transaction {
            let previous = try db.query("SELECT DISTINCT fingerprint FROM runs WHERE task_index = ?", [.int(Int64(task))])
            if previous.contains(where: { $0[0].string != fingerprint }) {
                throw SieveShardsError(message: "\(path): the output directory holds a run with other settings; "
                                       + "remove it or choose another output directory")
            }
            try db.query("""
                INSERT INTO runs (command, config, fingerprint, code_version, task_index, task_count, threads, started_at, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running')
                """, [.text(command), .text(config), .text(fingerprint), .text(Sieve.version), .int(Int64(task)),
                      .int(Int64(taskCount)), .int(Int64(threads)), .text(Self.now())])
            return db.lastInsertRowID
        }
    }

    /// A row of the `languages` table: a language of the registry the run used.
    public struct Language: Sendable {
        public var code, name, family, script, segmentation: String
        /// The group of close varieties, empty for a language in none.
        public var group: String

        public init(code: String, name: String, family: String, script: String, segmentation: String, group: String = "") {
            (self.code, self.name, self.family, self.script, self.segmentation) = (code, name, family, script, segmentation)
            self.group = group
        }
    }

    /// Records the language registry (rows already there are kept).
    public func recordLanguages(_ languages: [Language]) throws {
        try db.transaction {
            for l in languages {
                try db.query("INSERT OR IGNORE INTO languages (code, name, family, script, segmentation, language_group) VALUES (?, ?, ?, ?, ?, ?)",
                             [.text(l.code), .text(l.name), .text(l.family), .text(l.script), .text(l.segmentation), .text(l.group)])
            }
        }
    }

    public func endRun(_ run: Int64, error: String?) throws {
        try db.query("UPDATE runs SET ended_at = ?, status = ?, error = ? WHERE run_id = ?",
                     [.text(Self.now()), .text(error == nil ? "done" : "failed"), error.map(SQLValue.text) ?? .null, .int(run)])
    }

    /// Whether the last run of `task` before the current one finished.
    public func previousRunFinished(task: Int, current: Int64) throws -> Bool {
        try db.query("SELECT status FROM runs WHERE task_index = ? AND run_id < ? ORDER BY run_id DESC LIMIT 1",
                     [.int(Int64(task)), .int(current)]).first?.first?.string == "done"
    }

    /// Records this run's view of its inputs. An input whose size or hash changed since
    /// it was recorded goes back to `pending`; returns the paths of those unchanged.
    public func recordInputs(_ inputs: [Input], task: Int) throws -> Set<String> {
        try db.transaction {
            var unchanged: Set<String> = []
            let select = try db.prepare("SELECT size, content_xxh64 FROM inputs WHERE path = ? AND task_index = ?")
            let upsert = try db.prepare("""
                INSERT OR REPLACE INTO inputs (path, task_index, size, content_xxh64, status) VALUES (?, ?, ?, ?, 'pending')
                """)
            for input in inputs {
                let key: [SQLValue] = [.text(stored(input.path)), .int(Int64(task))]
                try select.bind(key)
                if try select.step(), select.row() == [.int(Int64(input.size)), .text(input.xxh64)] {
                    unchanged.insert(input.path)
                    continue
                }
                try upsert.run(key + [.int(Int64(input.size)), .text(input.xxh64)])
            }
            return unchanged
        }
    }

    /// Units an earlier run finished, by unit index.
    public func finishedUnits(task: Int) throws -> [Int: FinishedUnit] {
        var units: [Int: FinishedUnit] = [:]
        for row in try db.query("SELECT unit, segments, output, stats, inputs FROM units WHERE task_index = ?", [.int(Int64(task))]) {
            guard let unit = row[0].int, let segments = row[1].string, let output = row[2].string, let stats = row[3].string,
                  let inputs = row[4].string,
                  var decoded = try? JSONDecoder().decode(RunStats.self, from: Data(stats.utf8)),
                  let counts = try? JSONDecoder().decode([String: InputCounts].self, from: Data(inputs.utf8)) else { continue }
            decoded.inputs = counts  // by stored (relative) path
            units[unit] = FinishedUnit(segments: segments, output: resolved(output), stats: decoded)
        }
        return units
    }

    /// Forgets units that will be done again.
    public func forgetUnits(_ units: [Int], task: Int) throws {
        try db.transaction {
            let delete = try db.prepare("DELETE FROM units WHERE task_index = ? AND unit = ?")
            for unit in units { try delete.run([.int(Int64(task)), .int(Int64(unit))]) }
        }
    }

    /// Records a finished unit (its output already renamed into place) and the inputs
    /// that are now completely read, with their counts, in one transaction.
    public func unitDone(task: Int, unit: Int, segments: String, output: String, stats: RunStats,
                         inputsDone: [(path: String, counts: InputCounts)]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let statsJSON = String(decoding: try encoder.encode(stats), as: UTF8.self)
        let inputsJSON = String(decoding: try encoder.encode(Dictionary(uniqueKeysWithValues: stats.inputs.map { (stored($0.key), $0.value) })),
                                as: UTF8.self)
        try db.transaction {
            try db.query("INSERT OR REPLACE INTO units (task_index, unit, segments, status, output, stats, inputs, finished_at) VALUES (?, ?, ?, 'done', ?, ?, ?, ?)",
                         [.int(Int64(task)), .int(Int64(unit)), .text(segments), .text(stored(output)), .text(statsJSON), .text(inputsJSON),
                          .text(Self.now())])
            let update = try db.prepare("""
                UPDATE inputs SET status = 'done', documents_read = ?, documents_failed = ?, error = ?
                WHERE path = ? AND task_index = ?
                """)
            for (path, counts) in inputsDone {
                try update.run([.int(Int64(counts.documentsRead)), .int(Int64(counts.documentsFailed)),
                                counts.error.map(SQLValue.text) ?? .null, .text(stored(path)), .int(Int64(task))])
            }
        }
    }

    /// Replaces the task's shards of `kind` with `shards` (all files already in place),
    /// and its per-stage and rejection counts with those of `stats`, in one transaction.
    public func recordOutputs(task: Int, kind: String, seqLen: Int? = nil, shards: [ShardRecord]?, stats: RunStats?) throws {
        try db.transaction {
            let t: SQLValue = .int(Int64(task))
            if let shards {
                let old = "SELECT shard_id FROM shards WHERE task_index = ? AND kind = ?"
                try db.query("DELETE FROM shard_files WHERE shard_id IN (\(old))", [t, .text(kind)])
                try db.query("DELETE FROM shard_stats WHERE shard_id IN (\(old))", [t, .text(kind)])
                try db.query("DELETE FROM shards WHERE task_index = ? AND kind = ?", [t, .text(kind)])
                let insertShard = try db.prepare("""
                    INSERT INTO shards (path, kind, language, domain, task_index, documents, tokens, sequences, seq_len, bytes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                let insertFile = try db.prepare("INSERT INTO shard_files (shard_id, path, bytes, xxh64) VALUES (?, ?, ?, ?)")
                let insertStats = try db.prepare("""
                    INSERT INTO shard_stats (shard_id, text_bytes, min_document_tokens, max_document_tokens,
                                             mean_language_score, mean_quality) VALUES (?, ?, ?, ?, ?, ?)
                    """)
                for shard in shards {
                    let sequences = shard.sequences ?? seqLen.map { shard.tokens / $0 } ?? shard.documents
                    try insertShard.run([.text(stored(shard.prefix)), .text(kind), .text(shard.language), .text(shard.domain), t,
                                         .int(Int64(shard.documents)), .int(Int64(shard.tokens)), .int(Int64(sequences)),
                                         seqLen.map { .int(Int64($0)) } ?? .null,
                                         .int(Int64(shard.files.reduce(0) { $0 + $1.bytes }))])
                    let id = SQLValue.int(db.lastInsertRowID)
                    for file in shard.files {
                        try insertFile.run([id, .text(stored(shard.prefix + file.suffix)), .int(Int64(file.bytes)), .text(file.xxh64)])
                    }
                    try insertStats.run([id, .int(Int64(shard.textBytes)), .int(Int64(shard.minDocumentTokens)),
                                         .int(Int64(shard.maxDocumentTokens)), shard.meanLanguageScore.map(SQLValue.double) ?? .null,
                                         shard.meanQuality.map(SQLValue.double) ?? .null])
                }
            }
            if let stats {
                try db.query("DELETE FROM stages WHERE task_index = ?", [t])
                try db.query("DELETE FROM rejections WHERE task_index = ?", [t])
                try db.query("DELETE FROM histograms WHERE task_index = ?", [t])
                let insertHistogram = try db.prepare("""
                    INSERT INTO histograms (task_index, stage, name, language, bin, count) VALUES (?, ?, ?, ?, ?, ?)
                    """)
                let insertStage = try db.prepare("""
                    INSERT INTO stages (task_index, position, stage, documents_in, bytes_in, documents_out, bytes_out, seconds)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                let insertRejection = try db.prepare("""
                    INSERT INTO rejections (task_index, stage, rule, language, documents) VALUES (?, ?, ?, ?, ?)
                    """)
                for (position, stage) in stats.stages.enumerated() {
                    try insertStage.run([t, .int(Int64(position)), .text(stage.name), .int(Int64(stage.documentsIn)),
                                         .int(Int64(stage.bytesIn)), .int(Int64(stage.documentsOut)), .int(Int64(stage.bytesOut)),
                                         .double(stage.seconds)])
                    for (reason, languages) in stage.dropsByLanguage.sorted(by: { $0.key < $1.key }) {
                        let rule = reason.hasPrefix(stage.name + ":") ? String(reason.dropFirst(stage.name.count + 1)) : reason
                        for (language, count) in languages.sorted(by: { $0.key < $1.key }) {
                            try insertRejection.run([t, .text(stage.name), .text(rule), .text(language), .int(Int64(count))])
                        }
                    }
                    for (name, languages) in stage.histogramsByLanguage.sorted(by: { $0.key < $1.key }) {
                        for (language, bins) in languages.sorted(by: { $0.key < $1.key }) {
                            for (bin, count) in bins.enumerated() where count > 0 {
                                try insertHistogram.run([t, .text(stage.name), .text(name), .text(language), .int(Int64(bin)),
                                                         .int(Int64(count))])
                            }
                        }
                    }
                }
            }
        }
    }

    /// The files of the task's shards of `kind`, as usable paths.
    public func shardFiles(task: Int, kind: String) throws -> [String] {
        try db.query("""
            SELECT f.path FROM shard_files f JOIN shards s USING (shard_id)
            WHERE s.task_index = ? AND s.kind = ? ORDER BY f.path
            """, [.int(Int64(task)), .text(kind)]).compactMap { $0[0].string.map(resolved) }
    }

    /// A stage's deliveries (`sieve mix materialize`), replacing any recorded before.
    public func recordDeliveries(stage: String, _ deliveries: [Delivery]) throws {
        try db.transaction {
            try db.query("DELETE FROM deliveries WHERE stage = ?", [.text(stage)])
            let insert = try db.prepare("""
                INSERT INTO deliveries (stage, language, domain, planned, delivered, documents, copies) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for d in deliveries {
                try insert.run([.text(stage), .text(d.language), .text(d.domain), .int(d.planned), .int(d.delivered),
                                .int(Int64(d.documents)), .int(Int64(d.copies))])
            }
        }
    }

    /// Makes the WAL part of the main file, so the manifest is one self-contained file.
    public func checkpoint() throws {
        try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }
}
