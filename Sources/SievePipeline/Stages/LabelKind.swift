import SieveCore
import SieveModels

/// `[[stage]] type = "label"`: `LabelStage` with the configured classifier files.
public enum LabelKind: StageKind {
    public static let type = "label"

    public static func make(_ settings: LabelStage.Settings, context: inout StageBuildContext) throws -> any Stage {
        func model(_ path: String?) throws -> (any LabelModel)? {
            guard let path = path.map(context.resolve) else { return nil }
            context.files.append(path)
            return try LabelModels.read(from: path)
        }
        let domainModel = try model(settings.domainModel), qualityModel = try model(settings.qualityModel)
        let fieldsModel = try model(settings.model)
        var domains: Set<String>?
        if let path = settings.taxonomy.map(context.resolve) {
            context.files.append(path)
            domains = Set(try DomainTaxonomy.load(path).domains.map(\.name))
        }
        return try LabelStage(domainModel: domainModel, qualityModel: qualityModel, fieldsModel: fieldsModel,
                              settings: settings.labelSettings(taxonomy: domains))
    }
}
