import SieveCore
@testable import SievePipeline
import XCTest

final class PipelineConfigTests: XCTestCase {
    func config(_ stages: String) throws -> PipelineConfig {
        try PipelineConfig(toml: "[input]\npaths = [\"corpus\"]\n[output]\ndir = \"out\"\n" + stages, baseDirectory: "/cfg")
    }

    func message(_ stages: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try config(stages)
            XCTFail("decoded: \(stages)", file: file, line: line)
            return ""
        } catch {
            XCTAssert(error is SettingsError, "\(error)", file: file, line: line)
            return "\(error)"
        }
    }

    func testPathsResolveAgainstTheConfigurationsFolder() throws {
        let config = try PipelineConfig(toml: """
            [input]
            paths = ["corpus", "/abs/data"]
            [output]
            dir = "out"
            [run]
            threads = 3
            [[stage]]
            type = "dedup"
            """, baseDirectory: "/cfg")
        XCTAssertEqual(config.inputPaths, ["/cfg/corpus", "/abs/data"])
        XCTAssertEqual(config.outputDirectory, "/cfg/out")
        XCTAssertEqual(config.baseDirectory, "/cfg")
        XCTAssertEqual(config.threads, 3)
        XCTAssertEqual(config.stages.map(\.type), ["dedup"])
        XCTAssertEqual(config.resolvedOutputKind, .documents)
    }

    func testSectionsRejectUnknownKeysAndMissingOnes() {
        XCTAssertThrowsError(try PipelineConfig(toml: "[input]\npaths=[\"a\"]\ntext_feild=\"t\"\n[output]\ndir=\"o\"", baseDirectory: "")) {
            XCTAssertEqual("\($0)", "[input]: unknown key \"text_feild\"; did you mean \"text_field\"?")
        }
        XCTAssertThrowsError(try PipelineConfig(toml: "[output]\ndir=\"o\"", baseDirectory: "")) {
            XCTAssertEqual("\($0)", "[input]: missing key \"paths\" (the files and directories to read)")
        }
        XCTAssertThrowsError(try PipelineConfig(toml: "[input]\npaths=[\"a\"]\n[output]\ndir=\"o\"\ncompression=\"lz4\"", baseDirectory: "")) {
            XCTAssertEqual("\($0)", "[output]: key \"compression\" must be one of none, zstd, gzip, not \"lz4\"")
        }
        XCTAssertThrowsError(try PipelineConfig(toml: "[input]\npaths=[\"a\"]\n[output]\ndir=\"o\"\n[runn]\n", baseDirectory: "")) {
            XCTAssertEqual("\($0)", "the configuration: unknown key \"runn\"; did you mean \"run\"?")
        }
    }

    /// Every stage type rejects a key it does not know, naming the stage by number and type.
    func testEveryStageRejectsUnknownKeys() {
        let required = ["tokenize": "tokenizer = \"t.json\"\n", "perplexity": "model = \"m\"\n", "label": "domain_model = \"d.cls\"\n",
                        "decontaminate": "benchmarks = [\"evals\"]\n"]
        for kind in StageRegistry.standard.kinds {
            let type = kind.type
            let text = message("[[stage]]\ntype = \"dedup\"\n[[stage]]\ntype = \"\(type)\"\n\(required[type] ?? "")bogus_key = 1\n")
            XCTAssert(text.hasPrefix("stage 2 (\(type)): unknown key \"bogus_key\" (known keys: "), text)
        }
    }

    func testStageErrorsNameStageKeyAndExpectedType() {
        XCTAssertEqual(message("[[stage]]\ntype = \"langid\"\nmin_scor = 0.5\n"),
                       "stage 1 (langid): unknown key \"min_scor\"; did you mean \"min_score\"?")
        XCTAssertEqual(message("[[stage]]\ntype = \"langid\"\nmin_score = \"high\"\n"),
                       "stage 1 (langid): key \"min_score\" must be a number, not a string")
        XCTAssertEqual(message("[[stage]]\ntype = \"tokenize\"\n"),
                       "stage 1 (tokenize): missing key \"tokenizer\" (a string: the tokenizer.json, or sieve run --tokenizer)")
        XCTAssertEqual(message("[[stage]]\ntype = \"perplexity\"\n"),
                       "stage 1 (perplexity): missing key \"model\" (a string: a sieve model train --out folder, or an n-gram model (.arpa))")
        XCTAssertEqual(message("[[stage]]\ntype = \"dedup\"\nngram = 0\n"), "stage 1 (dedup): key \"ngram\" must be an integer in 1...64")
        XCTAssertEqual(message("[[stage]]\ntype = \"dedup\"\nshingle = \"line\"\n"),
                       "stage 1 (dedup): key \"shingle\" must be one of word, character, not \"line\"")
        XCTAssertEqual(message("[[stage]]\ntype = \"dedup\"\nexact = false\nminhash = false\n"),
                       "stage 1 (dedup): key \"minhash\" must be true when exact is false (one of them finds the duplicates)")
        XCTAssertEqual(message("[[stage]]\ntype = \"label\"\ndomain_model = \"d\"\nmin_qualities = { eng_Latn = 2 }\n"),
                       "stage 1 (label): key \"min_qualities.eng_Latn\" must be a number in 0...1")
        XCTAssertEqual(message("[[stage]]\ntype = \"label\"\n"),
                       "stage 1 (label): missing key \"domain_model\" (a classifier file; the stage needs domain_model, quality_model or model)")
        XCTAssertEqual(message("[[stage]]\ntype = \"label\"\nmodel = \"dclm.bin\"\n"),
                       "stage 1 (label): key \"fields\" must name the labels to keep when model is set (metadata key = label, e.g. quality_dclm = \"__label__hq\")")
        XCTAssertEqual(message("[[stage]]\ntype = \"label\"\ndomain_model = \"d\"\nfields = { q = \"__label__hq\" }\n"),
                       "stage 1 (label): key \"fields\" must be left out without model (fields are the labels of model)")
        XCTAssertEqual(message("[[stage]]\ntype = \"label\"\nmodel = \"m\"\nfields = { q = \"__label__hq\" }\nmin_scores = { q = 1.5 }\n"),
                       "stage 1 (label): key \"min_scores.q\" must be a number in 0...1")
        XCTAssertEqual(message("[[stage]]\ntype = \"perplexity\"\nmodel = \"m\"\nkeep = [\"top\"]\n"),
                       "stage 1 (perplexity): key \"keep\" takes head, middle, tail, not \"top\"")
        XCTAssertEqual(message("[[stage]]\ntype = \"normalize\"\nnfc = 1\n"), "stage 1 (normalize): key \"nfc\" must be true or false, not an integer")
        XCTAssertEqual(message("[[stage]]\ntype = \"filter\"\nnltk_data = 3\n"),
                       "stage 1 (filter): key \"nltk_data\" must be a string or an array of strings")
        XCTAssertEqual(message("[[stage]]\ntype = \"filtr\"\n"),
                       "stage 1: unknown stage type \"filtr\"; did you mean \"filter\"? (this build has: normalize, langid, filter, decontaminate, pii, dedup, label, tokenize, perplexity)")
        XCTAssertEqual(message("[[stage]]\nmodel = \"x\"\n"),
                       "stage 1: missing key \"type\" (a string: normalize, langid, filter, decontaminate, pii, dedup, label, tokenize, perplexity)")
        XCTAssertEqual(message("[[stage]]\ntype = \"decontaminate\"\nbenchmarks = [\"b\"]\naction = \"remove\"\n"),
                       "stage 1 (decontaminate): key \"action\" must be \"drop\" or \"flag\", not \"remove\"")
        XCTAssertEqual(message("[[stage]]\ntype = \"decontaminate\"\nbenchmarks = [\"b\"]\nn = 0\n"),
                       "stage 1 (decontaminate): key \"n\" must be an integer in 1...1000")
        XCTAssertEqual(message("[[stage]]\ntype = \"pii\"\nkinds = [\"email\", \"ssn\"]\n"),
                       "stage 1 (pii): key \"kinds\" takes email, ip, phone, card, iban, not \"ssn\"")
    }

    /// The fingerprint's text for a stage: its decoded settings, defaults filled in, keys
    /// sorted; the same however the file spells them, different when a setting differs.
    func testCanonicalEncodingOfStageSettings() throws {
        let a = try config("[[stage]]\ntype = \"dedup\"\n").stages[0].canonicalJSON()
        XCTAssertEqual(a, #"{"settings":{"bands":14,"exact":true,"minhash":true,"ngram":5,"rows":8,"seed":1,"shingle":"word","threshold":0.75,"verify":false},"type":"dedup"}"#)
        let b = try config("[[stage]]\nrows = 8\ntype = \"dedup\"\nthreshold = 0.75\nbands = 14\n").stages[0].canonicalJSON()
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, try config("[[stage]]\ntype = \"dedup\"\nbands = 13\n").stages[0].canonicalJSON())
        XCTAssertEqual(try config("[[stage]]\ntype = \"langid\"\nmin_scores = { b = 1, a = 0.5 }\n").stages[0].canonicalJSON(),
                       #"{"settings":{"keep_undetermined":false,"min_scores":{"a":0.5,"b":1}},"type":"langid"}"#)
        // Priors join the fingerprint only when set, so older configurations keep theirs.
        XCTAssertEqual(try config("[[stage]]\ntype = \"langid\"\npriors = { arb_Arab = 8 }\n").stages[0].canonicalJSON(),
                       #"{"settings":{"keep_undetermined":false,"min_scores":{},"priors":{"arb_Arab":8}},"type":"langid"}"#)
        XCTAssertEqual(message("[[stage]]\ntype = \"langid\"\npriors = { arb_Arab = 0 }\n"),
                       "stage 1 (langid): key \"priors.arb_Arab\" must be a number in 0.0001...10000")
        XCTAssertEqual(try config("[[stage]]\ntype = \"normalize\"\nnfc = false\n").stages[0].canonicalJSON(),
                       #"{"settings":{"controls":true,"line_endings":true,"nfc":false,"whitespace":true},"type":"normalize"}"#)
    }

    func testTypedSettingsCanBeChanged() throws {
        var config = try config("[[stage]]\ntype = \"dedup\"\n[[stage]]\ntype = \"tokenize\"\ntokenizer = \"a.json\"\n")
        XCTAssertEqual(config.resolvedOutputKind, .shards)
        XCTAssertFalse(config.stages[0].update(TokenizeKind.self) { $0.tokenizer = "b.json" })
        XCTAssertTrue(config.stages[1].update(TokenizeKind.self) { $0.tokenizer = "b.json" })
        XCTAssertEqual(config.stages[1].settings(of: TokenizeKind.self)?.tokenizer, "b.json")
        XCTAssertNil(config.stages[1].settings(of: DedupKind.self))
    }

    /// A stage that cannot be built (its file is missing) names the stage.
    func testBuildErrorsNameTheStage() throws {
        let config = try config("[[stage]]\ntype = \"dedup\"\n[[stage]]\ntype = \"tokenize\"\ntokenizer = \"missing.json\"\n")
        XCTAssertThrowsError(try PipelineRun(config: config, threads: 1)) { error in
            XCTAssert("\(error)".hasPrefix("stage 2 (tokenize): "), "\(error)")
        }
    }
}
