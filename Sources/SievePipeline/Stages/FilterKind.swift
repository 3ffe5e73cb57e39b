import SieveCore
import SieveFilters

/// `[[stage]] type = "filter"`: `FilterStage` with the configured filter set (the shipped
/// `filters/default.toml` by default).
public enum FilterKind: StageKind {
    public static let type = "filter"

    public static func make(_ settings: FilterStage.Settings, context: inout StageBuildContext) throws -> any Stage {
        let path = try settings.filters.map(context.resolve) ?? ShippedFile.path("filters", "default.toml")
        let set = try FilterSet(contentsOfFile: path, nltkData: settings.nltkData.map(context.resolve))
        if !set.missingPunktModels.isEmpty {
            context.warnings.append("""
                NLTK Punkt models not installed: \(set.missingPunktModels.joined(separator: ", ")); \
                those languages split sentences without one, as the filter set allows (docs/filters.md)
                """)
        }
        context.files += set.files
        return FilterStage(set: set)
    }
}
