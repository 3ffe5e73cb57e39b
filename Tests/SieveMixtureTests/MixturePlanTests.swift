import Foundation
@testable import SieveMixture
@testable import SieveShards
import SieveFiles
import SieveIO
import SieveTestSupport
import XCTest

/// Every strategy against values computed by hand on a small corpus: eng_Latn 1,000
/// tokens (web 800, math 200), swh_Latn 100 (web), yor_Latn 10 (web); budget 550.
final class MixturePlanTests: XCTestCase {
    static let known: Set<String> = ["eng_Latn", "swh_Latn", "yor_Latn", "fra_Latn"]

    static func availability() -> Availability {
        Availability(shards: [
            .init(prefix: "/s/eng/web/0", language: "eng_Latn", domain: "web", tokens: 500),
            .init(prefix: "/s/eng/web/1", language: "eng_Latn", domain: "web", tokens: 300),
            .init(prefix: "/s/eng/math/0", language: "eng_Latn", domain: "math", tokens: 200),
            .init(prefix: "/s/swh/web/0", language: "swh_Latn", domain: "web", tokens: 100),
            .init(prefix: "/s/yor/web/0", language: "yor_Latn", domain: "web", tokens: 10),
        ])
    }

    func plan(_ configure: (inout StageRequest) -> Void) throws -> [String: Int64] {
        var request = StageRequest(name: "general", budget: 550)
        request.maxEpochs = 4
        configure(&request)
        let stage = try MixturePlanner.plan(request, availability: Self.availability(), knownLanguages: Self.known)
        XCTAssertEqual(stage.targets.reduce(0) { $0 + $1.target }, request.budget, "the budget is met exactly")
        for t in stage.targets {
            if let cap = request.maxEpochs { XCTAssertLessThanOrEqual(t.epochs, cap + 1e-9, "\(t.language)/\(t.domain)") }
            XCTAssertEqual(t.share, Double(t.target) / Double(request.budget), accuracy: 1e-12)
        }
        return Dictionary(uniqueKeysWithValues: stage.targets.map { ("\($0.language)/\($0.domain)", $0.target) })
    }

    /// Weights 1000:100:10 -> 495.50, 49.55, 4.95; whole tokens by largest remainder
    /// (yor .95, swh .55 get the two left over); eng split 4:1 between web and math.
    func testProportional() throws {
        XCTAssertEqual(try plan { $0.strategy = .proportional },
                       ["eng_Latn/web": 396, "eng_Latn/math": 99, "swh_Latn/web": 50, "yor_Latn/web": 5])
    }

    /// τ = 0.5: weights √1000 : √100 : √10 = 31.623 : 10 : 3.162 (sum 44.785) ->
    /// 388.36, 122.81, 38.84 -> 388, 123, 39; eng 388 -> web 310.4, math 77.6 -> 310, 78.
    func testTemperature() throws {
        XCTAssertEqual(try plan { $0.strategy = .temperature; $0.temperature = 0.5 },
                       ["eng_Latn/web": 310, "eng_Latn/math": 78, "swh_Latn/web": 123, "yor_Latn/web": 39])
    }

    /// UniMax: 550 / 3 = 183.3 each, but yor may take only 4 × 10 = 40, so the other
    /// two get (550 - 40) / 2 = 255 each; eng 255 -> web 204, math 51.
    func testUniMax() throws {
        XCTAssertEqual(try plan { $0.strategy = .unimax },
                       ["eng_Latn/web": 204, "eng_Latn/math": 51, "swh_Latn/web": 255, "yor_Latn/web": 40])
    }

