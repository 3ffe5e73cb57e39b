import SieveCore

extension BPETrainer.Vocabulary {
    /// A Hugging Face `tokenizer.json` for this vocabulary: special tokens as added tokens
    /// (and in the vocabulary, as Hugging Face's trainer writes them), NFC, the regex and
    /// ByteLevel pre-tokenizers, byte-level BPE and the ByteLevel decoder.
    public func tokenizerJSON(pattern: PreTokenizer.Pattern = .qwen(maxDigits: 1), nfc: Bool = true) -> [UInt8] {
        var w = JSONWriter()
        w.raw("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [")
        for (id, content) in specialTokens.enumerated() {
            w.raw(id == 0 ? "\n    {\"id\": " : ",\n    {\"id\": ")
            w.bytes += String(id).utf8
            w.raw(", \"content\": ")
            w.string(content)
            w.raw(", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}")
        }
        w.raw(specialTokens.isEmpty ? "],\n" : "\n  ],\n")
        w.raw(nfc ? "  \"normalizer\": {\"type\": \"NFC\"},\n" : "  \"normalizer\": null,\n")
        let byteLevel = "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": false, \"use_regex\": false}"
        w.raw("  \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": ")
        switch pattern {
        case .qwen(let digits): w.string(digits == 3 ? PreTokenizer.cl100kRegex : PreTokenizer.qwenRegex)
        case .gpt2: w.string(PreTokenizer.gpt2Regex)
        }
        w.raw("}, \"behavior\": \"Isolated\", \"invert\": false}, ")
        w.bytes += byteLevel.utf8
        w.raw("]},\n  \"post_processor\": ")
        w.bytes += byteLevel.utf8
        w.raw(",\n  \"decoder\": ")
        w.bytes += byteLevel.utf8
        w.raw(",\n  \"model\": {\"type\": \"BPE\", \"dropout\": null, \"unk_token\": null, \"continuing_subword_prefix\": null, ")
        w.raw("\"end_of_word_suffix\": null, \"fuse_unk\": false, \"byte_fallback\": false, \"ignore_merges\": false,\n    \"vocab\": {")
        var first = true
        func entry(_ key: String, _ id: Int) {
            w.raw(first ? "\n      " : ",\n      ")
            first = false
            w.string(key)
            w.raw(": ")
            w.bytes += String(id).utf8
        }
        for (id, content) in specialTokens.enumerated() { entry(content, id) }
        for (i, bytes) in tokens.enumerated() { entry(ByteLevel.string(of: bytes), specialTokens.count + i) }
        w.raw("\n    },\n    \"merges\": [")
        for (i, m) in merges.enumerated() {
            w.raw(i == 0 ? "\n      [" : ",\n      [")
            w.string(ByteLevel.string(of: tokens[Int(m.0) - specialTokens.count]))
            w.raw(", ")
            w.string(ByteLevel.string(of: tokens[Int(m.1) - specialTokens.count]))
            w.raw("]")
        }
        w.raw("\n    ]\n  }\n}\n")
        return w.bytes
    }
}
