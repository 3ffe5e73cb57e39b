/// exp over eight lanes without calling libm: Cephes' single-precision method. x is split
/// as n·ln 2 + r with |r| ≤ ln 2 / 2; e^r is a degree-7 polynomial, 2^n is built in the
/// exponent bits. Relative error about 2e-7 on [-87, 88]; below that the result is about
/// 1e-38, not 0. Rounding uses the 1.5·2²³ trick, which baseline x86-64 vectorizes.
public enum VectorMath {
    @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // Lane by lane: the generic clamped(lowerBound:upperBound:) was not inlined.
        var x = x
        for i in 0..<8 { x[i] = Swift.min(Swift.max(x[i], -87.3), 88.7) }
        let magic = SIMD8<Float>(repeating: 12_582_912)  // 1.5 · 2^23
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        p = p * r * r + r + 1
        // shifted's low mantissa bits hold n; 2^n = (n + 127) << 23.
        let bits = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: SIMD8<Float>.self)
    }

    /// y[i] = exp(x[i] − shift), eight at a time; returns the sum of the y[i].
    @discardableResult
    public static func exp(_ x: UnsafePointer<Float>, minus shift: Float, count: Int, into y: UnsafeMutablePointer<Float>) -> Float {
        var sum = SIMD8<Float>(repeating: 0)
        var i = 0
        let s = SIMD8<Float>(repeating: shift)
        while i + 8 <= count {
            let v = exp(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - s)
            UnsafeMutableRawPointer(y + i).storeBytes(of: v, as: SIMD8<Float>.self)
            sum += v
            i += 8
        }
        var total = sum.sum()
        if i < count {
            var tail = SIMD8<Float>(repeating: -.infinity)
            for j in i..<count { tail[j - i] = x[j] - shift }
            let v = exp(tail)
            for j in i..<count {
                y[j] = v[j - i]
                total += v[j - i]
            }
        }
        return total
    }
}
