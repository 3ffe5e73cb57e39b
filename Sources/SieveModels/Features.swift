import Foundation

/// The vocabulary as an open-addressing table keyed by the words' FNV-1a hashes, which
/// feature extraction computes anyway: a lookup hashes nothing more and copies nothing.
struct WordTable {
    /// Word id + 1 per slot, 0 when empty; the slot count is a power of two.
    private var slots: [Int32]
    private var wordHashes: [UInt32] = []
    /// The words' UTF-8 bytes end to end; word i is bytes[offsets[i]..<offsets[i + 1]].
    private var bytes: [UInt8] = []
    private var offsets: [Int] = [0]

    init(_ words: [String]) {
        var size = 16
        while size < 2 * words.count { size *= 2 }
        slots = [Int32](repeating: 0, count: size)
        for word in words {
            let h = FeatureExtractor.hash(word.utf8)
            var slot = Int(h) & (size - 1)
            while slots[slot] != 0 { slot = (slot + 1) & (size - 1) }
            slots[slot] = Int32(wordHashes.count + 1)
            wordHashes.append(h)
            bytes += word.utf8
            offsets.append(bytes.count)
        }
    }

    func id(of word: UnsafeBufferPointer<UInt8>, hash h: UInt32) -> Int32? {
        let mask = slots.count - 1
        var slot = Int(h) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            let i = Int(entry - 1)
            if wordHashes[i] == h && offsets[i + 1] - offsets[i] == word.count
                && bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress! + offsets[i], word.baseAddress!, word.count) == 0 }) {
                return entry - 1
            }
            slot = (slot + 1) & mask
        }
    }
}

/// A text's features (`docs/models.md`): the input rows of its vocabulary words, of the
/// character n-grams of each token and of its word n-grams, in fastText's order. One
/// extractor per thread: it keeps its buffers between texts.
struct FeatureExtractor {
    let options: ClassifierOptions
    let words: Int32
    let table: WordTable
    /// fastText's models: table entries from `words` on are labels, and a token that is
    /// a label or starts with the label prefix is no feature (fastText's `getLine`).
    var labelPrefix: [UInt8]?
    /// A pruned fastText model's map from n-gram bucket to input row (after the words);
    /// buckets not in it are dropped. Nil when nothing was pruned.
    var pruneIndex: [Int32: Int32]?
    /// The last text's features.
    private(set) var ids: [Int32] = []
    private var tokenHashes: [UInt32] = []
    /// "<token>" for the character n-grams.
    private var marked: [UInt8] = []

    static let endOfLine = Array("</s>".utf8)

    init(options: ClassifierOptions, words: Int32, table: WordTable, labelPrefix: [UInt8]? = nil, pruneIndex: [Int32: Int32]? = nil) {
        self.options = options
        self.words = words
        self.table = table
        self.labelPrefix = labelPrefix
        self.pruneIndex = pruneIndex
    }

    /// The input row of n-gram bucket `bucket` (fastText's `pushHash`).
    @inline(__always)
    private static func add(bucket: Int32, words: Int32, pruneIndex: [Int32: Int32]?, to ids: inout [Int32]) {
        if let pruneIndex {
            if let row = pruneIndex[bucket] { ids.append(words + row) }
        } else {
            ids.append(words + bucket)
        }
    }

    /// FNV-1a over the bytes, each sign-extended as fastText's `int8_t` cast does.
    @inline(__always)
    static func hash<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        var h: UInt32 = 2_166_136_261
        for b in bytes { h = (h ^ UInt32(bitPattern: Int32(Int8(bitPattern: b)))) &* 16_777_619 }
        return h
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) || b == 0 }

    /// Calls `body` with each white-space-separated token of `text` (as fastText's
    /// readWord splits), then with `</s>`.
    static func tokens(_ text: String, _ body: (UnsafeBufferPointer<UInt8>, _ isEndOfLine: Bool) -> Void) {
        var text = text
        text.withUTF8 { utf8 in
            var i = 0
            while i < utf8.count {
                while i < utf8.count && isSpace(utf8[i]) { i += 1 }
                let start = i
                while i < utf8.count && !isSpace(utf8[i]) { i += 1 }
                if i > start { body(UnsafeBufferPointer(rebasing: utf8[start..<i]), false) }
            }
        }
        endOfLine.withUnsafeBufferPointer { body($0, true) }
    }

    mutating func extract(_ text: String) {
        ids.removeAll(keepingCapacity: true)
        tokenHashes.removeAll(keepingCapacity: true)
        Self.tokens(text) { token($0, isEndOfLine: $1) }
        let buckets = options.effectiveBuckets
        guard options.wordNgrams > 1 && buckets > 0 else { return }
        // fastText keeps the token hashes as int32_t and widens them to 64 bits with the sign.
        func widened(_ h: UInt32) -> UInt64 { UInt64(bitPattern: Int64(Int32(bitPattern: h))) }
        for i in tokenHashes.indices {
            var h = widened(tokenHashes[i])
            for j in (i + 1)..<min(tokenHashes.count, i + options.wordNgrams) {
                h = h &* 116_049_371 &+ widened(tokenHashes[j])
                Self.add(bucket: Int32(h % UInt64(buckets)), words: words, pruneIndex: pruneIndex, to: &ids)
            }
        }
    }

    private mutating func token(_ token: UnsafeBufferPointer<UInt8>, isEndOfLine: Bool) {
        let h = Self.hash(token)
        let id = table.id(of: token, hash: h)
        if let labelPrefix {
            if let id, id >= words { return }
            if id == nil && token.count >= labelPrefix.count
                && memcmp(token.baseAddress!, labelPrefix, labelPrefix.count) == 0 { return }
        }
        tokenHashes.append(h)
        if let id { ids.append(id) }
        let buckets = UInt32(options.effectiveBuckets)
        guard options.maxn > 0, buckets > 0, !isEndOfLine else { return }
        marked.removeAll(keepingCapacity: true)
        marked.append(UInt8(ascii: "<"))
        marked.append(contentsOf: token)
        marked.append(UInt8(ascii: ">"))
        let (minn, maxn) = (options.minn, options.maxn)
        marked.withUnsafeBufferPointer { word in
            // fastText's computeSubwords: from each code point, extend one code point at a
            // time; every n-gram from minn to maxn but the lone "<" and ">".
            for i in 0..<word.count where word[i] & 0xC0 != 0x80 {
                var h: UInt32 = 2_166_136_261
                var j = i, n = 1
                while j < word.count && n <= maxn {
                    repeat {
                        h = (h ^ UInt32(bitPattern: Int32(Int8(bitPattern: word[j])))) &* 16_777_619
                        j += 1
                    } while j < word.count && word[j] & 0xC0 == 0x80
                    if n >= minn && !(n == 1 && (i == 0 || j == word.count)) { Self.add(bucket: Int32(h % buckets), words: words, pruneIndex: pruneIndex, to: &ids) }
                    n += 1
                }
            }
        }
    }
}
