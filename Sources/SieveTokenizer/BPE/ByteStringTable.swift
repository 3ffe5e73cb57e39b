/// A hash table from byte strings to values, with the strings stored in one arena: the
/// vocabulary (bytes → id) and the per-thread cache of encoded pieces (bytes → ids) are
/// looked up once per piece, so lookups must not allocate.
struct ByteStringTable<Value> {
    private var slots: [Int32]          // index into `entries`, -1 when empty
    private var entries: [(hash: UInt64, start: Int, count: Int, value: Value)] = []
    private var arena: [UInt8] = []
    private var mask: Int

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    var count: Int { entries.count }
    var arenaBytes: Int { arena.count }

    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        // FNV-1a over 8-byte words, then a final mix.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(bytes.count)
        let raw = UnsafeRawBufferPointer(bytes)
        var i = 0
        while i + 8 <= bytes.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x100_0000_01b3
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < bytes.count {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x9E37_79B9_7F4A_7C15
        return h ^ (h >> 32)
    }

    func find(_ bytes: UnsafeBufferPointer<UInt8>) -> Value? {
        find(bytes, hash: Self.hash(bytes))
    }

    /// Lookup with the key's `hash(_:)` already computed (one hash serves several tables).
    @inline(__always)
    func find(_ bytes: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> Value? {
        var slot = Int(truncatingIfNeeded: h) & mask
        return arena.withUnsafeBufferPointer { arena in
            while true {
                let e = Int(slots[slot])
                if e < 0 { return nil }
                let entry = entries[e]
                if entry.hash == h && entry.count == bytes.count
                    && memcmp(arena.baseAddress! + entry.start, bytes.baseAddress!, bytes.count) == 0 {
                    return entry.value
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Inserts; the key must not be present.
    mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>, _ value: Value) {
        insert(bytes, hash: Self.hash(bytes), value)
    }

    mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>, hash h: UInt64, _ value: Value) {
        if entries.count * 2 >= slots.count { grow() }
        entries.append((h, arena.count, bytes.count, value))
        arena.append(contentsOf: bytes)
        place(entries.count - 1, hash: h)
    }

    private mutating func place(_ index: Int, hash: UInt64) {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(index)
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for (i, e) in entries.enumerated() { place(i, hash: e.hash) }
    }

    mutating func removeAll() {
        for i in slots.indices { slots[i] = -1 }
        entries.removeAll(keepingCapacity: true)
        arena.removeAll(keepingCapacity: true)
    }
}

#if canImport(Glibc)
import Glibc
#endif