    /// By group, with swh and yor one group `xy` (110 tokens): UniMax gives eng and xy
    /// 275 each; xy's 275 goes to swh and yor by their tokens, 250 and 25, both 2.5 epochs.
    /// An override names the group: xy pinned at 0.2 is 110 tokens, one epoch of each.
    func testPlansByGroupSplitEachGroupByTokens() throws {
        var request = StageRequest(name: "general", budget: 550)
        request.maxEpochs = 4
        request.byGroup = true
        let groupOf = ["swh_Latn": "xy", "yor_Latn": "xy"]
        func targets(_ request: StageRequest) throws -> [String: Int64] {
            let stage = try MixturePlanner.planByGroup(request, availability: Self.availability(), groupOf: groupOf, knownLanguages: Self.known)
            XCTAssertEqual(stage.targets.reduce(0) { $0 + $1.target }, request.budget)
            XCTAssertEqual(stage.targets.map(\.language), stage.targets.map(\.language).sorted())
            return Dictionary(uniqueKeysWithValues: stage.targets.map { ("\($0.language)/\($0.domain)", $0.target) })
        }
        XCTAssertEqual(try targets(request), ["eng_Latn/web": 220, "eng_Latn/math": 55, "swh_Latn/web": 250, "yor_Latn/web": 25])
        var pinned = request
        pinned.languages = ["xy": LanguageOverride(share: 0.2)]
        XCTAssertEqual(try targets(pinned), ["eng_Latn/web": 352, "eng_Latn/math": 88, "swh_Latn/web": 100, "yor_Latn/web": 10])
        var member = request
        member.languages = ["yor_Latn": LanguageOverride(share: 0.2)]
        XCTAssertThrowsError(try targets(member)) { XCTAssertTrue("\($0)".contains("name the group xy, not yor_Latn"), "\($0)") }
        // The plan file keeps that the stage was planned by group.
        let plan = MixturePlan(manifest: "m", seed: 1, stages: [try MixturePlanner.planByGroup(
            request, availability: Self.availability(), groupOf: groupOf, knownLanguages: Self.known)])
        XCTAssertEqual(try MixturePlan(toml: plan.toml()).stages[0].request.byGroup, true)
        XCTAssertEqual(try StageRequests.parse("[[stage]]\nlanguage_groups = true\n", defaults: request)[0].byGroup, true)
        XCTAssertThrowsError(try StageRequests.parse("[[stage]]\nlanguage_groups = 1\n", defaults: request))
    }

    /// math × 3 inside eng: weights 800 : 600 -> 145.71, 109.29 -> 146, 109.
    func testDomainMultiplier() throws {
        XCTAssertEqual(try plan { $0.domains = ["math": DomainOverride(multiplier: 3)] },
                       ["eng_Latn/web": 146, "eng_Latn/math": 109, "swh_Latn/web": 255, "yor_Latn/web": 40])
        // Multiplier 0 leaves math out, also from what eng has available.
        XCTAssertEqual(try plan { $0.domains = ["math": DomainOverride(multiplier: 0)] },
                       ["eng_Latn/web": 255, "swh_Latn/web": 255, "yor_Latn/web": 40])
    }

    /// swh pinned at 0.5 -> 275; the other 275 by UniMax: yor capped at 40, eng 235.
    /// A cap of 0.3 on eng; a floor of 0.2 on yor (110 tokens > 4 epochs of yor) is refused.
    func testPinnedSharesFloorsAndCaps() throws {
        XCTAssertEqual(try plan { $0.languages = ["swh_Latn": LanguageOverride(share: 0.5)] },
                       ["eng_Latn/web": 188, "eng_Latn/math": 47, "swh_Latn/web": 275, "yor_Latn/web": 40])
        // eng capped at 0.3 (165): swh takes the rest, 550 - 165 - 40 = 345 (under its 400 cap).
        XCTAssertEqual(try plan { $0.languages = ["eng_Latn": LanguageOverride(maxShare: 0.3)] },
                       ["eng_Latn/web": 132, "eng_Latn/math": 33, "swh_Latn/web": 345, "yor_Latn/web": 40])
        XCTAssertThrowsError(try plan { $0.languages = ["yor_Latn": LanguageOverride(minShare: 0.2)] }) {
            XCTAssertTrue("\($0)".contains("yor_Latn needs 110 tokens"), "\($0)")
        }
        XCTAssertThrowsError(try plan { $0.languages = ["eng_Latn": LanguageOverride(share: 0.7), "swh_Latn": LanguageOverride(minShare: 0.4)] }) {
            XCTAssertEqual($0 as? MixtureError, .sharesAboveOne(stage: "general", total: 1.1))
        }
    }

