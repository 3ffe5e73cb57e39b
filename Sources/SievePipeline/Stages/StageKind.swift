import Foundation
import SieveCore
import SieveShards

/// A type of stage that a pipeline names in `[[stage]] type = "…"`: the stage's typed
/// settings and how a stage is built from them. `StageRegistry.standard` lists them all.
public protocol StageKind: Sendable {
    associatedtype Settings: Codable & Sendable & Equatable
    /// The name in `type = "…"`, and the stage's name in drop reasons.
    static var type: String { get }
    /// Builds the stage: reads its models and files (paths relative to
    /// `context.baseDirectory`), noting each in `context.files`.
    static func make(_ settings: Settings, context: inout StageBuildContext) throws -> any Stage
    /// What `make` notes in `context` (files, the language registry), for a stage that a
    /// pass names but does not run: its files still join the resume fingerprint and the
    /// spill keys. The default builds the stage and drops it; a kind whose models are slow
    /// to load tells it without loading them.
    static func describe(_ settings: Settings, context: inout StageBuildContext) throws
}

extension StageKind {
    public static func describe(_ settings: Settings, context: inout StageBuildContext) throws {
        _ = try make(settings, context: &context)
    }

    /// A stage of this kind with its settings decoded from `table` (without `type`);
    /// `context` names the stage in errors.
    public static func configuration(_ table: TOMLTable, context: String) throws -> StageConfiguration {
        StageConfiguration(Self.self, try TOMLDecoder().decode(Settings.self, from: table, context: context))
    }
}

/// What building a stage needs besides its settings, and what it leaves behind.
public struct StageBuildContext {
    /// The configuration file's folder: relative paths in settings resolve against it.
    public var baseDirectory: String
    /// The files stages were built from (a tokenizer, a model): their contents join a
    /// run's resume fingerprint, so that a changed model is not mixed with outputs of the
    /// old one.
    public var files: [String] = []
    /// Said to the user once the stages are built (a filter set without some sentence
    /// models).
    public var warnings: [String] = []
    /// The language registry of the language-ID stage, for the manifest.
    public var languages: [Manifest.Language] = []

    public init(baseDirectory: String) {
        self.baseDirectory = baseDirectory
    }

    /// `path` as written in a setting, resolved against the configuration's folder.
    public func resolve(_ path: String) -> String { ConfigPath.resolve(path, against: baseDirectory) }
}

/// A stage as configured: its kind and its decoded settings. Building it (`make`) reads
/// its files; its canonical text (`canonicalJSON`) is what a run's fingerprint hashes.
public struct StageConfiguration: Sendable {
    public let type: String
    /// The decoded settings, a `Kind.Settings`.
    public private(set) var settings: any Codable & Sendable
    private let build: @Sendable (any Codable & Sendable, inout StageBuildContext) throws -> any Stage
    private let note: @Sendable (any Codable & Sendable, inout StageBuildContext) throws -> Void
    private let encode: @Sendable (any Codable & Sendable, JSONEncoder) throws -> Data

    public init<Kind: StageKind>(_ kind: Kind.Type, _ settings: Kind.Settings) {
        type = Kind.type
        self.settings = settings
        build = { settings, context in try Kind.make(settings as! Kind.Settings, context: &context) }
        note = { settings, context in try Kind.describe(settings as! Kind.Settings, context: &context) }
        encode = { settings, encoder in try encoder.encode(settings as! Kind.Settings) }
    }

    /// The settings as `Kind.Settings`, nil for another kind of stage.
    public func settings<Kind: StageKind>(of kind: Kind.Type) -> Kind.Settings? {
        type == Kind.type ? settings as? Kind.Settings : nil
    }

    /// Changes the settings of a stage of `kind`; false for another kind.
    @discardableResult
    public mutating func update<Kind: StageKind>(_ kind: Kind.Type, _ change: (inout Kind.Settings) -> Void) -> Bool {
        guard var typed = settings(of: kind) else { return false }
        change(&typed)
        settings = typed
        return true
    }

    public func make(context: inout StageBuildContext) throws -> any Stage {
        try build(settings, &context)
    }

    /// `StageKind.describe`: what building would note in `context`, without the stage.
    public func describe(context: inout StageBuildContext) throws {
        try note(settings, &context)
    }

    /// `{"settings":{…},"type":"…"}` with the settings as decoded (defaults filled in,
    /// paths as written) and keys sorted: a stable text for the resume fingerprint.
    public func canonicalJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let settingsJSON = (try? encode(settings, encoder)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
        return "{\"settings\":\(settingsJSON),\"type\":\"\(type)\"}"
    }
}
