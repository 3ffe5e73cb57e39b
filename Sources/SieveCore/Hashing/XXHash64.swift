/// XXH64 (xxHash, 64-bit, seed 0 by default), streaming: the checksum of shards and the
/// content hash of inputs in the manifest. Chosen over SHA-256 because it runs at
/// memory speed and the threat is torn or truncated files, not an adversary. Output
/// equals the reference implementation (`xxhash.xxh64(data).hexdigest()` in Python).
public struct XXHash64 {
    private static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    private let seed: UInt64
    private var v1, v2, v3, v4: UInt64
    private var total: UInt64 = 0
    /// Bytes not yet consumed by a 32-byte stripe.
    private var pending: [UInt8] = []

    public init(seed: UInt64 = 0) {
        self.seed = seed
        v1 = seed &+ Self.p1 &+ Self.p2
        v2 = seed &+ Self.p2
        v3 = seed
        v4 = seed &- Self.p1
        pending.reserveCapacity(32)
    }

    /// The hash of `bytes` in one call.
    /// Allocates nothing: dedup hashes every word and shingle of a corpus with it.
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        let n = bytes.count
        guard n >= 32, let base = bytes.baseAddress else {
            return finish(seed &+ p5, total: UInt64(n), tail: bytes)
        }
        var v1 = seed &+ p1 &+ p2, v2 = seed &+ p2, v3 = seed, v4 = seed &- p1
        var i = 0
        while i + 32 <= n {
            stripe(base + i, &v1, &v2, &v3, &v4)
            i += 32
        }
        return finish(converge(v1, v2, v3, v4), total: UInt64(n), tail: UnsafeRawBufferPointer(rebasing: bytes[i...]))
    }

    /// The hash as 16 lowercase hex digits, the form the manifest stores.
    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    @inline(__always) private static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        let a = acc &+ input &* p2
        return ((a << 31) | (a >> 33)) &* p1
    }

    @inline(__always) private static func mergeRound(_ acc: UInt64, _ value: UInt64) -> UInt64 {
        (acc ^ round(0, value)) &* p1 &+ p4
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress, !bytes.isEmpty else { return }
        var n = bytes.count
        total &+= UInt64(n)
        if !pending.isEmpty {
            let take = min(32 - pending.count, n)
            pending.append(contentsOf: UnsafeRawBufferPointer(start: p, count: take))
            p += take
            n -= take
            guard pending.count == 32 else { return }
            pending.withUnsafeBytes { stripe($0.baseAddress!) }
            pending.removeAll(keepingCapacity: true)
        }
        while n >= 32 {
            stripe(p)
            p += 32
            n -= 32
        }
        if n > 0 { pending.append(contentsOf: UnsafeRawBufferPointer(start: p, count: n)) }
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    @inline(__always) private mutating func stripe(_ p: UnsafeRawPointer) {
        Self.stripe(p, &v1, &v2, &v3, &v4)
    }

    @inline(__always) private static func stripe(_ p: UnsafeRawPointer, _ v1: inout UInt64, _ v2: inout UInt64,
                                                 _ v3: inout UInt64, _ v4: inout UInt64) {
        v1 = round(v1, UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))
        v2 = round(v2, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        v3 = round(v3, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
        v4 = round(v4, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }

    @inline(__always) private static func converge(_ v1: UInt64, _ v2: UInt64, _ v3: UInt64, _ v4: UInt64) -> UInt64 {
        var h = ((v1 << 1) | (v1 >> 63)) &+ ((v2 << 7) | (v2 >> 57)) &+ ((v3 << 12) | (v3 >> 52)) &+ ((v4 << 18) | (v4 >> 46))
        h = mergeRound(h, v1)
        h = mergeRound(h, v2)
        h = mergeRound(h, v3)
        return mergeRound(h, v4)
    }

    /// Mixes in the length and the bytes after the last stripe, then avalanches.
    @inline(__always) private static func finish(_ start: UInt64, total: UInt64, tail: UnsafeRawBufferPointer) -> UInt64 {
        var h = start &+ total
        var i = 0
        let n = tail.count
        while i + 8 <= n {
            h ^= round(0, UInt64(littleEndian: tail.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            h = ((h << 27) | (h >> 37)) &* p1 &+ p4
            i += 8
        }
        if i + 4 <= n {
            h ^= UInt64(UInt32(littleEndian: tail.loadUnaligned(fromByteOffset: i, as: UInt32.self))) &* p1
            h = ((h << 23) | (h >> 41)) &* p2 &+ p3
            i += 4
        }
        while i < n {
            h ^= UInt64(tail[i]) &* p5
            h = ((h << 11) | (h >> 53)) &* p1
            i += 1
        }
        h ^= h >> 33
        h &*= p2
        h ^= h >> 29
        h &*= p3
        h ^= h >> 32
        return h
    }

    public func digest() -> UInt64 {
        let start = total >= 32 ? Self.converge(v1, v2, v3, v4) : seed &+ Self.p5
        return pending.withUnsafeBytes { Self.finish(start, total: total, tail: $0) }
    }
}
