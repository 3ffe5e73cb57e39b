import CMemory
import Foundation
import SieveCore
import SieveText

/// A `tokenizer.json` Sieve cannot use, with what is wrong.
public struct TokenizerError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A byte-level BPE tokenizer as described by a Hugging Face `tokenizer.json`, giving the
/// same ids as Hugging Face `tokenizers`: added tokens matched in the raw text, NFC, the
/// regex pre-tokenizer, byte-level BPE. Immutable and shared between threads; per-thread
/// state lives in an `EncodeSession`.
public final class Tokenizer: Sendable {
    public let addedTokens: [AddedToken]
    public let normalizesNFC: Bool
    public let preTokenizer: PreTokenizer?
    /// Number of regular (non-added) tokens with bytes of their own.
    public let regularCount: Int
    /// One past the largest id, added tokens included.
    public let vocabularySize: Int

    let bpe: BytePairEncoder
    /// Token bytes ↔ id.
    let vocab: TokenTable
    /// Added-token matchers for each `AddedTokenMatching`.
    let matchers: [AddedTokenMatching: AddedTokenMatcher]
    let addedByID: [UInt32: AddedToken]
    /// Which regular tokens BPE-encodes to themselves, found out as encoding meets them;
    /// all of them with `ignore_merges`.
    let selfEncoding: SelfEncodingMarks

