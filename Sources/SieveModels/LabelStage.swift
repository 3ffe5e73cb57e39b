import Foundation
import SieveCore

/// The `label` stage (docs/labels.md): writes `domain` and `domain_score` (the domain
/// model's best label and its probability, or `other` below `minDomainScore`) and
/// `quality` (the quality model's probability of `qualityLabel`) into every document's
/// metadata, then drops documents whose quality is below their language's threshold
/// (rule `low_quality`). Either model may be absent. A third, `fieldsModel` (a fastText
/// model as published, DCLM's say), writes the probabilities of the labels `fields` names
/// under the metadata keys given, and drops documents below `minScores` (rule
/// `low_KEY`). Models are Sieve's classifiers or fastText's `.bin` and `.ftz` files.
public struct LabelStage: Stage {
    public let name = "label"
    public let domainModel: (any LabelModel)?
    public let qualityModel: (any LabelModel)?
    public let fieldsModel: (any LabelModel)?
    public let settings: LabelSettings
    let qualityIndex: Int
    /// (metadata key, label index, minimum) per field of `fieldsModel`.
    let fields: [(key: String, label: Int, minimum: Double?)]

    /// The domain a document gets when no domain reaches `minDomainScore`.
    public static let fallbackDomain = "other"
    /// Only the first bytes of a long document are read: enough for its topic and style,
    /// and a bound on the memory of one document's features.
    public static let maxTextBytes = 1 << 20

    public init(domainModel: (any LabelModel)?, qualityModel: (any LabelModel)?, fieldsModel: (any LabelModel)? = nil,
                settings: LabelSettings = LabelSettings()) throws {
        if let domainModel, domainModel.isMultiLabel {
            throw ModelError("the domain model is multi-label; the label stage needs one domain per document (softmax)")
        }
        var index = 0
        if let qualityModel {
            guard let i = qualityModel.labels.firstIndex(of: settings.qualityLabel) else {
                throw ModelError("the quality model has no label \"\(settings.qualityLabel)\" (it has \(qualityModel.labels.joined(separator: ", ")))")
            }
            index = i
        }
        if let taxonomy = settings.taxonomy, let domainModel {
            let unknown = domainModel.labels.filter { !taxonomy.contains($0) }
            guard unknown.isEmpty else {
                throw ModelError("the domain model's labels \(unknown.joined(separator: ", ")) are not in the taxonomy")
            }
        }
        var fields: [(key: String, label: Int, minimum: Double?)] = []
        if let fieldsModel {
            guard !settings.fields.isEmpty else { throw ModelError("a model for fields but no fields: name the labels to keep") }
            for (key, label) in settings.fields.sorted(by: { $0.key < $1.key }) {
                guard let i = fieldsModel.labels.firstIndex(of: label) else {
                    throw ModelError("the model has no label \"\(label)\" for field \(key) (it has \(fieldsModel.labels.prefix(20).joined(separator: ", "))\(fieldsModel.labels.count > 20 ? ", …" : ""))")
                }
                fields.append((key, i, settings.minScores[key]))
            }
            if let unknown = settings.minScores.keys.first(where: { settings.fields[$0] == nil }) {
                throw ModelError("min_scores names \(unknown), which is not one of the fields")
            }
        }
        self.domainModel = domainModel
        self.qualityModel = qualityModel
        self.fieldsModel = fieldsModel
        self.settings = settings
        self.fields = fields
        qualityIndex = index
    }

