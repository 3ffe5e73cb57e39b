import Foundation
import XCTest
import SieveCore
import SieveTestSupport
@testable import SieveTokenizer

final class TokenizerUnitTests: XCTestCase {
    /// A small byte-level tokenizer.json: 256 byte tokens plus merges.
    /// `reverseMergedIDs` numbers the merged tokens from the last merge to the first, so
    /// that their ids fall as the rank grows.
    func json(merges: [String], extraVocab: [String] = [], preTokenizer: String? = nil, model: String = "BPE",
              added: String = "[]", reverseMergedIDs: Bool = false) -> [UInt8] {
        var vocab: [String: Int] = [:]
        for b in 0..<256 { vocab[ByteLevel.string(of: [UInt8(b)])] = b }
        for m in merges {
            let token = m.replacingOccurrences(of: " ", with: "")
            if vocab[token] == nil { vocab[token] = vocab.count }
        }
        if reverseMergedIDs {
            for (token, id) in vocab where id >= 256 { vocab[token] = 256 + (vocab.count - 1 - id) }
        }
        for t in extraVocab where vocab[t] == nil { vocab[t] = vocab.count }
        let pre = preTokenizer ?? #"{"type":"ByteLevel","add_prefix_space":false,"use_regex":true}"#
        let object: [String: Any] = ["model": ["type": model, "vocab": vocab, "merges": merges], "added_tokens": []]
        var text = String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        text.removeLast()
        text += #","pre_tokenizer":\#(pre),"normalizer":null}"#
        text = text.replacingOccurrences(of: #""added_tokens":[]"#, with: #""added_tokens":\#(added)"#)
        return Array(text.utf8)
    }

    func testMalformedTokenizersAreRefusedWithTheReason() {
        func message(_ bytes: [UInt8]) -> String {
            do {
                _ = try Tokenizer(json: bytes)
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertTrue(message(Array("{".utf8)).contains("not valid JSON"))
        XCTAssertTrue(message(Array(#"{"vocab":{}}"#.utf8)).contains("no \"model\""))
        XCTAssertTrue(message(json(merges: [], model: "WordPiece")).contains("WordPiece is not supported"))
        XCTAssertTrue(message(json(merges: [], model: "Unigram")).contains("Unigram is not supported"))
        XCTAssertTrue(message(json(merges: ["a b", "ab zz"])).contains("not in the vocabulary"))
        XCTAssertTrue(message(json(merges: ["a b c"])).contains("is not two tokens"))
        XCTAssertTrue(message(json(merges: [], preTokenizer: #"{"type":"Whitespace"}"#)).contains("Whitespace is not supported"))
        let split = #"{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"\\s+"},"behavior":"Isolated","invert":false},{"type":"ByteLevel","add_prefix_space":false,"use_regex":false}]}"#
        XCTAssertTrue(message(json(merges: [], preTokenizer: split)).contains("is not one Sieve implements"))
        XCTAssertTrue(message(json(merges: [], added: #"[{"id":300,"content":"<x>","lstrip":true}]"#)).contains("lstrip"))
        // Ids must fit the merge table's 21-bit fields.
        let hugeID = String(decoding: json(merges: []), as: UTF8.self)
            .replacingOccurrences(of: #""vocab":{"#, with: #""vocab":{"zz":2097151,"#)
        XCTAssertTrue(message(Array(hugeID.utf8)).contains("vocabulary id 2097151 is above the largest supported"))
        // Token lengths must fit the vocabulary table's 11-bit field.
        XCTAssertTrue(message(json(merges: [], extraVocab: [String(repeating: "a", count: 2048)]))
            .contains("is 2048 bytes long, more than the supported 2047"))
        XCTAssertEqual(message(json(merges: [], extraVocab: [String(repeating: "a", count: 2047)])), "accepted")
        XCTAssertEqual(message(json(merges: ["a b"])), "accepted")
    }

    /// The vocabulary and merges are read as streams of bytes; they equal what a plain
    /// reading gives (the whole file as a JSON tree, each string decoded from the
    /// byte-level alphabet character by character), on the fixture tokenizers and on
    /// Qwen's when it is there.
    func testStreamedVocabularyAndMergesEqualAPlainReading() throws {
        func plainBytes(_ token: String) -> [UInt8]? {
            var out: [UInt8] = []
            for scalar in token.unicodeScalars {
                guard scalar.value < 0x144, case let b = ByteLevel.byteOfCharacter[Int(scalar.value)], b >= 0 else { return nil }
                out.append(UInt8(b))
            }
            return out
        }
        for b in 0...255 {
            XCTAssertEqual(plainBytes(ByteLevel.string(of: [UInt8(b)])), [UInt8(b)])
            XCTAssertEqual(ByteLevel.bytes(of: ByteLevel.string(of: [UInt8(b)])), [UInt8(b)])
        }
        XCTAssertNil(ByteLevel.bytes(of: "a€"))
        XCTAssertNil(ByteLevel.bytes(of: "a b"))
        var files = ["gpt2-style", "cl100k-style"].map { HFStylesParityTests.fixtures + "/\($0).tokenizer.json" }
        if let qwen = try? SharedData.path("tokenizers/qwen2/tokenizer.json") { files.append(qwen) }
        // Escaped and unescaped spellings of the same strings, and merges as pairs.
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        files.append(try dir.write("escaped.json", String(decoding: json(merges: ["Ġ t", "Ġt he"]), as: UTF8.self)
            .replacingOccurrences(of: #""Ġt he""#, with: #"["Ġt","he"]"#).replacingOccurrences(of: "Ġ", with: #"\u0120"#)))
        for file in files {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            let config = try bytes.withUnsafeBufferPointer { try TokenizerConfig(json: $0) }
            let model = try XCTUnwrap(try JSONValue.parse(bytes)["model"])
            guard case .object(let vocab)? = model["vocab"], case .array(let merges)? = model["merges"] else {
                return XCTFail(file)
            }
            XCTAssertEqual(config.vocab.count, vocab.count, file)
            for (entry, member) in zip(config.vocab, vocab) where Array(config.tokenBytes[entry.start..<entry.end]) != plainBytes(member.key)
                || entry.id != UInt32(member.value.doubleValue!) {
                return XCTFail("\(file): \(member.key)")
            }
            XCTAssertEqual(config.merges.count, merges.count, file)
            for (entry, merge) in zip(config.merges, merges) {
                let pair: [String]
                switch merge {
                case .string(let s): pair = s.split(separator: " ").map(String.init)
                case .array(let items): pair = items.map { $0.stringValue! }
                default: return XCTFail(file)
                }
                if Array(config.mergeBytes[entry.start..<entry.split]) != plainBytes(pair[0])
                    || Array(config.mergeBytes[entry.split..<entry.end]) != plainBytes(pair[1]) {
                    return XCTFail("\(file): \(pair)")
                }
            }
        }
    }

    /// What the streamed reading refuses, and that a model that is not BPE is refused as
    /// such even when its vocabulary is not an object (Unigram's is a list).
    func testStreamedReadingRefusesWithTheReason() {
        func message(_ text: String) -> String {
            do {
                _ = try Tokenizer(json: Array(text.utf8))
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        let good = String(decoding: json(merges: ["a b"]), as: UTF8.self)
        XCTAssertEqual(message(good), "accepted")
        XCTAssertTrue(message(good.replacingOccurrences(of: #""vocab":{"#, with: #""vocab":{"€":300,"#))
            .contains(#"vocabulary token "€" is not in the byte-level alphabet"#))
        XCTAssertTrue(message(good.replacingOccurrences(of: #""vocab":{"#, with: #""vocab":{"zz":-1,"#))
            .contains(#"model.vocab["zz"] is not a non-negative integer id"#))
        XCTAssertTrue(message(good.replacingOccurrences(of: #""a b""#, with: #""a b c""#)).contains(#"merge 1 "a b c" is not two tokens"#))
        XCTAssertTrue(message(good.replacingOccurrences(of: #""a b""#, with: #"["a"]"#)).contains("merge 1 is not a pair of strings"))
        XCTAssertTrue(message(good.replacingOccurrences(of: #""a b""#, with: "7")).contains(#"merge 1 is neither "a b" nor ["a", "b"]"#))
        XCTAssertTrue(message(good.replacingOccurrences(of: #""a b""#, with: #""a €""#))
            .contains(#"merge 1 (a €) names "€", which is not in the vocabulary"#))
        XCTAssertTrue(message(good.replacingOccurrences(of: #""a b""#, with: #"["€","a"]"#))
            .contains(#"merge 1 (€ a) names "€", which is not in the vocabulary"#))
        XCTAssertTrue(message(good.replacingOccurrences(of: #""a b""#, with: #"["a","b","c"]"#)).contains("merge 1 is not a pair of strings"))
        XCTAssertTrue(message(good.replacingOccurrences(of: #""merges":["a b"]"#, with: #""merges":{}"#)).contains("model.merges is missing or not a list"))
        XCTAssertTrue(message(good.replacingOccurrences(of: #""type":"BPE""#, with: #""type":"Unigram""#)
            .replacingOccurrences(of: #""vocab":{"#, with: #""vocab":[["a",-1.0]],"unused":{"#)).contains("Unigram is not supported"))
        XCTAssertTrue(message(String(good.dropLast(9))).contains("not valid JSON"))
        XCTAssertTrue(message(good + " x").contains("not valid JSON"))
        XCTAssertTrue(message("[1]").contains("the top level is not a JSON object"))
        // The first of a key counts, as in a tree's lookup.
        XCTAssertTrue(message(#"{"model":5,"# + good.dropFirst()).contains(#"no "model" object"#))
    }

    /// Vocabulary lookups compare whole keys: tokens that share their first eight bytes,
    /// or differ only past them, are told apart, and a piece longer than any token is not
    /// found.
    func testVocabularyTableComparesWholeKeys() throws {
        let long = ["abcdefghij", "abcdefghik", "abcdefgh", "abcdefghijklmnopq", "abcdefghijklmnopr"]
        let t = try Tokenizer(json: json(merges: [], extraVocab: long))
        for token in long {
            XCTAssertEqual(t.id(of: token).map { t.decode([$0]) }, token)
        }
        XCTAssertNil(t.id(of: "abcdefghijklmnopqr"))
        XCTAssertNil(t.id(of: "abcdefghiz"))
        XCTAssertEqual(t.id(of: "a").map { t.decode([$0]) }, "a")
    }

    func testGPT2StyleEncodingAndEmptyText() throws {
        let t = try Tokenizer(json: json(merges: ["Ġ t", "h e", "Ġt he", "Ġ a"]))
        XCTAssertEqual(t.encode(""), [])
        // " the a": pieces " the", " a" → "Ġthe", "Ġa"
        let ids = t.encode(" the a")
        XCTAssertEqual(ids.count, 2)
        XCTAssertEqual(t.decode(ids), " the a")
        XCTAssertEqual(ids, [t.id(of: "Ġthe")!, t.id(of: "Ġa")!])
    }

    /// A vocabulary token that no merge produces is not a shortcut: BPE decides, as in
    /// Hugging Face with `ignore_merges: false`, the first time and every time after,
    /// while the tokens that do encode to themselves are marked as they are met.
    func testUnreachableVocabularyTokenIsNotUsedDirectly() throws {
        let t = try Tokenizer(json: json(merges: ["a b"], extraVocab: ["cd"]))
        let cd = t.id(of: "cd")!, ab = t.id(of: "ab")!
        XCTAssertEqual(t.tokensNotEncodingToThemselves(), [cd])
        XCTAssertEqual(t.selfEncoding.reader[cd], SelfEncodingMarks.unknown)
        for _ in 0..<2 {
            XCTAssertEqual(t.encode("cd"), [t.id(of: "c")!, t.id(of: "d")!])
            XCTAssertEqual(t.encode("ab"), [ab])
        }
        XCTAssertEqual(t.selfEncoding.reader[cd], SelfEncodingMarks.no)
        XCTAssertEqual(t.selfEncoding.reader[ab], SelfEncodingMarks.yes)
        let direct = try Tokenizer(json: json(merges: ["a b"]))
        XCTAssertEqual(direct.tokensNotEncodingToThemselves(), [])

        // With `ignore_merges` (Llama 3's tokenizer), a piece in the vocabulary is its token.
        let ignoring = String(decoding: json(merges: ["a b"], extraVocab: ["cd"]), as: UTF8.self)
            .replacingOccurrences(of: #""type":"BPE""#, with: #""ignore_merges":true,"type":"BPE""#)
        let i = try Tokenizer(json: Array(ignoring.utf8))
        XCTAssertEqual(i.encode("cd ab"), [i.id(of: "cd")!, i.id(of: "Ġ")!, i.id(of: "ab")!])
    }

    /// A pair listed twice merges at its last rank, as in Hugging Face `tokenizers` 0.23.3
    /// (its merge map keeps the later entry): there, "abc" with merges `b c`, `a b`, `b c`
    /// is `ab c`, and with `b c`, `a b` it is `a bc`.
    func testAPairListedTwiceTakesItsLastRank() throws {
        for reverse in [false, true] {
            let twice = try Tokenizer(json: json(merges: ["b c", "a b", "b c"], reverseMergedIDs: reverse))
            XCTAssertEqual(twice.encode("abc").map { twice.decode([$0]) }, ["ab", "c"])
            let once = try Tokenizer(json: json(merges: ["b c", "a b"], reverseMergedIDs: reverse))
            XCTAssertEqual(once.encode("abc").map { once.decode([$0]) }, ["a", "bc"])
        }
    }

    /// Without a pre-tokenizer (ByteLevel without its regex) a segment is one piece, short
    /// (cached) or long (the heap), and encodes as BPE of all its bytes.
    func testWithoutPreTokenizerTheSegmentIsOnePiece() throws {
        let t = try Tokenizer(json: json(merges: ["a b", "Ġ a"],
                                         preTokenizer: #"{"type":"ByteLevel","add_prefix_space":false,"use_regex":false}"#))
        XCTAssertNil(t.preTokenizer)
        XCTAssertEqual(t.encode("ab ab").map { t.decode([$0]) }, ["ab", " ", "ab"])
        for text in ["ab ab", "ab ab", String(repeating: "ab a", count: 30), "x"] {
            var expected: [UInt32] = []
            Array(text.utf8).withUnsafeBufferPointer { t.bpe.encode($0, into: &expected) }
            XCTAssertEqual(t.encode(text), expected, text)
        }
    }

    /// Both merge loops, the scan (pieces up to `scanLimit` bytes) and the heap (longer
    /// ones), must agree with BPE written out plainly on strings.
    func testMergeLoopsAgreeWithPlainBPE() throws {
        // Merges that overlap and chain: aa, aaa, ab, ba, aab, …
        let merges = ["a a", "a b", "b a", "aa a", "aa b", "ab a", "b b", "aaa aa", "ba b", "aab aa", "bb a"]
        let rank = Dictionary(uniqueKeysWithValues: merges.enumerated().map { ($1, $0) })
        func plainBPE(_ text: String) -> [String] {
            var symbols = text.map(String.init)
            while true {
                let ranked = symbols.indices.dropLast().compactMap { i in rank["\(symbols[i]) \(symbols[i + 1])"].map { (rank: $0, at: i) } }
                guard let best = ranked.min(by: { ($0.rank, $0.at) < ($1.rank, $1.at) }) else { return symbols }
                symbols[best.at] += symbols.remove(at: best.at + 1)
            }
        }
        let t = try Tokenizer(json: json(merges: merges))
        var rng = SplitMix(seed: 11)
        for length in [2, 3, 5, 17, 64, 95, 96, 97, 200, 1000] {
            for _ in 0..<50 {
                let bytes = (0..<length).map { _ in rng.next() % 2 == 0 ? UInt8(ascii: "a") : UInt8(ascii: "b") }
                let text = String(decoding: bytes, as: UTF8.self)
                let expected = plainBPE(text).map { t.id(of: $0)! }
                var scan: [UInt32] = []
                var heap: [UInt32] = []
                bytes.withUnsafeBufferPointer {
                    if length <= BytePairEncoder.scanLimit { t.bpe.scan($0, into: &scan) }
                    t.bpe.heap($0, into: &heap)
                }
                if length <= BytePairEncoder.scanLimit { XCTAssertEqual(scan, expected, text) }
                XCTAssertEqual(heap, expected, text)
            }
        }
    }

    /// Merge tables store the merged id in place of the rank when ids grow with the rank
    /// (as in trained vocabularies); a vocabulary numbered otherwise must encode the same.
    func testMergedIDsThatDoNotGrowWithRankEncodeTheSame() throws {
        let merges = ["a a", "a b", "b a", "aa a", "aa b", "ab a", "b b", "aaa aa", "ba b", "aab aa", "bb a"]
        let growing = try Tokenizer(json: json(merges: merges))
        let falling = try Tokenizer(json: json(merges: merges, reverseMergedIDs: true))
        XCTAssertTrue(growing.bpe.merges.valuesAreMergedIDs)
        XCTAssertFalse(falling.bpe.merges.valuesAreMergedIDs)
        var rng = SplitMix(seed: 3)
        for length in [2, 3, 5, 17, 64, 97, 200] {
            for _ in 0..<50 {
                let text = String((0..<length).map { _ in rng.next() % 2 == 0 ? Character("a") : Character("b") })
                let a = growing.encode(text).map { growing.decode([$0]) }
                let b = falling.encode(text).map { falling.decode([$0]) }
                XCTAssertEqual(a, b, text)
                XCTAssertLessThan(a.count, length)
            }
        }
    }
}