    /// Loads a `tokenizer.json`.
    public convenience init(contentsOfFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError("cannot read \(path)")
        }
        do {
            try self.init(try data.withUnsafeBytes { try TokenizerConfig(json: $0.bindMemory(to: UInt8.self)) })
        } catch let error as TokenizerError {
            throw TokenizerError("\(path): \(error.message)")
        }
    }

    public convenience init(json: [UInt8]) throws {
        try self.init(try json.withUnsafeBufferPointer { try TokenizerConfig(json: $0) })
    }

    init(_ config: TokenizerConfig) throws {
        addedTokens = config.addedTokens
        normalizesNFC = config.nfc
        preTokenizer = config.preTokenizer
        matchers = [.all: AddedTokenMatcher(config.addedTokens),
                    .nonSpecial: AddedTokenMatcher(config.addedTokens.filter { !$0.special }),
                    .none: AddedTokenMatcher([])]
        addedByID = Dictionary(config.addedTokens.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })

        // Regular tokens by id, as bytes.
        let maxID = config.vocab.map(\.id).max() ?? 0
        guard maxID <= MergeTable.maxID else {
            throw TokenizerError("vocabulary id \(maxID) is above the largest supported, \(MergeTable.maxID)")
        }
        guard config.merges.count <= MergeTable.maxRank + 1 else {
            throw TokenizerError("\(config.merges.count) merges are more than the supported \(MergeTable.maxRank + 1)")
        }
        var rangeByID = [Range<Int>?](repeating: nil, count: Int(maxID) + 1)
        // Added tokens that also appear in the vocabulary (as trainers write them) are
        // matched, decoded and skipped as added tokens only, never produced by BPE.
        let addedIDs = Set(config.addedTokens.map(\.id))
        for (start, end, id) in config.vocab where !addedIDs.contains(id) {
            if rangeByID[Int(id)] != nil { throw TokenizerError("id \(id) is given to two vocabulary tokens") }
            guard end - start <= TokenTable.maxTokenBytes else {
                throw TokenizerError("vocabulary token \(id) is \(end - start) bytes long, more than the supported \(TokenTable.maxTokenBytes)")
            }
            rangeByID[Int(id)] = start..<end
        }
        let table = TokenTable(config.tokenBytes, ranges: rangeByID)
        vocab = table
        regularCount = rangeByID.count
        vocabularySize = max(rangeByID.count, Int(config.addedTokens.map(\.id).max().map { $0 + 1 } ?? 0))

        var byteIDs = [UInt32](repeating: 0, count: 256)
        for b in 0..<256 {
            guard let id = table.id([UInt8(b)]) else {
                throw TokenizerError("the vocabulary lacks the token for byte 0x\(String(b, radix: 16)) "
                                     + "(\(ByteLevel.string(of: [UInt8(b)]).debugDescription)): not a byte-level BPE")
            }
            byteIDs[b] = id
        }
        var merges: [(left: UInt32, right: UInt32, merged: UInt32)] = []
        merges.reserveCapacity(config.merges.count)
        try config.mergeBytes.withUnsafeBufferPointer { bytes in
            for (n, (start, split, end)) in config.merges.enumerated() {
                let left = UnsafeBufferPointer(rebasing: bytes[start..<split])
                let right = UnsafeBufferPointer(rebasing: bytes[split..<end])
                func missing(_ token: UnsafeBufferPointer<UInt8>) -> TokenizerError {
                    TokenizerError("merge \(n + 1) (\(ByteLevel.string(of: left)) \(ByteLevel.string(of: right))) names "
                                   + "\(ByteLevel.string(of: token).debugDescription), which is not in the vocabulary")
                }
                guard let lid = table.id(left) else { throw missing(left) }
                guard let rid = table.id(right) else { throw missing(right) }
                guard let mid = table.id(UnsafeBufferPointer(rebasing: bytes[start..<end])) else {
                    throw missing(UnsafeBufferPointer(rebasing: bytes[start..<end]))
                }
                merges.append((lid, rid, mid))
            }
        }
        bpe = BytePairEncoder(byteIDs: byteIDs, merges: MergeTable(merges))
        selfEncoding = SelfEncodingMarks(count: rangeByID.count, initial: config.ignoreMerges ? SelfEncodingMarks.yes : SelfEncodingMarks.unknown)
    }

    /// The regular tokens that BPE does not encode to themselves, checked one by one: the
    /// plain reference for `selfEncoding`'s marks.
    func tokensNotEncodingToThemselves() -> [UInt32] {
        var out: [UInt32] = []
        var failed: [UInt32] = []
        for id in 0..<regularCount {
            let bytes = vocab.token(id)
            if bytes.isEmpty { continue }
            out.removeAll(keepingCapacity: true)
            Array(bytes).withUnsafeBufferPointer { bpe.encode($0, into: &out) }
            if out != [UInt32(id)] { failed.append(UInt32(id)) }
        }
        return failed
    }

    /// The token ids of `text`.
    public func encode(_ text: String, addedTokens: AddedTokenMatching = .all, session: EncodeSession? = nil) -> [UInt32] {
        var out: [UInt32] = []
        var text = text
        let session = session ?? EncodeSession()
        text.withUTF8 { encode(utf8: $0, into: &out, addedTokens: addedTokens, session: session) }
        return out
    }

    /// Appends the ids of `text` (valid UTF-8) to `out`.
    public func encode(utf8 text: UnsafeBufferPointer<UInt8>, into out: inout [UInt32],
                       addedTokens: AddedTokenMatching = .all, session: EncodeSession) {
        session.belong(to: self)
        let matcher = matchers[addedTokens]!
        if matcher.isEmpty {
            encodeSegment(text, into: &out, session: session)
            return
        }
        matcher.split(text, segment: { range in
            encodeSegment(UnsafeBufferPointer(rebasing: text[range]), into: &out, session: session)
        }, token: { out.append($0) })
    }

    private func encodeSegment(_ text: UnsafeBufferPointer<UInt8>, into out: inout [UInt32], session: EncodeSession) {
        if normalizesNFC, let normalized = Normalization.nfc(text) {
            normalized.withUnsafeBufferPointer { encodeNormalized($0, into: &out, session: session) }
        } else {
            encodeNormalized(text, into: &out, session: session)
        }
    }

    private func encodeNormalized(_ text: UnsafeBufferPointer<UInt8>, into out: inout [UInt32], session: EncodeSession) {
        let batch = session.batch
        guard let preTokenizer else {
            // The whole segment is one piece.
            _ = batch.append(0..<text.count)
            encodeBatch(text, into: &out, session: session)
            return
        }
        preTokenizer.split(text) { range in
            if batch.append(range) { encodeBatch(text, into: &out, session: session) }
        }
        encodeBatch(text, into: &out, session: session)
    }

    /// Encodes the pieces of `batch`, in order. The table lookups of a piece are memory
    /// bound (a random slot of a multi-megabyte table), so they are made in rounds over the
    /// batch: hash every piece and start loading its vocabulary slot; look the pieces up
    /// and start loading the piece-cache slot of those not in the vocabulary; then emit.
    private func encodeBatch(_ text: UnsafeBufferPointer<UInt8>, into out: inout [UInt32], session: EncodeSession) {
        let batch = session.batch
        let n = batch.count
        if n == 0 { return }
        defer { batch.count = 0 }
        let base = text.baseAddress!
        @inline(__always) func piece(_ k: Int) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(start: base + Int(batch.starts[k]), count: Int(batch.lengths[k]))
        }
        let marks = selfEncoding.reader
        session.withCache { cache in
            vocab.withReader { vocab in cache.withReader { cacheReader in
                for k in 0..<n {
                    let length = batch.lengths[k]
                    guard length > 1 && length <= PieceCache.maxPieceBytes else { continue }
                    let (hash, head) = ByteStringTable.hashAndHead(piece(k))
                    batch.hashes[k] = hash
                    batch.heads[k] = head
                    vocab.prefetch(hash: hash)
                }
                for k in 0..<n {
                    let length = batch.lengths[k]
                    guard length > 1 && length <= PieceCache.maxPieceBytes else { continue }
                    if let id = vocab.find(piece(k), hash: batch.hashes[k], head: batch.heads[k]) {
                        batch.ids[k] = id
                    } else {
                        batch.ids[k] = PieceBatch.notFound
                        cacheReader.prefetch(hash: batch.hashes[k])
                    }
                }
            } }
            for k in 0..<n {
                let piece = piece(k)
                if piece.count == 1 {
                    out.append(bpe.byteIDs[Int(piece[0])])
                } else if piece.count > PieceCache.maxPieceBytes {
                    bpe.encode(piece, into: &out)
                } else if case let id = batch.ids[k], id != PieceBatch.notFound, case let mark = marks[id],
                          mark != SelfEncodingMarks.no {
                    if mark == SelfEncodingMarks.yes {
                        out.append(id)
                    } else {
                        let start = out.count
                        bpe.encode(piece, into: &out)
                        marks[id] = out.count == start + 1 && out[start] == id ? SelfEncodingMarks.yes : SelfEncodingMarks.no
                    }
                } else if !cache.lookup(piece, hash: batch.hashes[k], head: batch.heads[k], into: &out) {
                    let start = out.count
                    bpe.encode(piece, into: &out)
                    cache.store(piece, hash: batch.hashes[k], head: batch.heads[k], lastOf: out, count: out.count - start)
                }
            }
        }
    }

    /// The text of `ids`: token bytes concatenated and decoded as UTF-8, invalid sequences
    /// replaced by U+FFFD (one per maximal invalid subpart, as Hugging Face does). Added
    /// tokens give their content, or nothing when `skipSpecialTokens` and they are special;
    /// unknown ids are dropped.
    public func decode(_ ids: [UInt32], skipSpecialTokens: Bool = false) -> String {
        String(decoding: decodeBytes(ids, skipSpecialTokens: skipSpecialTokens), as: UTF8.self)
    }

    /// The bytes of `ids`, before UTF-8 decoding.
    public func decodeBytes(_ ids: [UInt32], skipSpecialTokens: Bool = false) -> [UInt8] {
        var bytes: [UInt8] = []
        for id in ids {
            if let added = addedByID[id] {
                if !(skipSpecialTokens && added.special) { bytes += added.content.utf8 }
            } else if Int(id) < regularCount {
                bytes += vocab.token(Int(id))
            }
        }
        return bytes
    }

    /// The id of an added token (by its content) or a regular token (spelt as in
    /// `vocab.json`, in the byte-level alphabet: `Ġthe`), if it exists.
    public func id(of token: String) -> UInt32? {
        if let added = addedTokens.first(where: { $0.content == token }) { return added.id }
        return ByteLevel.bytes(of: token).flatMap { vocab.id($0) }
    }
}

