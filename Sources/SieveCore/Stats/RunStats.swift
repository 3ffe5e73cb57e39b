/// Counts for one stage: what came in, what went out, and why the rest was dropped.
public struct StageStats: Sendable, Codable, Equatable {
    public var name: String
    public var documentsIn = 0
    public var bytesIn = 0
    public var documentsOut = 0
    public var bytesOut = 0
    /// Dropped documents by reason, `stage:rule`.
    public var drops: [String: Int] = [:]
    /// The same drops by reason, then by the document's `language` metadata (`und`
    /// when it has none), for the manifest's rejection counts.
    public var dropsByLanguage: [String: [String: Int]] = [:]
    /// Documents kept but changed to make them valid, by reason (`read:invalid_utf8`).
    public var repairs: [String: Int] = [:]
    /// Problems with whole inputs rather than documents (an unreadable file, a corrupt
    /// stream), by reason.
    public var errors: [String: Int] = [:]
    /// Wall-clock seconds spent in the stage, summed over worker threads.
    public var seconds = 0.0
    /// Counters a stage keeps by language, by name (`documents`, `mixed_script`), for the
    /// run report.
    public var countsByLanguage: [String: [String: Int]] = [:]
    /// Fixed-bin histograms by name: `language_score:CODE` (20 bins over [0, 1], the last
    /// including 1, by `observe`).
    public var histograms: [String: [Int]] = [:]
    /// Histograms by name, then by language: counts by bin, as many bins as used
    /// (`cluster_size`: dedup's clusters of two or more by the kept document's language,
    /// bin i counting clusters of 2^i + 1 … 2^(i+1) documents). The manifest's
    /// `histograms` table holds them.
    public var histogramsByLanguage: [String: [String: [Int]]] = [:]

    public init(name: String) { self.name = name }

    enum CodingKeys: String, CodingKey {
        case name, documentsIn = "documents_in", bytesIn = "bytes_in", documentsOut = "documents_out"
        case bytesOut = "bytes_out", drops, dropsByLanguage = "drops_by_language", repairs, errors, seconds
        case countsByLanguage = "counts_by_language", histograms
        case histogramsByLanguage = "histograms_by_language"
    }

    // The report-only fields are left out when empty and may be missing (older manifests).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        documentsIn = try c.decode(Int.self, forKey: .documentsIn)
        bytesIn = try c.decode(Int.self, forKey: .bytesIn)
        documentsOut = try c.decode(Int.self, forKey: .documentsOut)
        bytesOut = try c.decode(Int.self, forKey: .bytesOut)
        drops = try c.decode([String: Int].self, forKey: .drops)
        dropsByLanguage = try c.decode([String: [String: Int]].self, forKey: .dropsByLanguage)
        repairs = try c.decode([String: Int].self, forKey: .repairs)
        errors = try c.decode([String: Int].self, forKey: .errors)
        seconds = try c.decode(Double.self, forKey: .seconds)
        countsByLanguage = try c.decodeIfPresent([String: [String: Int]].self, forKey: .countsByLanguage) ?? [:]
        histograms = try c.decodeIfPresent([String: [Int]].self, forKey: .histograms) ?? [:]
        histogramsByLanguage = try c.decodeIfPresent([String: [String: [Int]]].self, forKey: .histogramsByLanguage) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(documentsIn, forKey: .documentsIn)
        try c.encode(bytesIn, forKey: .bytesIn)
        try c.encode(documentsOut, forKey: .documentsOut)
        try c.encode(bytesOut, forKey: .bytesOut)
        try c.encode(drops, forKey: .drops)
        try c.encode(dropsByLanguage, forKey: .dropsByLanguage)
        try c.encode(repairs, forKey: .repairs)
        try c.encode(errors, forKey: .errors)
        try c.encode(seconds, forKey: .seconds)
        if !countsByLanguage.isEmpty { try c.encode(countsByLanguage, forKey: .countsByLanguage) }
        if !histograms.isEmpty { try c.encode(histograms, forKey: .histograms) }
        if !histogramsByLanguage.isEmpty { try c.encode(histogramsByLanguage, forKey: .histogramsByLanguage) }
    }

    /// Adds one to bin `bin` of histogram `name` of `language`.
    public mutating func count(_ name: String, bin: Int, language: String) {
        var bins = histogramsByLanguage[name]?[language] ?? []
        if bins.count <= bin { bins += [Int](repeating: 0, count: bin + 1 - bins.count) }
        bins[bin] += 1
        histogramsByLanguage[name, default: [:]][language] = bins
    }

    /// Adds one to counter `name` of `language`.
    public mutating func count(_ name: String, language: String) {
        countsByLanguage[name, default: [:]][language, default: 0] += 1
    }

    /// Adds `value` (in [0, 1], clamped) to histogram `name` of `bins` bins.
    public mutating func observe(_ name: String, value: Double, bins: Int) {
        var histogram = histograms[name] ?? [Int](repeating: 0, count: bins)
        let bin = value.isNaN ? 0 : min(bins - 1, max(0, Int(value * Double(bins))))
        histogram[bin] += 1
        histograms[name] = histogram
    }

    /// Counts a dropped document under its reason and language.
    public mutating func countDrop(_ reason: String, language: String, count: Int = 1) {
        drops[reason, default: 0] += count
        dropsByLanguage[reason, default: [:]][language, default: 0] += count
    }

    mutating func merge(_ other: StageStats) {
        documentsIn += other.documentsIn
        bytesIn += other.bytesIn
        documentsOut += other.documentsOut
        bytesOut += other.bytesOut
        drops.merge(other.drops, uniquingKeysWith: +)
        dropsByLanguage.merge(other.dropsByLanguage) { $0.merging($1, uniquingKeysWith: +) }
        repairs.merge(other.repairs, uniquingKeysWith: +)
        errors.merge(other.errors, uniquingKeysWith: +)
        seconds += other.seconds
        countsByLanguage.merge(other.countsByLanguage) { $0.merging($1, uniquingKeysWith: +) }
        histograms.merge(other.histograms) { a, b in a.count == b.count ? zip(a, b).map(+) : a }
        histogramsByLanguage.merge(other.histogramsByLanguage) { mine, theirs in
            mine.merging(theirs) { a, b in
                (0..<max(a.count, b.count)).map { (a.indices.contains($0) ? a[$0] : 0) + (b.indices.contains($0) ? b[$0] : 0) }
            }
        }
    }
}

