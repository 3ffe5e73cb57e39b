import SieveCore

/// Builds stages from `[[stage]]` tables of a pipeline configuration.
enum StageFactory {
    /// Stage types, by the `type` key. Each stage issue adds its own.
    static let types: [String: (TOMLTable) throws -> any Stage] = [:]

    static func stages(_ tables: [TOMLTable]) throws -> [any Stage] {
        try tables.map { table in
            guard case .string(let type)? = table["type"] else {
                throw CommandError(description: "a [[stage]] needs a type", isUsage: true)
            }
            guard let make = types[type] else {
                let known = types.keys.sorted()
                throw CommandError(description: "unknown stage type \"\(type)\"; this build has "
                                   + (known.isEmpty ? "no stages yet" : known.joined(separator: ", ")), isUsage: true)
            }
            return try make(table)
        }
    }
}
