import Foundation
import SieveCore
@testable import SieveFilters
import SieveText
import XCTest

/// Each filter's rules on texts whose measurements are known, bad input, filter sets
/// from TOML, and the stage. Punkt without a model, so nothing here needs ../shared.
final class FilterRulesTests: XCTestCase {
    let splitter = WordSplitter.punkt(PunktSentenceSplitter(parameters: .empty))

    func evaluate(_ filter: any QualityFilter, _ text: String) -> [RuleFailure] {
        var t = FilterText(text, splitter: splitter)
        return filter.evaluate(&t)
    }

    func rules(_ failures: [RuleFailure]) -> [String] { failures.map(\.rule) }

    /// 70 words of English prose with the stop words, no repeats: passes every rule.
    let prose = """
        The old lighthouse keeper climbed the spiral stairs every evening with a lantern in hand.
        Ships that passed the rocky coast relied on his light to find their way home safely.
        During the long winter storms he would write letters to his daughter across the sea.
        She kept every one of them in a wooden box and read them again when spring arrived.
        Years later the light was automated, but the letters remain with the family today.
        """

    func testGopherQualityMeasures() {
        XCTAssertEqual(evaluate(GopherQuality(), prose), [])
        // 9 words: too few; mean length of "aaaaaaaaaaaa" words is 12; no stop words.
        let short = evaluate(GopherQuality(), "aaaaaaaaaaaa bbbbbbbbbbbb cccccccccccc dddddddddddd eeeeeeeeeeee ffffffffffff gggggggggggg hhhhhhhhhhhh iiiiiiiiiiii")
        XCTAssertEqual(short.map(\.reason), ["gopher_quality:word_count", "gopher_quality:mean_word_length", "gopher_quality:stop_words"])
        XCTAssertEqual(short[0].value, 9)
        XCTAssertEqual(short[0].threshold, 50)
        XCTAssertEqual(short[1].value, 12)
        // Hashes: 10 '#' among 60 words of prose = ratio 10/70 (each '#' is a word too).
        let hashes = prose + "\n" + String(repeating: "# ", count: 10)
        let failure = evaluate(GopherQuality(), hashes).first { $0.rule == "hash_ratio" }
        XCTAssertEqual(failure?.value ?? 0, 10.0 / Double(splitter.words(CodePoints.of(hashes)).count), accuracy: 1e-12)
        // Bullets: more than 90% of lines start with • or -.
        let bullets = (0..<20).map { "- item \($0) of the list with the words to have and be" }.joined(separator: "\n")
        XCTAssertTrue(rules(evaluate(GopherQuality(), bullets)).contains("bullet_lines"))
        // Ellipsis lines: more than 30% end with ... or …
        let ellipses = prose + "\nAnd then…\nAnd so...\nWhat next…"
        XCTAssertTrue(rules(evaluate(GopherQuality(), ellipses)).contains("ellipsis_lines"))
        // Stop words are matched with their case: "The" is not "the".
        var gopher = GopherQuality()
        gopher.minDocWords = 0
        XCTAssertEqual(rules(evaluate(gopher, "The The The cat")), ["stop_words"])
    }

    func testGopherRepetitionMeasures() {
        XCTAssertEqual(evaluate(GopherRepetition(), prose).map(\.rule), [])
        // 4 paragraphs, 2 repeats: fraction 0.5 by count.
        let paragraphs = "one two three\n\nfour five six\n\none two three\n\none two three"
        let failures = evaluate(GopherRepetition(), paragraphs)
        XCTAssertEqual(failures.first?.rule, "dup_para_frac")
        XCTAssertEqual(failures.first?.value ?? 0, 0.5, accuracy: 1e-12)
        // Characters in duplicate paragraphs: 2 × 13 of 58.
        XCTAssertEqual(failures.first { $0.rule == "dup_para_char_frac" }?.value ?? 0, 26.0 / 58.0, accuracy: 1e-12)
        // The most frequent 2-gram: "a b" (3 characters) 50 times in 200 words.
        let grams = Array(repeating: "a b", count: 50).joined(separator: " ") + " " + (0..<100).map { "w\($0)" }.joined(separator: " ")
        let top = evaluate(GopherRepetition(), grams).first { $0.rule == "top_2_gram" }
        XCTAssertEqual(top?.value ?? 0, 150.0 / Double(grams.unicodeScalars.count), accuracy: 1e-12)
        // n-grams joined without spaces: ["ab","c",…] repeats ["a","bc",…] (as datatrove).
        var repetition = GopherRepetition()
        repetition.dupNGrams = [(2, 0.0)]
        let joined = evaluate(repetition, "ab c a bc").first { $0.rule == "dup_2_gram" }
        XCTAssertEqual(joined?.value ?? 0, 3.0 / 9.0, accuracy: 1e-12)
    }

