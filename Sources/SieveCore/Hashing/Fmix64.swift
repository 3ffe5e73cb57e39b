/// MurmurHash3's 64-bit finalizer: every input bit affects every output bit. Finishes
/// MurmurHash3 (dedup's exact hash) and the language-ID model's feature hashes.
@inlinable @inline(__always)
public func fmix64(_ k: UInt64) -> UInt64 {
    var k = k
    k ^= k >> 33
    k &*= 0xff51_afd7_ed55_8ccd
    k ^= k >> 33
    k &*= 0xc4ce_b9fe_1a85_ec53
    k ^= k >> 33
    return k
}

/// The inverse of `fmix64` (each of its steps is invertible: a shift of 33 or more
/// XORed in undoes itself, and the multipliers are odd). Lets a file sorted by the
/// mixed key give the key back without storing it.
@inlinable @inline(__always)
public func fmix64Inverse(_ k: UInt64) -> UInt64 {
    var k = k
    k ^= k >> 33
    k &*= 0x9cb4_b2f8_1293_37db
    k ^= k >> 33
    k &*= 0x4f74_430c_22a5_4005
    k ^= k >> 33
    return k
}
