/// A pipeline configuration, read from TOML. Documented in `docs/pipeline.md`.
public struct PipelineConfig: Sendable, Equatable {
    /// Files and directories to read. Relative paths are relative to the config file.
    public var inputPaths: [String]
    public var include: [String]?
    public var exclude: [String] = []
    public var textField = "text"
    public var idField = "id"
    public var maxDocumentBytes = 64 << 20
    /// Largest work unit (and so output file) in input bytes.
    public var splitBytes = 256 << 20
    /// Output directory. Relative paths are relative to the config file.
    public var outputDirectory: String
    /// `zstd`, `gzip` or `none`, for document outputs.
    public var compression = "zstd"
    /// `documents` (JSONL per work unit) or `shards` (Megatron shards + manifest);
    /// by default shards when the pipeline has a tokenize stage.
    public var outputKind: OutputKind?
    /// Largest `.bin` of a shard, in bytes.
    public var shardBytes = 1 << 30
    /// Whether dropped documents are written to `rejected/NNNNN.jsonl.zst`, per unit.
    public var writeRejected = false
    /// Worker threads; 0 means one per core.
    public var threads = 0
    public var batchBytes = 4 << 20
    /// The stages in order, each a table with a `type` key and its settings.
    public var stages: [TOMLTable] = []

    public enum OutputKind: String, Sendable, Equatable {
        case documents, shards
    }

    /// The output kind in effect.
    public var resolvedOutputKind: OutputKind {
        outputKind ?? (stages.contains { $0["type"] == .string("tokenize") } ? .shards : .documents)
    }

    public init(inputPaths: [String], outputDirectory: String) {
        self.inputPaths = inputPaths
        self.outputDirectory = outputDirectory
    }

    /// A configuration error, naming the key.
    public struct Invalid: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Parses a configuration. `baseDirectory` (the config file's folder) anchors
    /// relative paths, so the command works from any directory.
    public init(toml text: String, baseDirectory: String) throws {
        let root = try TOML.parse(text)
        let known = ["input", "output", "run", "stage"]
        if let unknown = root.keys.first(where: { !known.contains($0) }) {
            throw Invalid(message: "unknown section [\(unknown)] (expected one of \(known.joined(separator: ", ")))")
        }
        let input = try Self.table(root, "input")
        let output = try Self.table(root, "output")
        let run = try Self.table(root, "run")
        try Self.allow(input, "input", ["paths", "include", "exclude", "text_field", "id_field",
                                        "max_document_bytes", "split_bytes"])
        try Self.allow(output, "output", ["dir", "compression", "kind", "shard_bytes", "rejected"])
        try Self.allow(run, "run", ["threads", "batch_bytes"])

        guard let paths = try Self.strings(input, "input.paths"), !paths.isEmpty else {
            throw Invalid(message: "input.paths is required: the files and directories to read")
        }
        guard let dir = try Self.string(output, "output.dir") else {
            throw Invalid(message: "output.dir is required")
        }
        self.init(inputPaths: paths.map { Self.resolve($0, against: baseDirectory) },
                  outputDirectory: Self.resolve(dir, against: baseDirectory))
        include = try Self.strings(input, "input.include")
        exclude = try Self.strings(input, "input.exclude") ?? []
        textField = try Self.string(input, "input.text_field") ?? textField
        idField = try Self.string(input, "input.id_field") ?? idField
        maxDocumentBytes = try Self.positive(input, "input.max_document_bytes") ?? maxDocumentBytes
        splitBytes = try Self.positive(input, "input.split_bytes") ?? splitBytes
        compression = try Self.string(output, "output.compression") ?? compression
        guard ["zstd", "gzip", "none"].contains(compression) else {
            throw Invalid(message: "output.compression must be zstd, gzip or none, not \(compression)")
        }
        if let kind = try Self.string(output, "output.kind") {
            guard let parsed = OutputKind(rawValue: kind) else {
                throw Invalid(message: "output.kind must be documents or shards, not \(kind)")
            }
            outputKind = parsed
        }
        shardBytes = try Self.positive(output, "output.shard_bytes") ?? shardBytes
        switch output["rejected"] {
        case nil: break
        case .bool(let b)?: writeRejected = b
        default: throw Invalid(message: "output.rejected must be true or false")
        }
        threads = try Self.int(run, "run.threads") ?? threads
        batchBytes = try Self.positive(run, "run.batch_bytes") ?? batchBytes
        switch root["stage"] {
        case nil: break
        case .array(let items)?:
            stages = try items.enumerated().map { i, item in
                guard case .table(let t) = item, case .string? = t["type"] else {
                    throw Invalid(message: "[[stage]] number \(i + 1) needs a type = \"…\"")
                }
                return t
            }
        default:
            throw Invalid(message: "stages are written as [[stage]] tables")
        }
    }

    /// `path` relative to `base` unless absolute (or `-`).
    public static func resolve(_ path: String, against base: String) -> String {
        if path.hasPrefix("/") || path == "-" || base.isEmpty { return path }
        return base.hasSuffix("/") ? base + path : base + "/" + path
    }

    static func table(_ root: TOMLTable, _ key: String) throws -> TOMLTable {
        switch root[key] {
        case nil: return TOMLTable()
        case .table(let t)?: return t
        default: throw Invalid(message: "\(key) must be a table, [\(key)]")
        }
    }

    static func allow(_ table: TOMLTable, _ name: String, _ keys: [String]) throws {
        if let unknown = table.keys.first(where: { !keys.contains($0) }) {
            throw Invalid(message: "unknown key \(name).\(unknown) (expected one of \(keys.joined(separator: ", ")))")
        }
    }

    static func leaf(_ table: TOMLTable, _ path: String) -> TOMLValue? {
        table[String(path.split(separator: ".").last!)]
    }

    static func string(_ table: TOMLTable, _ path: String) throws -> String? {
        switch leaf(table, path) {
        case nil: return nil
        case .string(let s)?: return s
        default: throw Invalid(message: "\(path) must be a string")
        }
    }

    static func strings(_ table: TOMLTable, _ path: String) throws -> [String]? {
        switch leaf(table, path) {
        case nil: return nil
        case .string(let s)?: return [s]
        case .array(let items)?:
            return try items.map {
                guard case .string(let s) = $0 else { throw Invalid(message: "\(path) must hold strings") }
                return s
            }
        default: throw Invalid(message: "\(path) must be a string or a list of strings")
        }
    }

    static func int(_ table: TOMLTable, _ path: String) throws -> Int? {
        switch leaf(table, path) {
        case nil: return nil
        case .integer(let i)?: return i
        default: throw Invalid(message: "\(path) must be an integer")
        }
    }

    static func positive(_ table: TOMLTable, _ path: String) throws -> Int? {
        guard let v = try int(table, path) else { return nil }
        guard v > 0 else { throw Invalid(message: "\(path) must be positive") }
        return v
    }
}
