import SieveCore

/// What a `tokenizer.json` says, checked: only byte-level BPE with the pieces Sieve
/// implements exactly. Anything else is refused with the reason, never approximated.
///
/// The vocabulary and the merges (300k strings in Qwen's file) are read straight into
/// bytes, decoded from the byte-level alphabet, without a JSON tree or a `String` each;
/// the rest of the file is small and is read as a tree.
struct TokenizerConfig {
    /// The vocabulary, in file order: token `vocab[k]` is `tokenBytes[start..<end]`.
    var tokenBytes: [UInt8] = []
    var vocab: [(start: Int, end: Int, id: UInt32)] = []
    /// The merges, in rank order: merge `merges[k]` joins `mergeBytes[start..<split]`
    /// and `mergeBytes[split..<end]`.
    var mergeBytes: [UInt8] = []
    var merges: [(start: Int, split: Int, end: Int)] = []
    var addedTokens: [AddedToken] = []
    var nfc = false
    var preTokenizer: PreTokenizer?
    var ignoreMerges = false

    /// Reads a `tokenizer.json`. Errors are `TokenizerError`s, saying what is wrong.
    init(json: UnsafeBufferPointer<UInt8>) throws {
        var parser = JSONParser(json)
        parser.skipWhitespace()
        guard parser.nextByte == UInt8(ascii: "{") else {
            do {
                _ = try parser.parseDocument()
            } catch {
                throw TokenizerError("not valid JSON: \(error)")
            }
            throw TokenizerError("the top level is not a JSON object")
        }
        var root: [JSONMember] = []
        var model: [JSONMember]?
        // The first of each key counts, as in a JSON tree's lookup. The vocabulary and the
        // merges are read as streams when they have a BPE model's shape, and read past
        // otherwise (the checks below then say why); the first error in either waits for
        // the checks before it.
        var modelSeen = false
        var vocabStream = Streamed(), mergesStream = Streamed()
        func stream(_ state: inout Streamed, opening: UInt8, _ parser: inout JSONParser,
                    _ read: (inout JSONParser) throws -> TokenizerError?) throws {
            state.seen = true
            state.shaped = parser.nextByte == opening
            if state.shaped {
                state.error = try read(&parser)
            } else {
                _ = try parser.parseValue()
            }
        }
        do {
            try parser.parseObject { parser, key in
                let first = key == "model" && !modelSeen
                if key == "model" { modelSeen = true }
                guard first, parser.nextByte == UInt8(ascii: "{") else {
                    root.append(JSONMember(key, try parser.parseValue()))
                    return
                }
                var members: [JSONMember] = []
                try parser.parseObject { parser, key in
                    if key == "vocab" && !vocabStream.seen {
                        try stream(&vocabStream, opening: UInt8(ascii: "{"), &parser) { try readVocab(&$0) }
                    } else if key == "merges" && !mergesStream.seen {
                        try stream(&mergesStream, opening: UInt8(ascii: "["), &parser) { try readMerges(&$0) }
                    } else {
                        members.append(JSONMember(key, try parser.parseValue()))
                    }
                }
                model = members
            }
            parser.skipWhitespace()
            guard parser.atEnd else { throw JSONSyntaxError(message: "unexpected data after the JSON value", column: parser.position) }
        } catch let error as JSONSyntaxError {
            throw TokenizerError("not valid JSON: \(error)")
        }

        let top = JSONValue.object(root)
        guard let model else { throw TokenizerError("no \"model\" object") }
        let modelObject = JSONValue.object(model)
        let type = modelObject["type"]?.stringValue ?? "BPE"
        guard type == "BPE" else {
            throw TokenizerError("model type \(type) is not supported: Sieve implements byte-level BPE only")
        }
        if case .number(let d)? = modelObject["dropout"], Double(d) != 0 {
            throw TokenizerError("BPE dropout is not supported (encoding must be deterministic)")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let s = modelObject[key]?.stringValue, !s.isEmpty {
                throw TokenizerError("model.\(key) \(s.debugDescription) is not supported by byte-level BPE")
            }
        }
        if case .bool(true)? = modelObject["byte_fallback"] { throw TokenizerError("byte_fallback BPE is not supported") }
        if case .bool(true)? = modelObject["ignore_merges"] { ignoreMerges = true }

        guard vocabStream.shaped else { throw TokenizerError("model.vocab is missing or not an object") }
        if let error = vocabStream.error { throw error }
        guard mergesStream.shaped else { throw TokenizerError("model.merges is missing or not a list") }
        if let error = mergesStream.error { throw error }

        if case .array(let added)? = top["added_tokens"] {
            for (i, token) in added.enumerated() {
                guard case .number(let n)? = token["id"], let id = UInt32(n), let content = token["content"]?.stringValue else {
                    throw TokenizerError("added_tokens[\(i)] needs an integer id and a content string")
                }
                for flag in ["lstrip", "rstrip", "single_word"] {
                    if case .bool(true)? = token[flag] {
                        throw TokenizerError("added token \(content.debugDescription) uses \(flag), which Sieve does not implement")
                    }
                }
                var special = false
                if case .bool(let s)? = token["special"] { special = s }
                addedTokens.append(AddedToken(id: id, content: content, special: special))
            }
        }

        try readNormalizer(top["normalizer"])
        try readPreTokenizer(top["pre_tokenizer"])
    }

