import CMemory

/// The vocabulary: token bytes by id, and an open-addressing table from bytes to id that is
/// looked up once per piece. A slot is 16 bytes, a quarter of a cache line: a tag
/// (`hash >> 32 << 32 | length << 21 | id`) and the key's first eight bytes. Longer keys
/// are compared against the token's bytes, found by its id. Qwen's 151k tokens take 4 MB of
/// slots, half what `ByteStringTable` (which must store offsets into its own arena) needs;
/// the lookups are random, so the smaller table misses the CPU caches less.
struct TokenTable: Sendable {
    struct Slot {
        var tag: UInt64 = TokenTable.empty
        var head: UInt64 = 0
    }

    /// Tokens longer than this are refused (11 bits of the tag).
    static let maxTokenBytes = 2047
    /// Ids up to `MergeTable.maxID` (21 bits); all ones in the tag marks an empty slot.
    fileprivate static let empty = UInt64.max
    private static let idMask: UInt64 = 0x1F_FFFF

    private var slots: [Slot]
    private let mask: Int
    /// Bytes of token `id`: `bytes[offsets[id]..<offsets[id + 1]]`; ids without a token
    /// are empty.
    let bytes: [UInt8]
    let offsets: [UInt32]

    /// `source[ranges[id]]`: the bytes of each id, nil for ids that are not regular
    /// tokens. Ids at most `MergeTable.maxID`, tokens at most `maxTokenBytes` long, no two
    /// alike (the caller checks).
    init(_ source: [UInt8], ranges: [Range<Int>?]) {
        var arena: [UInt8] = []
        arena.reserveCapacity(ranges.reduce(0) { $0 + ($1?.count ?? 0) })
        var offsets: [UInt32] = [0]
        offsets.reserveCapacity(ranges.count + 1)
        for range in ranges {
            if let range { arena.append(contentsOf: source[range]) }
            offsets.append(UInt32(arena.count))
        }
        bytes = arena
        self.offsets = offsets
        let count = ranges.count { $0 != nil }
        var size = 16
        while size * 5 < count * 8 { size <<= 1 }   // load factor at most 5/8
        slots = [Slot](repeating: Slot(), count: size)
        mask = size - 1
        arena.withUnsafeBufferPointer { arena in
            for (id, range) in ranges.enumerated() where range != nil {
                let key = UnsafeBufferPointer(rebasing: arena[Int(offsets[id])..<Int(offsets[id + 1])])
                let (h, head) = ByteStringTable.hashAndHead(key)
                var i = Int(truncatingIfNeeded: h) & mask
                while slots[i].tag != Self.empty { i = (i + 1) & mask }
                slots[i] = Slot(tag: Self.tag(hash: h, length: key.count) | UInt64(id), head: head)
            }
        }
    }

    @inline(__always)
    fileprivate static func tag(hash: UInt64, length: Int) -> UInt64 {
        (hash >> 32) << 32 | UInt64(length) << 21
    }

    /// The id of a token's bytes.
    func id(_ token: [UInt8]) -> UInt32? {
        token.withUnsafeBufferPointer { id($0) }
    }

    func id(_ key: UnsafeBufferPointer<UInt8>) -> UInt32? {
        let (hash, head) = ByteStringTable.hashAndHead(key)
        return withReader { $0.find(key, hash: hash, head: head) }
    }

    /// The bytes of a regular token.
    func token(_ id: Int) -> ArraySlice<UInt8> {
        bytes[Int(offsets[id])..<Int(offsets[id + 1])]
    }

    /// Calls `body` with a read-only view for a hot loop (no reference counting).
    @inline(__always)
    func withReader<R>(_ body: (Reader) -> R) -> R {
        slots.withUnsafeBufferPointer { slots in
            bytes.withUnsafeBufferPointer { bytes in
                offsets.withUnsafeBufferPointer { offsets in
                    body(Reader(slots: slots.baseAddress!, bytes: bytes.baseAddress, offsets: offsets.baseAddress!, mask: mask))
                }
            }
        }
    }

    struct Reader {
        let slots: UnsafePointer<Slot>
        let bytes: UnsafePointer<UInt8>?
        let offsets: UnsafePointer<UInt32>
        let mask: Int

        /// Starts loading the first slot a lookup of `hash` reads.
        @inline(__always)
        func prefetch(hash h: UInt64) { sieve_prefetch(slots + (Int(truncatingIfNeeded: h) & mask)) }

        /// The id of `key` (with its `ByteStringTable.hashAndHead`), or nil.
        @inline(__always)
        func find(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt64, head: UInt64) -> UInt32? {
            guard key.count <= TokenTable.maxTokenBytes else { return nil }
            let want = TokenTable.tag(hash: h, length: key.count)
            var i = Int(truncatingIfNeeded: h) & mask
            while true {
                let s = slots[i]
                if s.tag == TokenTable.empty { return nil }
                if s.tag & ~TokenTable.idMask == want && s.head == head {
                    let id = Int(s.tag & TokenTable.idMask)
                    if key.count <= 8
                        || ByteStringTable.Reader.equalAfterHead(bytes! + Int(offsets[id]), key.baseAddress!, key.count) {
                        return UInt32(id)
                    }
                }
                i = (i + 1) & mask
            }
        }
    }
}
