import SieveCore

/// The stage types a pipeline configuration may name, and the one place where `[[stage]]`
/// tables become stages.
public struct StageRegistry: Sendable {
    public let kinds: [any StageKind.Type]

    public init(kinds: [any StageKind.Type]) { self.kinds = kinds }

    /// Every stage of this build, in the order they usually run.
    public static let standard = StageRegistry(kinds: [
        NormalizeKind.self, LangIDKind.self, FilterKind.self, DecontaminateKind.self, PIIStageKind.self, DedupKind.self, LabelKind.self,
        TokenizeKind.self, PerplexityKind.self,
    ])

    /// The `number`th (from 1) `[[stage]]` table, its settings decoded; errors name the
    /// stage, the key and what was expected.
    public func configuration(_ table: TOMLTable, number: Int) throws -> StageConfiguration {
        guard case .string(let type)? = table["type"] else {
            throw SettingsError(context: "stage \(number)", key: "type", message: "missing key \"type\" (a string: \(names))")
        }
        guard let kind = kinds.first(where: { $0.type == type }) else {
            let suggestion = kinds.map { $0.type }.first { TOMLDecoder.isClose(type, $0) }.map { "; did you mean \"\($0)\"?" } ?? ""
            throw SettingsError(context: "stage \(number)", key: "type",
                                message: "unknown stage type \"\(type)\"\(suggestion) (this build has: \(names))")
        }
        var settings = table
        settings["type"] = nil
        return try kind.configuration(settings, context: "stage \(number) (\(type))")
    }

    private var names: String { kinds.map { $0.type }.joined(separator: ", ") }
}