    func testC4RemovesLinesAndCountsSentences() {
        let text = """
            A menu line
            This line has terminal punctuation and enough words. It has two sentences.
            Enable JavaScript to view this site, please.
            We use cookies and our privacy policy applies here.
            The citation is removed here[1] and here[edit] and there[citation needed].
            One more good line is here. And another sentence! Last one?
            """
        var t = FilterText(text, splitter: splitter)
        XCTAssertEqual(C4Quality().evaluate(&t), [])
        XCTAssertEqual(t.string, """
            This line has terminal punctuation and enough words. It has two sentences.
            The citation is removed here and here and there.
            One more good line is here. And another sentence! Last one?
            """)
        XCTAssertEqual(rules(evaluate(C4Quality(), "Lorem ipsum dolor sit amet, consectetur adipiscing.")),
                       ["lorem_ipsum", "too_few_sentences"])
        XCTAssertEqual(rules(evaluate(C4Quality(), text + "\nfunction f() { return 1; } is code here.")),
                       ["curly_bracket"])
        let few = evaluate(C4Quality(), "Only one sentence with words here.")
        XCTAssertEqual(few.map(\.rule), ["too_few_sentences"])
        XCTAssertEqual(few[0].value, 1)
    }

    func testFineWebMeasures() {
        XCTAssertEqual(evaluate(FineWebQuality(), prose), [])
        // No line ends in punctuation; all lines are short; 3 newlines for 6 words.
        let list = "apples\npears\nplums\nfigs and dates"
        XCTAssertEqual(rules(evaluate(FineWebQuality(), list)), ["line_punct_ratio", "short_line_ratio", "list_ratio"])
        // Duplicate lines: 25 characters of 75 (newlines not counted).
        let dup = "This is a line that ends.\nThis is a line that ends.\nAnd this other one ends too."
        let failure = evaluate(FineWebQuality(), dup).first { $0.rule == "char_dup_ratio" }
        XCTAssertEqual(failure?.value ?? 0, 25.0 / 78.0, accuracy: 1e-12)
        // Terminal punctuation of other scripts counts: Devanagari danda, ideographic stop.
        XCTAssertFalse(rules(evaluate(FineWebQuality(), "यह एक वाक्य है और यह लंबा वाक्य है।\n这是一个句子，而且这是一个很长的句子。")).contains("line_punct_ratio"))
    }

    /// Bad input has a defined outcome and never traps (datatrove divides by zero on an
    /// empty document).
    func testBadInput() {
        let filters: [any QualityFilter] = [GopherQuality(), GopherRepetition(), C4Quality(), FineWebQuality()]
        XCTAssertEqual(filters.map { evaluate($0, "").first?.reason },
                       ["gopher_quality:word_count", "gopher_repetition:empty", "c4:too_few_sentences", "fineweb:empty"])
        XCTAssertEqual(filters.map { evaluate($0, " \n\t\n ").first?.reason },
                       ["gopher_quality:word_count", "gopher_repetition:dup_line_frac", "c4:too_few_sentences", "fineweb:empty"])
        // All punctuation: no word holds a letter.
        let punctuation = String(repeating: "!?... ,;: -- (( )) ", count: 50)
        let gopher = evaluate(GopherQuality(), punctuation)
        XCTAssertEqual(gopher.first?.rule, "word_count")
        XCTAssertTrue(gopher.contains { $0.rule == "alpha_words" && $0.value == 0 })
        XCTAssertEqual(evaluate(FineWebQuality(), punctuation).first?.rule, "line_punct_ratio")
        // One enormous line (4 MB, 600,000 words): measured, in bounded time.
        let words = (0..<600_000).map { "w\($0 % 1000)" }.joined(separator: " ")
        let start = Date()
        let big = evaluate(GopherRepetition(), words)
        XCTAssertTrue(big.contains { $0.rule == "dup_5_gram" })
        XCTAssertEqual(evaluate(GopherQuality(), words).first?.rule, "word_count")
        XCTAssertEqual(evaluate(GopherQuality(), words).first?.value, 600_000)
        XCTAssertLessThan(Date().timeIntervalSince(start), 60)
        // Text in a script no language model knows (Cuneiform): the [default] settings.
        let set = try! FilterSet(root: try! TOML.parse("[[filter]]\ntype = \"gopher_quality\""))
        var t = FilterText("𒀀𒀁 𒀂𒀃 𒀄", splitter: set.filters(for: "xsux_Xsux").splitter)
        XCTAssertEqual(set.filters(for: "xsux_Xsux").filters[0].evaluate(&t).first?.rule, "word_count")
    }

