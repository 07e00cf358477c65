#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// xoshiro256** (Blackman & Vigna), seeded through SplitMix64: a small,
/// fast, seedable generator whose whole state can be saved and restored
/// exactly, including the cached second value of the Box-Muller normal
/// sampler. reel's one generator of its kind: weight initialisation, noise,
/// dropout and training's data order all draw from it.
public struct Xoshiro256StarStar: RandomNumberGenerator, Equatable, Sendable {
    private var s0, s1, s2, s3: UInt64
    private var spareNormal: Float?

    /// Seeds the four state words with SplitMix64(seed), as the authors recommend.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
        spareNormal = nil
    }

    /// The complete state: the four words, whether a spare normal is cached, and its bits.
    public var stateWords: [UInt64] {
        [s0, s1, s2, s3, spareNormal == nil ? 0 : 1, UInt64(spareNormal?.bitPattern ?? 0)]
    }

    /// Restores a state saved with `stateWords`.
    public init(stateWords w: [UInt64]) throws(RandomStateError) {
        guard w.count == 6, w[4] <= 1, w[5] <= UInt64(UInt32.max) else {
            throw RandomStateError(message: "random state needs 6 words (4 state, spare flag 0/1, spare bits), got \(w)")
        }
        guard w[0] | w[1] | w[2] | w[3] != 0 else {
            throw RandomStateError(message: "random state is all zero, which xoshiro256** never reaches")
        }
        s0 = w[0]; s1 = w[1]; s2 = w[2]; s3 = w[3]
        spareNormal = w[4] == 1 ? Float(bitPattern: UInt32(w[5])) : nil
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A standard normal sample (Box-Muller in Double; every second call
    /// returns the cached partner of the previous one).
    public mutating func nextNormal() -> Float {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        let u1 = (Double(next() >> 11) + 1) * 0x1p-53     // (0, 1]: log is finite
        let u2 = Double(next() >> 11) * 0x1p-53           // [0, 1)
        let r = (-2 * log(u1)).squareRoot()
        let theta = 2 * Double.pi * u2
        spareNormal = Float(r * sin(theta))
        return Float(r * cos(theta))
    }

    /// Fills `buffer` with mean + std * N(0, 1) samples.
    public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>, mean: Float = 0, standardDeviation: Float = 1) {
        for i in buffer.indices { buffer[i] = mean + standardDeviation * nextNormal() }
    }
}

/// A saved generator state that cannot be restored (a checkpoint's damaged metadata).
public struct RandomStateError: ReelError, Equatable {
    public let message: String
    public var kind: ErrorKind { .badData }
    public var description: String { message }
}