    public func process(_ documents: [Document], context: inout StageContext) -> [Document] {
        var domains = domainModel?.makePredictor()
        var quality = qualityModel?.makePredictor()
        var labeler = fieldsModel?.makePredictor()
        var kept: [Document] = []
        kept.reserveCapacity(documents.count)
        documents: for var document in documents {
            let text = Self.head(document.text)
            let language = document.language ?? "und"
            if domains != nil {
                let best = domains!.top(text, k: 1).first ?? (0, 0)
                let score = Double(best.probability)
                let domain = score >= settings.minDomainScore ? domainModel!.labels[best.label] : Self.fallbackDomain
                document.setMetadata(.domain, .string(domain))
                document.setMetadata(.domainScore, .number(Self.format(score)))
                context.count("domain:" + domain, language: language)
            }
            if quality != nil {
                let score = Double(quality!.probabilities(text)[qualityIndex])
                document.setMetadata(.quality, .number(Self.format(score)))
                context.observe("quality", value: score)
                if score < settings.minQuality(language) {
                    context.drop(document, rule: "low_quality")
                    continue
                }
            }
            if labeler != nil {
                let probabilities = labeler!.probabilities(text)
                for field in fields {
                    let score = Double(probabilities[field.label])
                    document.setMetadata(field.key, .number(Self.format(score)))
                    context.observe(field.key, value: score)
                }
                for field in fields where field.minimum.map({ Double(probabilities[field.label]) < $0 }) ?? false {
                    context.drop(document, rule: "low_" + field.key)
                    continue documents
                }
            }
            kept.append(document)
        }
        return kept
    }

    /// The text cut to `maxTextBytes` at a character boundary.
    static func head(_ text: String) -> String {
        let utf8 = text.utf8
        guard utf8.count > maxTextBytes else { return text }
        var end = utf8.index(utf8.startIndex, offsetBy: maxTextBytes)
        while UTF8.isContinuation(utf8[end]) { end = utf8.index(before: end) }
        return String(decoding: utf8[..<end], as: UTF8.self)
    }

    static func format(_ score: Double) -> String { String(format: "%.4f", score) }
}

/// What the `label` stage keeps and how it names domains.
public struct LabelSettings: Sendable, Equatable {
    /// Below this probability of its best domain, a document's domain is `other`.
    public var minDomainScore: Double = 0
    /// The quality model's label whose probability is the quality score.
    public var qualityLabel = "high"
    /// Documents below their language's threshold are dropped; a language not listed
    /// uses `minQualityDefault` (0 keeps everything).
    public var minQualityByLanguage: [String: Double] = [:]
    public var minQualityDefault: Double = 0
    /// The domains the domain model may name (the taxonomy file), or nil for any.
    public var taxonomy: Set<String>?
    /// Metadata key -> the label of the fields model whose probability it gets.
    public var fields: [String: String] = [:]
    /// Metadata key -> the probability below which a document is dropped (`low_KEY`).
    public var minScores: [String: Double] = [:]

    public init() {}

    public func minQuality(_ language: String) -> Double { minQualityByLanguage[language] ?? minQualityDefault }
}

/// The domains a domain model may name, with what each means (`models/domains.toml`,
/// docs/labels.md): `[[domain]]` tables with a `name` and a `description`.
public struct DomainTaxonomy: Sendable {
    public struct Domain: Sendable, Equatable {
        public var name: String
        public var description: String
    }

    public var domains: [Domain]

    public static func load(_ path: String) throws -> DomainTaxonomy {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError("\(path): cannot read the taxonomy") }
        let root: TOMLTable
        do { root = try TOML.parse(String(decoding: data, as: UTF8.self)) } catch { throw ModelError("\(path): \(error)") }
        guard case .array(let items)? = root["domain"], !items.isEmpty else { throw ModelError("\(path): no [[domain]] tables") }
        var domains: [Domain] = []
        for item in items {
            guard case .table(let table) = item, case .string(let name)? = table["name"], !name.isEmpty else {
                throw ModelError("\(path): every [[domain]] needs a name")
            }
            guard !domains.contains(where: { $0.name == name }), name != LabelStage.fallbackDomain else {
                throw ModelError("\(path): domain \(name) is listed twice (\(LabelStage.fallbackDomain) is implied)")
            }
            var description = ""
            if case .string(let text)? = table["description"] { description = text }
            domains.append(Domain(name: name, description: description))
        }
        return DomainTaxonomy(domains: domains)
    }
}
