import SieveCore
import SieveFiles
import SieveIO

/// A finished shard, as the manifest records it.
public struct ShardRecord: Sendable, Equatable {
    /// Path prefix of the three files (`PREFIX.bin`, `.idx`, `.docs`).
    public var prefix: String
    public var language: String
    public var domain: String
    public var documents: Int
    /// Tokens in `.bin`, end-of-text ids included.
    public var tokens: Int
    public var textBytes: Int
    public var minDocumentTokens: Int
    public var maxDocumentTokens: Int
    /// Means over documents that have the score; nil when none has.
    public var meanLanguageScore: Double?
    public var meanQuality: Double?
    public var files: [ShardFile]
    /// Sequences in `.bin`, when not one per document (packed shards).
    public var sequences: Int? = nil
}

/// Builds a task's shards from its units' token parts, read in unit order: documents are
/// grouped by (language, domain) and each group is cut into shards of at most
/// `maxShardBytes` of tokens (a single larger document gets a shard of its own). Shard
/// `K` of a group in task `T` is `DIR/LANGUAGE/DOMAIN/TTTTT-KKKKK`, so names and bytes
/// depend only on the inputs and settings.
public struct ShardAssembler {
    public var directory: String
    public var task: Int
    public var maxShardBytes: Int

    public init(directory: String, task: Int, maxShardBytes: Int) {
        self.directory = directory
        self.task = task
        self.maxShardBytes = maxShardBytes
    }

    private struct Group: Hashable {
        var language: String
        var domain: String
    }

    /// Assembles the shards; returns them in the order they were finished.
    public func assemble(parts: [String]) throws -> [ShardRecord] {
        var open: [Group: ShardWriter] = [:]
        var next: [Group: Int] = [:]
        var done: [ShardRecord] = []
        // Finished shards' files, committed together (`AtomicFile.commit(_:)`), a batch
        // at a time so that the open files stay few.
        var written: [AtomicFile] = []
        func finish(_ group: Group) throws {
            guard let writer = open.removeValue(forKey: group) else { return }
            let (record, files) = try self.record(writer, group)
            done.append(record)
            written += files
            if written.count >= 96 {
                try AtomicFile.commit(written)
                written.removeAll()
            }
        }
        for path in parts {
            let part = try MappedFile(path: path)
            try TokenPart.forEach(in: part.bytes, path: path) { record in
                let group = Group(language: record.language, domain: record.domain)
                if let writer = open[group], writer.binBytes > 0, writer.binBytes + record.tokens.count > maxShardBytes {
                    try finish(group)
                }
                let writer: ShardWriter
                if let existing = open[group] {
                    writer = existing
                } else {
                    let k = next[group, default: 0]
                    next[group] = k + 1
                    // A killed assembly's half-written files in this folder (writer gone).
                    if k == 0 { AtomicFile.removeStale(in: ["\(directory)/\(group.language)/\(group.domain)"]) }
                    writer = try ShardWriter(prefix: "\(directory)/\(group.language)/\(group.domain)/\(pad(task))-\(pad(k))")
                    open[group] = writer
                }
                try writer.append(record.document, tokens: record.tokens, textBytes: record.textBytes)
            }
        }
        for group in open.keys.sorted(by: { ($0.language, $0.domain) < ($1.language, $1.domain) }) { try finish(group) }
        try AtomicFile.commit(written)
        return done
    }

    private func record(_ writer: ShardWriter, _ group: Group) throws -> (ShardRecord, [AtomicFile]) {
        let (files, written) = try writer.write()
        let documents = writer.documents
        func mean(_ values: [Float]) -> Double? {
            let present = values.filter { !$0.isNaN }
            return present.isEmpty ? nil : present.reduce(0.0) { $0 + Double($1) } / Double(present.count)
        }
        return (ShardRecord(
            prefix: writer.prefix, language: group.language, domain: group.domain, documents: documents.count,
            tokens: writer.binBytes / 4, textBytes: writer.textBytes,
            minDocumentTokens: documents.map(\.tokens).min() ?? 0, maxDocumentTokens: documents.map(\.tokens).max() ?? 0,
            meanLanguageScore: mean(documents.map(\.languageScore)), meanQuality: mean(documents.map(\.quality)),
            files: files), written)
    }
}

func pad(_ n: Int, _ width: Int = 5) -> String {
    let digits = String(n)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

/// The sink of a pipeline that ends in shards: each unit's tokenized documents go to
/// its part file (`DIR/NNNNN.part`), assembled into shards when the task's units are done.
public enum TokenPartSink {
    public static func make(directory: String, onUnitDone: @escaping (Int, RunStats) throws -> Void) throws -> UnitFilesSink {
        try UnitFilesSink(directory: directory, fileExtension: "part", encode: { TokenPart.encode($0) },
                          onUnitDone: onUnitDone)
    }
}