    /// Domain totals across languages: math pinned at 0.3 (165 of eng's 255, the only
    /// language with math); a floor of 0.1 raises math from 51 to 55; a cap of 0.05 lowers
    /// it to 27.5 -> 28 (web 227); pinned at 0.5 (275 > eng's 255) is refused.
    func testDomainSharesFloorsAndCaps() throws {
        XCTAssertEqual(try plan { $0.domains = ["math": DomainOverride(share: 0.3)] },
                       ["eng_Latn/web": 90, "eng_Latn/math": 165, "swh_Latn/web": 255, "yor_Latn/web": 40])
        XCTAssertEqual(try plan { $0.domains = ["math": DomainOverride(minShare: 0.1)] },
                       ["eng_Latn/web": 200, "eng_Latn/math": 55, "swh_Latn/web": 255, "yor_Latn/web": 40])
        XCTAssertEqual(try plan { $0.domains = ["math": DomainOverride(maxShare: 0.05)] },
                       ["eng_Latn/web": 227, "eng_Latn/math": 28, "swh_Latn/web": 255, "yor_Latn/web": 40])
        XCTAssertThrowsError(try plan { $0.domains = ["math": DomainOverride(share: 0.5)] }) {
            XCTAssertTrue("\($0)".contains("domain math cannot get 275"), "\($0)")
        }
        XCTAssertThrowsError(try plan { $0.domains = ["math": DomainOverride(share: 0.6), "web": DomainOverride(minShare: 0.5)] }) {
            XCTAssertEqual($0 as? MixtureError, .sharesAboveOne(stage: "general", total: 1.1))
        }
    }

    /// 5,000 tokens exceed 4 epochs of everything (4,440); each language's shortfall is
    /// what the uniform split (1,666.7) wants beyond its cap: swh 1,267, yor 1,627.
    func testBudgetBeyondTheEpochCapReportsShortfalls() throws {
        XCTAssertThrowsError(try plan { $0.budget = 5000 }) { error in
            guard case .budgetTooLarge(_, let budget, let maximum, let shortfalls)? = error as? MixtureError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(budget, 5000)
            XCTAssertEqual(maximum, 4440)
            XCTAssertEqual(shortfalls.map(\.language), ["swh_Latn", "yor_Latn"])
            XCTAssertEqual(shortfalls.map(\.tokens), [1267, 1627])
        }
    }

    func testUnknownLanguagesAndDomainsAreNamed() throws {
        XCTAssertThrowsError(try plan { $0.languages = ["xxx_Latn": LanguageOverride(share: 0.1)] }) {
            XCTAssertTrue("\($0)".contains("xxx_Latn"), "\($0)")
        }
        XCTAssertThrowsError(try plan { $0.domains = ["poetry": DomainOverride(multiplier: 2)] }) {
            XCTAssertTrue("\($0)".contains("poetry"), "\($0)")
        }
    }

    /// Any budget up to the cap: met exactly, no group above the epoch cap.
    func testBudgetsAreMetAndCapsHoldForEveryStrategy() throws {
        for strategy in Strategy.allCases {
            for budget in stride(from: Int64(1), through: 4440, by: 37) {
                _ = try plan { $0.strategy = strategy; $0.budget = budget }
            }
        }
    }

    /// No epoch cap (bounds infinite): the split is still finite and exact; eng and swh
    /// share the budget evenly under UniMax, yor taking as much as them.
    func testWithoutAnEpochCap() throws {
        XCTAssertEqual(try plan { $0.maxEpochs = nil; $0.budget = 900 },
                       ["eng_Latn/web": 240, "eng_Latn/math": 60, "swh_Latn/web": 300, "yor_Latn/web": 300])
    }