/// Which added tokens are recognised in text.
public enum AddedTokenMatching: String, Sendable, Hashable, CaseIterable, Codable {
    /// All of them: Hugging Face's default (`<|endoftext|>` in a document becomes its id).
    case all
    /// Only `special: false` ones (`<think>`, fim tokens); special ones are encoded as
    /// plain text (Hugging Face's `encode_special_tokens`, transformers' `split_special_tokens`).
    case nonSpecial = "non-special"
    /// None: all text is plain text, so documents cannot inject control tokens.
    case none
}

/// Per-thread encoding state: a cache of recently encoded pieces and the batch of pieces
/// being encoded. Not thread-safe; use one per thread (`EncodeSessionPool`). Used with
/// another tokenizer, it starts afresh.
public final class EncodeSession {
    /// Moved out while a batch is encoded (`Tokenizer.withCache`), so that the hot loop
    /// works on a local value and touches no reference counts.
    var cache: PieceCache? = PieceCache()
    /// Pieces waiting to be encoded.
    let batch = PieceBatch()

    /// The tokenizer the cache was filled by.
    private var owner: ObjectIdentifier?

    public init() {}

    /// Clears the cache when the session is used with another tokenizer.
    @inline(__always)
    func belong(to tokenizer: Tokenizer) {
        let id = ObjectIdentifier(tokenizer)
        if owner != id {
            owner = id
            cache!.removeAll()
        }
    }

