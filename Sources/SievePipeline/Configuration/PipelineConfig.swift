import SieveCore
import SieveFiles
import SieveIO

/// A pipeline configuration, read from TOML. Documented in `docs/pipeline.md`.
public struct PipelineConfig: Sendable {
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
    /// For document outputs: JSON lines (compressed per `compression`) or Parquet.
    public var format = OutputFormat.Container.jsonl
    /// Parquet: text bytes per row group.
    public var rowGroupBytes = 128 << 20
    public var compression = Compression.zstd
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
    /// With a dedup stage: whether the first pass writes the documents that reach dedup
    /// (`.sieve/spill`) for the second to read, instead of the second running the stages
    /// before dedup again. Outputs are the same either way.
    public var spill = true
    /// Whether the spill files stay after the run completes.
    public var keepSpill = false
    /// The stages in order, their settings decoded (`StageRegistry`).
    public var stages: [StageConfiguration] = []
    /// The folder relative paths in the configuration (and its stages' settings) resolve
    /// against: the config file's.
    public var baseDirectory = ""

    public enum OutputKind: String, Sendable, Equatable, CaseIterable, Codable {
        case documents, shards
    }

    /// The output kind in effect.
    public var resolvedOutputKind: OutputKind {
        outputKind ?? (stages.contains { $0.type == TokenizeKind.type } ? .shards : .documents)
    }

    public init(inputPaths: [String], outputDirectory: String) {
        self.inputPaths = inputPaths
        self.outputDirectory = outputDirectory
    }

    /// Parses a configuration. `baseDirectory` (the config file's folder) anchors
    /// relative paths, so the command works from any directory. Every section and stage
    /// is decoded here, so that a wrong key stops the run before it reads any input.
    public init(toml text: String, baseDirectory: String, registry: StageRegistry = .standard) throws {
        let root = try TOML.parse(text)
        try TOMLDecoder.checkKeys(root, known: ["input", "output", "run", "stage"], context: "the configuration")
        func section<T: Decodable>(_ key: String, _ type: T.Type) throws -> T {
            switch root[key] {
            case .table(let table)?: return try TOMLDecoder().decode(type, from: table, context: "[\(key)]")
            case nil: return try TOMLDecoder().decode(type, from: TOMLTable(), context: "[\(key)]")
            default: throw SettingsError(context: "the configuration", key: key, message: "\(key) must be a table, [\(key)]")
            }
        }
        let input = try section("input", InputSection.self)
        let output = try section("output", OutputSection.self)
        let run = try section("run", RunSection.self)
        self.init(inputPaths: input.paths.map { ConfigPath.resolve($0, against: baseDirectory) },
                  outputDirectory: ConfigPath.resolve(output.dir, against: baseDirectory))
        self.baseDirectory = baseDirectory
        include = input.include
        exclude = input.exclude
        textField = input.textField
        idField = input.idField
        maxDocumentBytes = input.maxDocumentBytes
        splitBytes = input.splitBytes
        compression = output.compression
        format = output.format
        rowGroupBytes = output.rowGroupBytes
        outputKind = output.kind
        shardBytes = output.shardBytes
        writeRejected = output.rejected
        threads = run.threads
        batchBytes = run.batchBytes
        spill = run.spill
        keepSpill = run.keepSpill
        switch root["stage"] {
        case nil: break
        case .array(let items)?:
            stages = try items.enumerated().map { i, item in
                guard case .table(let table) = item else {
                    throw SettingsError(context: "stage \(i + 1)", key: "", message: "stages are written as [[stage]] tables")
                }
                return try registry.configuration(table, number: i + 1)
            }
        default:
            throw SettingsError(context: "the configuration", key: "stage", message: "stages are written as [[stage]] tables")
        }
    }

    /// `[input]`.
    struct InputSection: Decodable {
        var paths: [String]
        var include: [String]?
        var exclude: [String]
        var textField: String
        var idField: String
        var maxDocumentBytes: Int
        var splitBytes: Int

        enum CodingKeys: String, CodingKey {
            case paths, include, exclude, textField = "text_field", idField = "id_field"
            case maxDocumentBytes = "max_document_bytes", splitBytes = "split_bytes"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            guard let paths = try c.strings(.paths), !paths.isEmpty else {
                throw DecodingError.keyNotFound(CodingKeys.paths, .init(codingPath: [], debugDescription: "the files and directories to read"))
            }
            self.paths = paths
            include = try c.strings(.include)
            exclude = try c.strings(.exclude) ?? []
            textField = try c.value(.textField, default: "text")
            idField = try c.value(.idField, default: "id")
            maxDocumentBytes = try c.positive(.maxDocumentBytes, default: 64 << 20)
            splitBytes = try c.positive(.splitBytes, default: 256 << 20)
        }
    }

    /// `[output]`.
    struct OutputSection: Decodable {
        var dir: String
        var compression: Compression
        var format: OutputFormat.Container
        var rowGroupBytes: Int
        var kind: OutputKind?
        var shardBytes: Int
        var rejected: Bool

        enum CodingKeys: String, CodingKey { case dir, compression, format, rowGroupBytes = "row_group_bytes", kind, shardBytes = "shard_bytes", rejected }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            dir = try c.required(.dir, "the output folder")
            compression = try c.choice(.compression, default: .zstd)
            format = try c.choice(.format, default: .jsonl)
            rowGroupBytes = try c.positive(.rowGroupBytes, default: 128 << 20)
            kind = try c.choice(.kind)
            shardBytes = try c.positive(.shardBytes, default: 1 << 30)
            rejected = try c.value(.rejected, default: false)
        }
    }

    /// `[run]`.
    struct RunSection: Decodable {
        var threads: Int
        var batchBytes: Int
        var spill: Bool
        var keepSpill: Bool

        enum CodingKeys: String, CodingKey { case threads, batchBytes = "batch_bytes", spill, keepSpill = "keep_spill" }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            threads = try c.value(.threads, default: 0)
            batchBytes = try c.positive(.batchBytes, default: 4 << 20)
            spill = try c.value(.spill, default: true)
            keepSpill = try c.value(.keepSpill, default: false)
        }
    }
}
