import CMinHash
#if canImport(Glibc)
import Glibc
#endif
import SieveCore

/// MinHash signatures and their LSH bands.
///
/// The permutation family: hash i of a shingle hash x is the high 32 bits of
/// `a_i * x + b_i` modulo 2^64 (multiply-add-shift, Dietzfelbinger et al.), with
/// `a_i` odd. The coefficients come from SplitMix64 started at `seed`, in the order
/// a_0, b_0, a_1, b_1, ... (a_i with its lowest bit set). Every task that uses the
/// same seed computes the same signatures. A band's key is XXH64 (seed = the band's
/// index) of its `rows` values as little-endian UInt32s.
public struct MinHasher: Sendable {
    public let bands: Int
    public let rows: Int
    public let seed: UInt64
    private let a: [UInt64]
    private let b: [UInt64]

    public init(bands: Int = 14, rows: Int = 8, seed: UInt64 = 1) {
        precondition(bands >= 1 && rows >= 1, "bands and rows must be at least 1")
        self.bands = bands
        self.rows = rows
        self.seed = seed
        var state = seed
        var a: [UInt64] = []
        var b: [UInt64] = []
        for _ in 0..<(bands * rows) {
            a.append(Self.splitMix64(&state) | 1)
            b.append(Self.splitMix64(&state))
        }
        self.a = a
        self.b = b
    }

    /// Number of hash functions: bands × rows.
    public var hashCount: Int { bands * rows }

    /// The signature of a set of shingle hashes; nil for the empty set.
    public func signature(_ shingles: [UInt64]) -> [UInt32]? {
        guard !shingles.isEmpty else { return nil }
        var minima = [UInt32](repeating: .max, count: hashCount)
        sieve_minhash_update(shingles, shingles.count, a, b, &minima, hashCount)
        return minima
    }

    /// `signature` in plain Swift: what the C kernel must compute.
    public func referenceSignature(_ shingles: [UInt64]) -> [UInt32]? {
        guard !shingles.isEmpty else { return nil }
        return (0..<hashCount).map { i in
            shingles.map { UInt32(truncatingIfNeeded: (a[i] &* $0 &+ b[i]) >> 32) }.min()!
        }
    }

    /// The key of each band of `signature`.
    public func bandKeys(_ signature: [UInt32]) -> [UInt64] {
        signature.withUnsafeBytes { raw in
            (0..<bands).map { band in
                XXHash64.hash(UnsafeRawBufferPointer(rebasing: raw[(4 * rows * band)..<(4 * rows * (band + 1))]),
                              seed: UInt64(band))
            }
        }
    }

    /// The probability that two documents with Jaccard similarity `j` share at least one
    /// band: the S-curve 1 - (1 - j^rows)^bands.
    public func collisionProbability(jaccard j: Double) -> Double {
        1 - pow(1 - pow(j, Double(rows)), Double(bands))
    }

    static func splitMix64(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
