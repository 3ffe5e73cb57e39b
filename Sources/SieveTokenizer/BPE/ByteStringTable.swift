import CMemory

/// An open-addressing hash table from byte strings to 64-bit values, for the per-thread
/// cache of encoded pieces (bytes → ids) and the trainer's piece counts. The cache is
/// looked up once per piece, so a lookup must not allocate and should touch one cache line: each
/// slot holds the key's hash and first eight bytes, and keys of up to eight bytes (most
/// pieces) are compared there; longer keys are compared in the arena.
struct ByteStringTable {
    struct Slot {
        var hash: UInt64 = 0
        var head: UInt64 = 0
        var start: UInt32 = 0
        var length: UInt32 = .max     // .max: empty
        var value: UInt64 = 0
    }

    private var slots: [Slot]
    private var arena: [UInt8] = []
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int) {
        var size = 16
        while size * 5 < capacity * 8 { size <<= 1 }   // load factor at most 5/8
        slots = [Slot](repeating: Slot(), count: size)
        mask = size - 1
    }

    /// The hash of a key and its head (first eight bytes, zero-padded), in one pass over
    /// its bytes; computed once per piece and passed to every table.
    @inline(__always)
    static func hashAndHead(_ bytes: UnsafeBufferPointer<UInt8>) -> (hash: UInt64, head: UInt64) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(bytes.count)
        let raw = UnsafeRawBufferPointer(bytes)
        var head: UInt64 = 0
        var i = 0
        while i + 8 <= bytes.count {
            let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            if i == 0 { head = word }
            h = (h ^ word) &* 0x100_0000_01b3
            h ^= h >> 29
            i += 8
        }
        if i < bytes.count {
            let word = tail(bytes, from: i)
            if i == 0 { head = word }
            h = (h ^ word) &* 0x100_0000_01b3
        }
        h = h &* 0x9E37_79B9_7F4A_7C15
        return (h ^ (h >> 32), head)
    }

    /// Bytes from `i` to the end (fewer than eight), little-endian, zero-padded.
    @inline(__always)
    private static func tail(_ bytes: UnsafeBufferPointer<UInt8>, from i: Int) -> UInt64 {
        var w: UInt64 = 0
        var shift: UInt64 = 0
        for k in i..<bytes.count {
            w |= UInt64(bytes[k]) << shift
            shift += 8
        }
        return w
    }

    @inline(__always)
    func find(_ bytes: UnsafeBufferPointer<UInt8>, hash h: UInt64, head: UInt64) -> UInt64? {
        withReader { $0.find(bytes, hash: h, head: head) }
    }

    /// Calls `body` with a read-only view of the table for a hot loop: lookups through it
    /// touch no reference counts.
    @inline(__always)
    func withReader<R>(_ body: (Reader) throws -> R) rethrows -> R {
        try slots.withUnsafeBufferPointer { slots in
            try arena.withUnsafeBufferPointer { arena in
                try body(Reader(slots: slots.baseAddress!, arena: arena.baseAddress, mask: mask))
            }
        }
    }

    /// Lookups through raw pointers, valid inside `withReader`.
    struct Reader {
        let slots: UnsafePointer<Slot>
        let arena: UnsafePointer<UInt8>?
        let mask: Int

        /// Starts loading the first slot a lookup of `hash` reads.
        @inline(__always)
        func prefetch(hash h: UInt64) { sieve_prefetch(slots + (Int(truncatingIfNeeded: h) & mask)) }

        @inline(__always)
        func find(_ bytes: UnsafeBufferPointer<UInt8>, hash h: UInt64, head: UInt64) -> UInt64? {
            let n = UInt32(bytes.count)
            var i = Int(truncatingIfNeeded: h) & mask
            while true {
                let s = slots[i]
                if s.length == .max { return nil }
                if s.hash == h && s.length == n && s.head == head
                    && (n <= 8 || Self.equalAfterHead(arena! + Int(s.start), bytes.baseAddress!, Int(n))) {
                    return s.value
                }
                i = (i + 1) & mask
            }
        }

        /// Whether bytes 8..<n (n > 8) of `a` and `b` are equal, eight at a time; the last
        /// word overlaps the one before it.
        @inline(__always)
        static func equalAfterHead(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
            let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
            var k = 8
            while k + 8 < n {
                if ra.loadUnaligned(fromByteOffset: k, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: k, as: UInt64.self) {
                    return false
                }
                k += 8
            }
            return ra.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) == rb.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        }
    }

    /// Inserts a key (with its `hashAndHead`); the key must not be present.
    mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>, hash h: UInt64, head: UInt64, _ value: UInt64) {
        if (count + 1) * 8 > slots.count * 5 { grow() }
        var slot = Slot(hash: h, head: head, start: UInt32(arena.count), length: UInt32(bytes.count), value: value)
        if bytes.count > 8 {
            arena.append(contentsOf: bytes)
        } else {
            slot.start = 0
        }
        place(slot)
        count += 1
    }

    private mutating func place(_ slot: Slot) {
        var i = Int(truncatingIfNeeded: slot.hash) & mask
        while slots[i].length != .max { i = (i + 1) & mask }
        slots[i] = slot
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: old.count * 2)
        mask = slots.count - 1
        for s in old where s.length != .max { place(s) }
    }

    /// Adds `delta` to the value of `bytes`, inserting it with value `delta` if absent.
    mutating func add(_ bytes: UnsafeBufferPointer<UInt8>, _ delta: UInt64) {
        let (h, head) = Self.hashAndHead(bytes)
        let n = UInt32(bytes.count)
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i].length != .max {
            let s = slots[i]
            if s.hash == h && s.length == n && s.head == head
                && (n <= 8 || arena.withUnsafeBufferPointer {
                    Reader.equalAfterHead($0.baseAddress! + Int(s.start), bytes.baseAddress!, Int(n))
                }) {
                slots[i].value &+= delta
                return
            }
            i = (i + 1) & mask
        }
        insert(bytes, hash: h, head: head, delta)
    }

    /// Calls `body` with every key and its value (in no particular order).
    func forEach(_ body: (UnsafeBufferPointer<UInt8>, UInt64) -> Void) {
        arena.withUnsafeBufferPointer { arena in
            for s in slots where s.length != .max {
                if s.length > 8 {
                    body(UnsafeBufferPointer(rebasing: arena[Int(s.start)..<Int(s.start + s.length)]), s.value)
                } else {
                    withUnsafeBytes(of: s.head.littleEndian) { head in
                        body(UnsafeBufferPointer(rebasing: head.bindMemory(to: UInt8.self)[0..<Int(s.length)]), s.value)
                    }
                }
            }
        }
    }

    mutating func removeAll() {
        for i in slots.indices { slots[i].length = .max }
        arena.removeAll(keepingCapacity: true)
        count = 0
    }
}
