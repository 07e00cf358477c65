// Seedable randomness for the shapes world. Content never comes from
// SystemRandomNumberGenerator: a seed fixes every clip, byte for byte, on
// every platform and Swift version (the helpers below use only `next()`).

/// SplitMix64 (Steele, Lea and Flood 2014; the generator Java's
/// SplittableRandom and xoshiro's seeding use): 64 bits of state, one add and
/// a mixing function per draw.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 finaliser: a bijective 64-bit hash.
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The seed of clip `index` in a dataset made from `seed`: clip i is the
    /// same clip whatever the count.
    public static func clipSeed(_ seed: UInt64, index: Int) -> UInt64 {
        mix(seed ^ mix(UInt64(truncatingIfNeeded: index) &+ 0x632B_E59B_D9B4_E019))
    }
}

extension RandomNumberGenerator {
    /// Uniform in [0, 1), 53 bits.
    mutating func unitInterval() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) * unitInterval()
    }

    /// Uniform integer in 0..<n (n > 0), by Lemire's multiply-shift (bias < 2^-32 for small n).
    mutating func below(_ n: Int) -> Int {
        Int(((next() >> 32) &* UInt64(n)) >> 32)
    }

    /// One element of a non-empty array.
    mutating func pick<T>(_ items: [T]) -> T {
        items[below(items.count)]
    }

    /// An index drawn with the given (non-negative, not all zero) weights.
    mutating func weightedIndex(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var u = unitInterval() * total
        for (i, w) in weights.enumerated() {
            if u < w { return i }
            u -= w
        }
        return weights.count - 1
    }
}