/// Something that went wrong with one input or record, kept as an example in the report.
public struct Incident: Sendable, Codable, Equatable {
    /// `stage:rule`, the same key the drop counts use.
    public var reason: String
    /// `path:line`, `path@offset` or a path.
    public var location: String
    public var message: String

    public init(reason: String, location: String, message: String) {
        self.reason = reason
        self.location = location
        self.message = message
    }
}

/// What was read from one input file.
public struct InputCounts: Sendable, Equatable, Codable {
    public var documentsRead = 0
    public var documentsFailed = 0
    /// The first problem with the whole file (`read:truncated_stream: …`), if any.
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case documentsRead = "documents_read", documentsFailed = "documents_failed", error
    }

    public init() {}

    public mutating func merge(_ other: InputCounts) {
        documentsRead += other.documentsRead
        documentsFailed += other.documentsFailed
        if error == nil { error = other.error }
    }
}

/// Statistics of a run or of a part of one (a batch, an input): per-stage counts in
/// pipeline order, and example incidents. Parts merge into the whole in input order,
/// so the totals do not depend on the thread count.
public struct RunStats: Sendable, Codable, Equatable {
    /// How many incidents of each reason are kept as examples.
    public static let examplesPerReason = 20

    public private(set) var stages: [StageStats] = []
    public private(set) var incidents: [Incident] = []
    /// Per input file (by path), for the manifest's inputs table; not in reports.
    public var inputs: [String: InputCounts] = [:]

    enum CodingKeys: String, CodingKey { case stages, incidents }

    public init() {}

    /// Read or change the stats of one stage, creating them on first use.
    public subscript(stage name: String) -> StageStats {
        get { stages.first { $0.name == name } ?? StageStats(name: name) }
        set {
            if let i = stages.firstIndex(where: { $0.name == name }) {
                stages[i] = newValue
            } else {
                stages.append(newValue)
            }
        }
    }

    /// Records a dropped record that never became a document (a malformed line, an
    /// unreadable file): counted under its stage and kept as an example.
    public mutating func recordFailure(stage: String, rule: String, location: String, message: String) {
        let reason = "\(stage):\(rule)"
        self[stage: stage].countDrop(reason, language: "und")
        addIncident(Incident(reason: reason, location: location, message: message))
    }

    /// Records a problem with a whole input (the documents it affects are counted
    /// separately) and keeps an example.
    public mutating func recordError(stage: String, rule: String, location: String, message: String) {
        let reason = "\(stage):\(rule)"
        self[stage: stage].errors[reason, default: 0] += 1
        if inputs[location]?.error == nil { inputs[location, default: InputCounts()].error = "\(reason): \(message)" }
        addIncident(Incident(reason: reason, location: location, message: message))
    }

    /// Records a repair (the document is kept) and keeps an example.
    public mutating func recordRepair(stage: String, rule: String, location: String, message: String) {
        let reason = "\(stage):\(rule)"
        self[stage: stage].repairs[reason, default: 0] += 1
        addIncident(Incident(reason: reason, location: location, message: message))
    }

    public mutating func addIncident(_ incident: Incident) {
        let seen = incidents.lazy.filter { $0.reason == incident.reason }.count
        if seen < Self.examplesPerReason { incidents.append(incident) }
    }

    /// Adds `other` (the next part in input order) to these stats.
    public mutating func merge(_ other: RunStats) {
        for stage in other.stages {
            if let i = stages.firstIndex(where: { $0.name == stage.name }) {
                stages[i].merge(stage)
            } else {
                stages.append(stage)
            }
        }
        for incident in other.incidents { addIncident(incident) }
        inputs.merge(other.inputs) { var a = $0; a.merge($1); return a }
    }

    /// These stats without stage `name`'s (a first pass's sink, which the run as a whole
    /// does not count).
    public func removing(stage name: String) -> RunStats {
        var copy = self
        copy.stages.removeAll { $0.name == name }
        return copy
    }

    /// Drop counts of all stages together, by reason.
    public var drops: [String: Int] {
        stages.reduce(into: [:]) { $0.merge($1.drops, uniquingKeysWith: +) }
    }

    /// Input error counts of all stages together, by reason.
    public var errors: [String: Int] {
        stages.reduce(into: [:]) { $0.merge($1.errors, uniquingKeysWith: +) }
    }

    /// Repair counts of all stages together, by reason.
    public var repairs: [String: Int] {
        stages.reduce(into: [:]) { $0.merge($1.repairs, uniquingKeysWith: +) }
    }
}
