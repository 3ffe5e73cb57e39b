import Foundation
import SieveCore

/// What the other modules read from a manifest, as typed rows: the report, mixtures, the
/// LM's token stream and resuming runs ask these questions instead of writing SQL
/// (`sieve manifest query` stays the way to ask anything else).
extension Manifest {
    /// A document shard as the manifest records it.
    public struct ShardRow: Sendable, Equatable {
        /// The path prefix as stored (relative to the manifest); `resolved(_:)` makes it usable.
        public var path: String
        public var language: String
        public var domain: String
        public var taskIndex: Int
        public var documents: Int
        /// Tokens, end-of-text ids included.
        public var tokens: Int
        /// All files of the shard together.
        public var bytes: Int
    }

    public enum ShardOrder: Sendable {
        /// By path prefix.
        case path
        /// By language, then domain, then path.
        case group
        /// In the order they were recorded.
        case recorded
    }

    /// The document shards (not packed ones), all or those of one task, or those meeting
    /// `condition`: SQL on the `shards` table, as a user writes it (`--where`).
    public func documentShards(task: Int? = nil, where condition: String? = nil, order: ShardOrder = .path) throws -> [ShardRow] {
        let orderBy = switch order {
        case .path: "path"
        case .group: "language, domain, path"
        case .recorded: "shard_id"
        }
        var filters = ["kind = 'documents'"]
        var parameters: [SQLValue] = []
        if let task {
            filters.append("task_index = ?")
            parameters.append(.int(Int64(task)))
        }
        if let condition { filters.append("(\(condition))") }
        return try db.query("""
            SELECT path, language, domain, task_index, documents, tokens, bytes FROM shards
            WHERE \(filters.joined(separator: " AND ")) ORDER BY \(orderBy)
            """, parameters).map {
            ShardRow(path: $0[0].string ?? "", language: $0[1].string ?? "und", domain: $0[2].string ?? "unlabeled",
                     taskIndex: $0[3].int ?? 0, documents: $0[4].int ?? 0, tokens: $0[5].int ?? 0, bytes: $0[6].int ?? 0)
        }
    }

    /// Every file of every shard, with its size as recorded, in path order.
    public func shardFileSizes() throws -> [(path: String, bytes: Int)] {
        try db.query("SELECT path, bytes FROM shard_files ORDER BY path").map { ($0[0].string ?? "", $0[1].int ?? 0) }
    }

    /// A stage's totals over every task and run, in pipeline order.
    public struct StageTotals: Sendable, Equatable {
        public var name: String
        public var documentsIn, documentsOut, bytesIn, bytesOut: Int
        public var seconds: Double
    }

    public func stageTotals() throws -> [StageTotals] {
        try db.query("""
            SELECT stage, sum(documents_in), sum(documents_out), sum(bytes_in), sum(bytes_out), sum(seconds)
            FROM stages GROUP BY stage ORDER BY min(position)
            """).map {
            StageTotals(name: $0[0].string ?? "", documentsIn: $0[1].int ?? 0, documentsOut: $0[2].int ?? 0,
                        bytesIn: $0[3].int ?? 0, bytesOut: $0[4].int ?? 0, seconds: Self.number($0[5]))
        }
    }

    /// Dropped documents by stage and rule, most first.
    public func drops() throws -> [(stage: String, rule: String, documents: Int)] {
        try db.query("SELECT stage, rule, sum(documents) FROM rejections GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2")
            .map { ($0[0].string ?? "", $0[1].string ?? "", $0[2].int ?? 0) }
    }

    /// What `sieve mix materialize` delivered, by stage, language and domain.
    public func deliveries() throws -> [(stage: String, delivery: Delivery)] {
        try db.query("SELECT stage, language, domain, planned, delivered, documents, copies FROM deliveries ORDER BY 1, 2, 3").map {
            ($0[0].string ?? "", Delivery(language: $0[1].string ?? "", domain: $0[2].string ?? "", planned: Int64($0[3].int ?? 0),
                                          delivered: Int64($0[4].int ?? 0), documents: $0[5].int ?? 0, copies: $0[6].int ?? 0))
        }
    }

    /// Documents a stage dropped, by language.
    public func drops(stage: String) throws -> [String: Int] {
        var byLanguage: [String: Int] = [:]
        for row in try db.query("SELECT language, sum(documents) FROM rejections WHERE stage = ? GROUP BY 1", [.text(stage)]) {
            byLanguage[row[0].string ?? "und"] = row[1].int ?? 0
        }
        return byLanguage
    }

    /// Each task run: its task, the task count, start and end (ISO 8601; empty while
    /// running) and status, in the order they started.
    public func runs() throws -> [(task: Int, taskCount: Int, started: String, ended: String, status: String)] {
        try db.query("SELECT task_index, task_count, started_at, coalesce(ended_at, ''), status FROM runs ORDER BY run_id")
            .map { ($0[0].int ?? 0, $0[1].int ?? 1, $0[2].string ?? "", $0[3].string ?? "", $0[4].string ?? "") }
    }

    /// Every finished unit's statistics as recorded, with when it finished (nil in
    /// manifests of schema 1), in task and unit order; rows that do not decode are left out.
    public func unitStats() throws -> [(stats: RunStats, finishedAt: String?)] {
        let decoder = JSONDecoder()
        return try db.query("SELECT stats, finished_at FROM units ORDER BY task_index, unit").compactMap { row in
            guard let text = row[0].string, let stats = try? decoder.decode(RunStats.self, from: Data(text.utf8)) else { return nil }
            return (stats, row[1].string)
        }
    }

    /// The language registry recorded by the run's language-ID stage, by code.
    public func registryLanguages() throws -> [Language] {
        try db.query("SELECT code, name, family, script, segmentation, language_group FROM languages ORDER BY code").map {
            Language(code: $0[0].string ?? "", name: $0[1].string ?? "", family: $0[2].string ?? "", script: $0[3].string ?? "",
                     segmentation: $0[4].string ?? "", group: $0[5].string ?? "")
        }
    }

    static func number(_ value: SQLValue) -> Double {
        switch value {
        case .int(let n): return Double(n)
        case .double(let x): return x
        case .text(let t): return Double(t) ?? 0
        default: return 0
        }
    }
}