    func testFilterSetsFromTOML() throws {
        let languages = try TOML.parse("""
            [deu_Latn]
            [deu_Latn.gopher_quality]
            min_doc_words = 3
            stop_words = ["und", "die"]
            [zho_Hans]
            words = "icu"
            icu_locale = "zh"
            [arabic.gopher_quality]
            min_doc_words = 2
            """)
        let set = try FilterSet(root: try TOML.parse("[[filter]]\ntype = \"gopher_quality\"\nmin_doc_words = 5"),
                                languageTables: languages)
        // A language without a table of its own takes its group's (the langid stage's
        // language_group), else [default].
        var egyptian = FilterText("كلمة واحدة ثلاث", splitter: set.filters(for: "arz_Arab", group: "arabic").splitter)
        XCTAssertFalse(set.filters(for: "arz_Arab", group: "arabic").filters[0].evaluate(&egyptian).map(\.threshold).contains(5))
        var ungrouped = FilterText("كلمة واحدة ثلاث", splitter: set.filters(for: "arz_Arab").splitter)
        XCTAssertTrue(set.filters(for: "arz_Arab").filters[0].evaluate(&ungrouped).map(\.threshold).contains(5))
        var german = FilterText("Hund und die Katze", splitter: set.filters(for: "deu_Latn").splitter)
        XCTAssertEqual(set.filters(for: "deu_Latn").filters[0].evaluate(&german), [])
        var english = FilterText("Hund und die Katze", splitter: set.filters(for: nil).splitter)
        XCTAssertEqual(set.filters(for: nil).filters[0].evaluate(&english).first?.threshold, 5)
        guard case .icu = set.filters(for: "zho_Hans").splitter else { return XCTFail("zho_Hans splits with ICU") }
        // Mistakes are named.
        func error(_ root: String, _ languages: String = "") -> String {
            do {
                _ = try FilterSet(root: try TOML.parse(root), languageTables: try TOML.parse(languages))
                return "no error"
            } catch { return "\(error)" }
        }
        XCTAssertTrue(error("[[filter]]\ntype = \"gopher\"").contains("unknown filter type gopher"))
        XCTAssertTrue(error("[[filter]]\ntype = \"c4\"\nmin_sentences = 3").contains("c4: unknown key \"min_sentences\"; did you mean \"min_num_sentences\"?"))
        XCTAssertTrue(error("[[filter]]\ntype = \"fineweb\"\nline_punct_thr = \"x\"").contains("line_punct_thr must be a number"))
        XCTAssertTrue(error("[[filter]]\ntype = \"c4\"", "[fra_Latn]\nwords = \"spaces\"").contains("words must be"))
        XCTAssertTrue(error("threshold = 1").contains("filter set: unknown key \"threshold\" (known keys: allow_missing_sentence_models, default_language, filter, languages, nltk_data)"))
        XCTAssertTrue(error("[[filter]]\ntype = \"c4\"", "[fra_Latn]\nword = \"icu\"").contains("[fra_Latn]: unknown key \"word\"; did you mean \"words\"?"))
        XCTAssertTrue(error("").contains("no [[filter]]"))
    }

    func testStageDropsWithReasonsAndKeepsRewrittenText() throws {
        let set = try FilterSet(root: try TOML.parse("[[filter]]\ntype = \"gopher_quality\"\n[[filter]]\ntype = \"c4\""))
        let stage = FilterStage(set: set)
        var context = StageContext(stage: stage.name)
        let good = Document(id: "good", text: prose + "\nshort line",
                            source: "s", metadata: [JSONMember("language", .string("eng_Latn"))])
        let bad = Document(id: "bad", text: "Too short.", source: "s")
        let out = stage.process([bad, good], context: &context)
        XCTAssertEqual(out.map(\.id), ["good"])
        XCTAssertEqual(out.first?.text, prose)
        XCTAssertEqual(context.drops, ["filter:gopher_quality:word_count": 1])
        XCTAssertEqual(context.repairs, ["filter:c4:lines_removed": 1])
    }
}

extension FilterRulesTests {
    /// A languages file naming a model whose folder lacks a file: the set refuses to load,
    /// naming the language and how to install it, unless it allows missing models; then
    /// it says so and the language splits sentences without a model.
    func testIncompletePunktModelIsReportedMissing() throws {
        let dir = NSTemporaryDirectory() + "sieve-punkt-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/tokenizers/punkt_tab/english", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/tokenizers/punkt_tab/english/abbrev_types.txt", contents: Data("dr\n".utf8))
        XCTAssertThrowsError(try FilterSet(root: try TOML.parse("[[filter]]\ntype = \"fineweb\""),
                                           languageTables: try TOML.parse("[eng_Latn]\npunkt = \"english\""), nltkData: [dir])) {
            XCTAssertTrue("\($0)".contains("NLTK Punkt sentence models not installed for: english. Install them with"), "\($0)")
            XCTAssertTrue("\($0)".contains("allow_missing_sentence_models = true"), "\($0)")
        }
        let set = try FilterSet(root: try TOML.parse("allow_missing_sentence_models = true\n[[filter]]\ntype = \"fineweb\""),
                                languageTables: try TOML.parse("[eng_Latn]\npunkt = \"english\""), nltkData: [dir])
        XCTAssertEqual(set.missingPunktModels, ["english"])
        XCTAssertEqual(set.filters(for: "eng_Latn").splitter.sentenceCount(CodePoints.of("Dr. Who came. Yes.")), 3)
    }
}