    /// Calls `body` with the cache, moved out of the session meanwhile.
    @inline(__always)
    func withCache<R>(_ body: (inout PieceCache) -> R) -> R {
        var local: PieceCache? = nil
        swap(&local, &cache)
        defer { swap(&local, &cache) }
        return body(&local!)
    }
}

/// Piece bytes → their ids, for pieces of 2 to `maxPieceBytes` bytes; emptied when full.
/// A piece of at most three tokens (nearly all) keeps its ids in the table's value,
/// `1 << 63 | a | b << 21 | c << 42` with absent ids all ones, so a hit reads no second
/// array (another cache miss); longer ones are `start << 32 | count` in `ids`.
struct PieceCache {
    static let maxPieceBytes = 64
    private static let maxEntries = 1 << 18
    private static let inline: UInt64 = 1 << 63
    private static let absent: UInt64 = 0x1F_FFFF

    private var table = ByteStringTable(capacity: 1 << 16)
    private var ids: [UInt32] = []

    /// Calls `body` with a read-only view of the table (see `ByteStringTable.withReader`).
    @inline(__always)
    func withReader<R>(_ body: (ByteStringTable.Reader) -> R) -> R { table.withReader(body) }

    @inline(__always)
    func lookup(_ piece: UnsafeBufferPointer<UInt8>, hash: UInt64, head: UInt64, into out: inout [UInt32]) -> Bool {
        guard let hit = table.find(piece, hash: hash, head: head) else { return false }
        if hit & Self.inline != 0 {
            out.append(UInt32(truncatingIfNeeded: hit & Self.absent))
            let b = hit >> 21 & Self.absent, c = hit >> 42 & Self.absent
            if b != Self.absent { out.append(UInt32(truncatingIfNeeded: b)) }
            if c != Self.absent { out.append(UInt32(truncatingIfNeeded: c)) }
            return true
        }
        let start = Int(hit >> 32)
        ids.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[start..<start + Int(hit & 0xFFFF_FFFF)])) }
        return true
    }

    /// Caches the ids of `piece`: the last `count` ids of `out`.
    mutating func store(_ piece: UnsafeBufferPointer<UInt8>, hash: UInt64, head: UInt64, lastOf out: [UInt32], count: Int) {
        if table.count >= Self.maxEntries { removeAll() }
        if count <= 3 {
            // Ids are below 2^21 - 1 (`MergeTable.maxID`), so all ones is free for "absent".
            var value = Self.inline | Self.absent << 21 | Self.absent << 42
            for k in 0..<count {
                let shift = UInt64(21 * k)
                value = value & ~(Self.absent << shift) | UInt64(out[out.count - count + k]) << shift
            }
            table.insert(piece, hash: hash, head: head, value)
            return
        }
        table.insert(piece, hash: hash, head: head, UInt64(ids.count) << 32 | UInt64(count))
        out.withUnsafeBufferPointer { ids.append(contentsOf: UnsafeBufferPointer(rebasing: $0[($0.count - count)...])) }
    }

    mutating func removeAll() {
        table.removeAll()
        ids.removeAll(keepingCapacity: true)
    }
}

/// The pieces of a text gathered for `Tokenizer.encodeBatch`: their byte ranges, hashes, heads and
/// vocabulary ids. Fixed-size buffers, reused for the life of the session.
final class PieceBatch {
    static let capacity = 32
    static let notFound = UInt32.max
    let starts = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
    let lengths = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
    let hashes = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
    let heads = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
    let ids = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
    var count = 0

    /// Adds a piece; true when the batch is full.
    @inline(__always)
    func append(_ range: Range<Int>) -> Bool {
        starts[count] = range.lowerBound
        lengths[count] = range.count
        count += 1
        return count == Self.capacity
    }

    deinit {
        starts.deallocate()
        lengths.deallocate()
        hashes.deallocate()
        heads.deallocate()
        ids.deallocate()
    }
}

/// Sessions for concurrent encoding: take one per batch, give it back after.
public final class EncodeSessionPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [EncodeSession] = []

    public init() {}

    public func withSession<T>(_ body: (EncodeSession) throws -> T) rethrows -> T {
        let session = lock.withLock { free.popLast() } ?? EncodeSession()
        defer { lock.withLock { free.append(session) } }
        return try body(session)
    }
}