    func testTokenCounts() {
        XCTAssertEqual(MixturePlanner.parseTokens("36T"), 36_000_000_000_000)
        XCTAssertEqual(MixturePlanner.parseTokens("2.5b"), 2_500_000_000)
        XCTAssertEqual(MixturePlanner.parseTokens("1000"), 1000)
        XCTAssertNil(MixturePlanner.parseTokens("lots"))
    }

    /// Stages from an overrides file, the plan file read back, and the exports: weights
    /// spread over shards by their tokens, summing to 1 per stage, the same bytes twice.
    func testOverridesPlanFileAndExports() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let manifest = dir.file("manifest.sqlite")
        let db = try SQLiteDatabase(path: manifest, mode: .readWriteCreate)
        try db.execute(Manifest.schemaSQL)
        for (i, shard) in Self.availability().shards.enumerated() {
            let path = "shards/\(shard.language)/\(shard.domain)/\(i)"
            try db.query("INSERT INTO shards (path, kind, language, domain, task_index, documents, tokens, sequences, bytes) VALUES (?, 'documents', ?, ?, 0, 1, ?, 1, 0)",
                         [.text(path), .text(shard.language), .text(shard.domain), .int(shard.tokens)])
            // One document of all the shard's tokens, for the long-context stage.
            try makeDirectories(dir.file("shards/\(shard.language)/\(shard.domain)"))
            try writeFileAtomically(IndexedDataset.index(sequenceLengths: [Int32(shard.tokens)], documentIndices: [0, 1]),
                                    to: dir.file(path + ".idx"))
            try writeFileAtomically([UInt8](repeating: 0, count: Int(shard.tokens) * 4), to: dir.file(path + ".bin"))
        }
        let overrides = """
            [[stage]]
            name = "general"
            budget = "550"
            strategy = "unimax"
            [stage.languages.swh_Latn]
            share = 0.5

            [[stage]]
            name = "long"
            budget = 1200
            strategy = "proportional"
            min_document_tokens = 150
            [stage.domains.math]
            multiplier = 2
            """
        var defaults = StageRequest(name: "x", budget: 0)
        defaults.maxEpochs = 4
        let requests = try StageRequests.parse(overrides, defaults: defaults)
        XCTAssertEqual(requests.map(\.name), ["general", "long"])
        let stages = try requests.map {
            try MixturePlanner.plan($0, availability: try Availability(manifest: manifest, minDocumentTokens: $0.minDocumentTokens),
                                    knownLanguages: Self.known)
        }
        // Long documents only: eng's shards of 500, 300 and 200 tokens (swh 100, yor 10 are too short).
        XCTAssertEqual(stages[1].targets.map(\.available), [200, 800])
        // Proportional over eng alone: 1,200 tokens, math weighted 400 : 800 web -> 400, 800.
        XCTAssertEqual(stages[1].targets.map(\.target), [400, 800])
        let plan = MixturePlan(manifest: manifest, seed: 7, stages: stages)
        let reread = try MixturePlan(toml: plan.toml())
        XCTAssertEqual(reread.stages.map(\.targets), plan.stages.map(\.targets))
        XCTAssertEqual(reread.stages.map(\.request.minDocumentTokens), [0, 150])
        XCTAssertEqual(reread.seed, 7)