    /// A member read as a stream when it has the shape its opening byte says, read past
    /// otherwise; its first error.
    private struct Streamed {
        var seen = false
        var shaped = false
        var error: TokenizerError?
    }

    /// `model.vocab`, the parser at its `{`: each token decoded into `tokenBytes`. The
    /// first entry that is not a token with an id is returned; the rest are read past.
    private mutating func readVocab(_ parser: inout JSONParser) throws -> TokenizerError? {
        var failure: TokenizerError?
        try parser.parseObject(key: { parser in
            try parser.withStringBytes { utf8 -> Range<Int>? in
                let start = tokenBytes.count
                guard failure == nil else { return nil }
                guard ByteLevel.append(utf8: utf8, to: &tokenBytes) else {
                    failure = TokenizerError("vocabulary token \(String(decoding: utf8, as: UTF8.self).debugDescription) is not in the byte-level alphabet")
                    return nil
                }
                return start..<tokenBytes.count
            }
        }) { parser, token in
            let value = try parser.parseValue()
            guard let token else { return }
            guard case .number(let n) = value, let id = UInt32(n) else {
                failure = TokenizerError("model.vocab[\(ByteLevel.string(of: tokenBytes[token]).debugDescription)] is not a non-negative integer id")
                return
            }
            vocab.append((token.lowerBound, token.upperBound, id))
        }
        return failure
    }

