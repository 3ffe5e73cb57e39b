import SieveCore

/// A 128-bit hash value, as two 64-bit halves (`lo` is MurmurHash3's h1, `hi` its h2).
public struct Hash128: Hashable, Sendable, Comparable {
    public var lo: UInt64
    public var hi: UInt64

    public init(lo: UInt64, hi: UInt64) {
        self.lo = lo
        self.hi = hi
    }

    public static func < (a: Hash128, b: Hash128) -> Bool { (a.hi, a.lo) < (b.hi, b.lo) }

    /// The 32 hex digits of the 16 little-endian bytes (lo first), as `mmh3` prints them.
    public var hex: String {
        func digits(_ v: UInt64) -> String {
            (0..<8).map { i in
                let byte = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))
                let s = String(byte, radix: 16)
                return byte < 16 ? "0" + s : s
            }.joined()
        }
        return digits(lo) + digits(hi)
    }
}

/// MurmurHash3 x64 128 (Austin Appleby's `MurmurHash3_x64_128`), the hash of exact
/// deduplication: 128 bits so that a false match is out of reach at any corpus size
/// (about 2^-128 per pair), and several GB/s, far above the speed documents are read at.
public enum MurmurHash3 {
    private static let c1: UInt64 = 0x87c3_7b91_1142_53d5
    private static let c2: UInt64 = 0x4cf5_ad43_2745_937f

    @inline(__always) private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> Hash128 {
        let length = bytes.count
        var h1 = UInt64(seed)
        var h2 = UInt64(seed)
        let blocks = length / 16
        for i in 0..<blocks {
            var k1 = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 16, as: UInt64.self))
            var k2 = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 16 + 8, as: UInt64.self))
            k1 &*= c1; k1 = rotl(k1, 31); k1 &*= c2; h1 ^= k1
            h1 = rotl(h1, 27); h1 &+= h2; h1 = h1 &* 5 &+ 0x52dc_e729
            k2 &*= c2; k2 = rotl(k2, 33); k2 &*= c1; h2 ^= k2
            h2 = rotl(h2, 31); h2 &+= h1; h2 = h2 &* 5 &+ 0x3849_5ab5
        }
        let tail = blocks * 16
        var k1: UInt64 = 0
        var k2: UInt64 = 0
        let rest = length & 15
        if rest > 8 {
            for i in stride(from: rest - 1, through: 8, by: -1) { k2 ^= UInt64(bytes[tail + i]) << (8 * UInt64(i - 8)) }
            k2 &*= c2; k2 = rotl(k2, 33); k2 &*= c1; h2 ^= k2
        }
        if rest > 0 {
            for i in stride(from: min(rest, 8) - 1, through: 0, by: -1) { k1 ^= UInt64(bytes[tail + i]) << (8 * UInt64(i)) }
            k1 &*= c1; k1 = rotl(k1, 31); k1 &*= c2; h1 ^= k1
        }
        h1 ^= UInt64(length)
        h2 ^= UInt64(length)
        h1 &+= h2
        h2 &+= h1
        h1 = fmix64(h1)
        h2 = fmix64(h2)
        h1 &+= h2
        h2 &+= h1
        return Hash128(lo: h1, hi: h2)
    }

    public static func hash(_ bytes: [UInt8], seed: UInt32 = 0) -> Hash128 {
        bytes.withUnsafeBytes { hash($0, seed: seed) }
    }
}