        let weights = try MixtureExport.weights(reread)
        for stage in ["general", "long"] {
            XCTAssertEqual(weights.filter { $0.stage == stage }.reduce(0) { $0 + $1.weight }, 1, accuracy: 1e-9)
        }
        // eng/web's 188 tokens of the general stage: 500 : 300 over its two shards.
        let engWeb = weights.filter { $0.stage == "general" && $0.language == "eng_Latn" && $0.domain == "web" }
        XCTAssertEqual(engWeb.map(\.tokens), [118, 71])
        let megatron = try MixtureExport.megatron(reread)
        XCTAssertEqual(megatron.map(\.stage), ["general", "long"])
        XCTAssertTrue(megatron[0].dataArgs.hasPrefix("0.0854545454545 \(dir.path)/shards/eng_Latn/math/2\n"), megatron[0].dataArgs)
        XCTAssertEqual(try MixtureExport.megatron(reread).map(\.dataArgs), megatron.map(\.dataArgs))
        XCTAssertEqual(try MixtureExport.jsonl(reread), try MixtureExport.jsonl(plan))
        XCTAssertTrue(ShareChart.svg(reread).contains("<rect"))
    }
}

final class RehydrationTests: XCTestCase {
    /// FineWeb-2's table, size by size at every step's edge.
    func testWeightsAreStepsFromEachThreshold() throws {
        let w = Rehydration.fineWeb2
        XCTAssertEqual([1, 2, 3, 4, 5, 99, 100, 999, 1000, 1_000_000].map { w.weight(clusterSize: $0) },
                       [1, 2, 3, 3, 5, 5, 8, 8, 1, 1])
        XCTAssertEqual("\(w)", "1:1,2:2,3:3,5:5,100:8,1000:1")
        XCTAssertEqual(try Rehydration(" 1:1, 10:0.5 ").weight(clusterSize: 12), 0.5)
        XCTAssertEqual(try Rehydration("\(try Rehydration("1:1,10:0.5"))"), try Rehydration("1:1,10:0.5"))
        for bad in ["", "2:2", "1:1,1:2", "1:1,5:2,3:1", "1:-1", "1:x", "1-2", "1:1,"] {
            XCTAssertThrowsError(try Rehydration(bad), bad)
        }
    }

    /// Shards whose `.docs` carry cluster sizes: available tokens are each document's
    /// tokens times its weight, for long-context stages only the long documents; the plan
    /// file keeps the weights, so exports spread targets by the same rehydrated tokens.
    func testAvailabilityAndExportsCountTheCopies() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let manifest = dir.file("manifest.sqlite")
        let db = try SQLiteDatabase(path: manifest, mode: .readWriteCreate)
        try db.execute(Manifest.schemaSQL)
        // (tokens, cluster size) per document of two eng shards and one fra shard.
        let shards: [(String, String, [(Int, Int)])] = [
            ("shards/eng_Latn/web/0", "eng_Latn", [(100, 1), (50, 2), (10, 4), (20, 150)]),
            ("shards/eng_Latn/web/1", "eng_Latn", [(300, 1), (7, 5000)]),
            ("shards/fra_Latn/web/0", "fra_Latn", [(40, 3), (200, 1)]),
        ]
        for (path, language, documents) in shards {
            let tokens = documents.reduce(0) { $0 + $1.0 }
            try db.query("INSERT INTO shards (path, kind, language, domain, task_index, documents, tokens, sequences, bytes) VALUES (?, 'documents', ?, 'web', 0, ?, ?, ?, 0)",
                         [.text(path), .text(language), .int(Int64(documents.count)), .int(Int64(tokens)), .int(Int64(documents.count))])
            try makeDirectories(dir.file(String(path[..<path.lastIndex(of: "/")!])))
            try writeFileAtomically(DocumentTable.encode(documents.enumerated().map {
                ShardDocument(id: "\(path)#\($0.offset)", source: "s", tokens: $0.element.0, clusterSize: $0.element.1)
            }), to: dir.file(path + ".docs"))
        }
        let plain = try Availability(manifest: manifest)
        XCTAssertEqual(plain.shards.map(\.tokens), [180, 307, 240])
        var request = StageRequest(name: "general", budget: 1000)
        request.strategy = .proportional
        request.rehydration = .fineWeb2
        let rehydrated = try Availability(manifest: manifest, for: request)
        // 100·1 + 50·2 + 10·3 + 20·8 = 390; 300·1 + 7·1 = 307; 40·3 + 200·1 = 320.
        XCTAssertEqual(rehydrated.shards.map(\.tokens), [390, 307, 320])
        XCTAssertEqual(rehydrated.clusteredDocuments, 5)
        request.minDocumentTokens = 50
        XCTAssertEqual(try Availability(manifest: manifest, for: request).shards.map(\.tokens), [200, 300, 200])
        request.minDocumentTokens = 0