    /// `model.merges`, the parser at its `[`: each merge, `"left right"` or
    /// `["left", "right"]` (as `tokenizers` 0.20 and later write them), decoded into
    /// `mergeBytes`. The first that is neither, or names a string outside the alphabet,
    /// is returned; the rest are read past.
    private mutating func readMerges(_ parser: inout JSONParser) throws -> TokenizerError? {
        var failure: TokenizerError?
        try parser.parseArray { parser in
            let n = merges.count + 1
            guard failure == nil else {
                _ = try parser.parseValue()
                return
            }
            let start = mergeBytes.count
            var split = start
            // The halves as written, kept only once one is outside the alphabet.
            var texts: [String] = []
            var outside: String?
            func half(_ utf8: UnsafeBufferPointer<UInt8>, second: Bool) {
                if second { split = mergeBytes.count }
                if outside == nil && ByteLevel.append(utf8: utf8, to: &mergeBytes) { return }
                if outside == nil {
                    outside = String(decoding: utf8, as: UTF8.self)
                    if second { texts.append(ByteLevel.string(of: mergeBytes[start..<split])) }
                }
                texts.append(String(decoding: utf8, as: UTF8.self))
            }
            switch parser.nextByte {
            case UInt8(ascii: "\""):
                try parser.withStringBytes { utf8 in
                    // "left right": tokens never contain a plain space in the byte-level alphabet.
                    var space = -1
                    for i in utf8.indices where utf8[i] == 0x20 {
                        guard space < 0 else {
                            failure = TokenizerError("merge \(n) \(String(decoding: utf8, as: UTF8.self).debugDescription) is not two tokens")
                            return
                        }
                        space = i
                    }
                    guard space >= 0 else {
                        failure = TokenizerError("merge \(n) \(String(decoding: utf8, as: UTF8.self).debugDescription) is not two tokens")
                        return
                    }
                    half(UnsafeBufferPointer(rebasing: utf8[..<space]), second: false)
                    half(UnsafeBufferPointer(rebasing: utf8[(space + 1)...]), second: true)
                }
            case UInt8(ascii: "["):
                var count = 0
                var strings = true
                try parser.parseArray { parser in
                    count += 1
                    guard count <= 2, strings, parser.nextByte == UInt8(ascii: "\"") else {
                        strings = false
                        _ = try parser.parseValue()
                        return
                    }
                    try parser.withStringBytes { half($0, second: count == 2) }
                }
                guard count == 2, strings else {
                    failure = TokenizerError("merge \(n) is not a pair of strings")
                    return
                }
            default:
                _ = try parser.parseValue()
                failure = TokenizerError("merge \(n) is neither \"a b\" nor [\"a\", \"b\"]")
            }
            if failure != nil { return }
            if let outside {
                failure = TokenizerError("merge \(n) (\(texts[0]) \(texts[1])) names \(outside.debugDescription), which is not in the vocabulary")
                return
            }
            merges.append((start, split, mergeBytes.count))
        }
        return failure
    }

    private mutating func readNormalizer(_ value: JSONValue?) throws {
        guard let value, value != .null else { return }
        switch value["type"]?.stringValue {
        case "NFC": nfc = true
        case "Sequence":
            guard case .array(let items)? = value["normalizers"] else { throw TokenizerError("normalizer Sequence without normalizers") }
            for item in items { try readNormalizer(item) }
        case let other:
            throw TokenizerError("normalizer \(other ?? "without a type") is not supported (only NFC)")
        }
    }

    private mutating func readPreTokenizer(_ value: JSONValue?) throws {
        guard let value, value != .null else {
            throw TokenizerError("no pre_tokenizer: byte-level BPE needs a ByteLevel pre-tokenizer")
        }
        var sawByteLevel = false
        let items: [JSONValue]
        if value["type"]?.stringValue == "Sequence" {
            guard case .array(let list)? = value["pretokenizers"] else { throw TokenizerError("pre_tokenizer Sequence without pretokenizers") }
            items = list
        } else {
            items = [value]
        }
        for item in items {
            switch item["type"]?.stringValue {
            case "Split":
                guard preTokenizer == nil else { throw TokenizerError("more than one regex pre-tokenizer") }
                guard let regex = item["pattern"]?["Regex"]?.stringValue else {
                    throw TokenizerError("Split pre-tokenizer without a Regex pattern")
                }
                guard item["behavior"]?.stringValue == "Isolated", item["invert"] != .bool(true) else {
                    throw TokenizerError("Split pre-tokenizer: only behavior Isolated without invert is supported")
                }
                guard let p = PreTokenizer(regex: regex) else {
                    throw TokenizerError("Split regex \(regex.debugDescription) is not one Sieve implements "
                                         + "(Qwen/GPT-4 and GPT-2 patterns)")
                }
                preTokenizer = p
            case "ByteLevel":
                sawByteLevel = true
                if item["add_prefix_space"] == .bool(true) {
                    throw TokenizerError("ByteLevel add_prefix_space is not supported")
                }
                if item["use_regex"] != .bool(false) {
                    guard preTokenizer == nil else { throw TokenizerError("more than one regex pre-tokenizer") }
                    preTokenizer = PreTokenizer(pattern: .gpt2)
                }
            case let other:
                throw TokenizerError("pre-tokenizer \(other ?? "without a type") is not supported")
            }
        }
        guard sawByteLevel else { throw TokenizerError("no ByteLevel pre-tokenizer: only byte-level BPE is supported") }
    }
}
