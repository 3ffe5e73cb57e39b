import SieveCore

/// What a `tokenizer.json` says, checked: only byte-level BPE with the pieces Sieve
/// implements exactly. Anything else is refused with the reason, never approximated.
struct TokenizerConfig {
    var vocab: [(token: String, id: UInt32)] = []
    var merges: [(String, String)] = []
    var addedTokens: [AddedToken] = []
    var nfc = false
    var preTokenizer: PreTokenizer?
    var ignoreMerges = false

    init(vocab: [(String, UInt32)], merges: [(String, String)], addedTokens: [AddedToken],
         nfc: Bool, preTokenizer: PreTokenizer?) {
        self.vocab = vocab
        self.merges = merges
        self.addedTokens = addedTokens
        self.nfc = nfc
        self.preTokenizer = preTokenizer
    }

    init(_ root: JSONValue) throws {
        guard case .object = root else { throw TokenizerError("the top level is not a JSON object") }
        guard let model = root["model"], case .object = model else { throw TokenizerError("no \"model\" object") }
        let type = model["type"]?.stringValue ?? "BPE"
        guard type == "BPE" else {
            throw TokenizerError("model type \(type) is not supported: Sieve implements byte-level BPE only")
        }
        if case .number(let d)? = model["dropout"], Double(d) != 0 {
            throw TokenizerError("BPE dropout is not supported (encoding must be deterministic)")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let s = model[key]?.stringValue, !s.isEmpty {
                throw TokenizerError("model.\(key) \(s.debugDescription) is not supported by byte-level BPE")
            }
        }
        if case .bool(true)? = model["byte_fallback"] { throw TokenizerError("byte_fallback BPE is not supported") }
        if case .bool(true)? = model["ignore_merges"] { ignoreMerges = true }

        guard case .object(let vocabMembers)? = model["vocab"] else { throw TokenizerError("model.vocab is missing or not an object") }
        vocab.reserveCapacity(vocabMembers.count)
        for member in vocabMembers {
            guard case .number(let n) = member.value, let id = UInt32(n) else {
                throw TokenizerError("model.vocab[\(member.key.debugDescription)] is not a non-negative integer id")
            }
            vocab.append((member.key, id))
        }
        guard case .array(let mergeList)? = model["merges"] else { throw TokenizerError("model.merges is missing or not a list") }
        merges.reserveCapacity(mergeList.count)
        for (i, merge) in mergeList.enumerated() {
            switch merge {
            case .string(let s):
                // "left right": tokens never contain a plain space in the byte-level alphabet.
                let parts = s.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw TokenizerError("merge \(i + 1) \(s.debugDescription) is not two tokens") }
                merges.append((String(parts[0]), String(parts[1])))
            case .array(let pair):
                guard pair.count == 2, let l = pair[0].stringValue, let r = pair[1].stringValue else {
                    throw TokenizerError("merge \(i + 1) is not a pair of strings")
                }
                merges.append((l, r))
            default:
                throw TokenizerError("merge \(i + 1) is neither \"a b\" nor [\"a\", \"b\"]")
            }
        }

        if case .array(let added)? = root["added_tokens"] {
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

        try readNormalizer(root["normalizer"])
        try readPreTokenizer(root["pre_tokenizer"])
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