        let stage = try MixturePlanner.plan(request, availability: rehydrated, knownLanguages: MixturePlanTests.known)
        XCTAssertEqual(stage.targets.map(\.available), [697, 320])
        let plan = MixturePlan(manifest: manifest, seed: 1, stages: [stage])
        XCTAssertTrue(plan.toml().contains("rehydrate = \"1:1,2:2,3:3,5:5,100:8,1000:1\""), plan.toml())
        let reread = try MixturePlan(toml: plan.toml())
        XCTAssertEqual(reread.stages[0].request.rehydration, .fineWeb2)
        // eng's target (1000 · 697/1017 = 685) over its shards as 390 : 307.
        let eng = try MixtureExport.weights(reread).filter { $0.language == "eng_Latn" }
        XCTAssertEqual(eng.map(\.tokens), [383, 302])

        // Overrides: true is FineWeb-2's table, a string its own, false none.
        let defaults = StageRequest(name: "x", budget: 1)
        let requests = try StageRequests.parse("""
            [[stage]]
            rehydrate = true
            [[stage]]
            rehydrate = "1:1,2:4"
            [[stage]]
            rehydrate = false
            [[stage]]
            """, defaults: defaults)
        XCTAssertEqual(requests.map { $0.rehydration.map { "\($0)" } }, ["1:1,2:2,3:3,5:5,100:8,1000:1", "1:1,2:4", nil, nil])
        XCTAssertThrowsError(try StageRequests.parse("[[stage]]\nrehydrate = 2", defaults: defaults))
        XCTAssertThrowsError(try StageRequests.parse("[[stage]]\nrehydrate = \"2:1\"", defaults: defaults))
    }
}

final class PlanFileDamageTests: XCTestCase {
    /// A plan cut short or edited into something else is refused with what is missing;
    /// so are bad values in an overrides file.
    func testDamagedPlansAndOverridesAreRefused() throws {
        let stage = try MixturePlanner.plan(StageRequest(name: "general", budget: 100), availability: MixturePlanTests.availability(),
                                            knownLanguages: MixturePlanTests.known)
        let text = MixturePlan(manifest: "/m.sqlite", seed: 1, stages: [stage]).toml()
        XCTAssertThrowsError(try MixturePlan(toml: String(text.prefix(120)))) { XCTAssertTrue("\($0)".contains("stage"), "\($0)") }
        XCTAssertThrowsError(try MixturePlan(toml: text.replacingOccurrences(of: "target = ", with: "targets = "))) {
            XCTAssertTrue("\($0)".contains("lacks language, domain, available or target"), "\($0)")
        }
        XCTAssertThrowsError(try MixturePlan(toml: text + "\n[[stage]\n")) // not TOML
        let defaults = StageRequest(name: "x", budget: 1)
        XCTAssertThrowsError(try StageRequests.parse("[[stage]]\nbudget = \"lots\"", defaults: defaults)) {
            XCTAssertTrue("\($0)".contains("bad budget lots"), "\($0)")
        }
        XCTAssertThrowsError(try StageRequests.parse("[[stage]]\nstrategy = \"magic\"", defaults: defaults))
        XCTAssertThrowsError(try StageRequests.parse("[[stage]]\n[stage.languages.eng_Latn]\nshare = 1.5", defaults: defaults))
        XCTAssertThrowsError(try StageRequests.parse("[[stage]]\n[stage.domains.math]\nmultiplier = -1", defaults: defaults))
        XCTAssertThrowsError(try StageRequests.parse("name = 1", defaults: defaults))
    }
}
