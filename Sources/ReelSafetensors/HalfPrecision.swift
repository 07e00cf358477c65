// Conversions between Float and the 16- and 8-bit float formats of safetensors,
// done on bit patterns so they behave the same on every platform (Swift's
// Float16 is missing on Intel macOS).
//
// Narrowing rounds to nearest, ties to even, as IEEE 754 and PyTorch do:
//   F16:  overflow goes to +-inf, results below the normal range become
//         subnormals, NaN stays NaN (sign and top payload bits kept, quiet bit set).
//   BF16: the upper 16 bits of the Float rounded; NaN becomes 0x7FC0
//         (PyTorch's c10::BFloat16 round_to_nearest_even).

public enum HalfPrecision {
    /// IEEE binary16 bits to Float (exact).
    @inlinable
    public static func float(fromHalfBits h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F {                       // inf or NaN
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        }
        if exponent == 0 {                          // zero or subnormal: mantissa * 2^-24
            let magnitude = Float(mantissa) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        }
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }

    /// Float to IEEE binary16 bits, rounding to nearest even.
    @inlinable
    public static func halfBits(from value: Float) -> UInt16 {
        let x = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (x >> 16) & 0x8000)
        let exponent = Int((x >> 23) & 0xFF)
        var mantissa = x & 0x7F_FFFF
        if exponent == 0xFF {
            if mantissa == 0 { return sign | 0x7C00 }
            return sign | 0x7E00 | UInt16(truncatingIfNeeded: mantissa >> 13)   // quiet NaN
        }
        let e = exponent - 127 + 15                 // biased half exponent
        if e >= 0x1F { return sign | 0x7C00 }       // |value| >= 2^16: overflow
        if e <= 0 {                                 // half subnormal or zero
            if e < -10 { return sign }              // |value| < 2^-25 rounds to zero
            mantissa |= 0x80_0000                   // implicit leading one
            let shift = UInt32(14 - e)              // 14...24
            var half = mantissa >> shift
            let rest = mantissa & ((1 << shift) - 1)
            let halfway: UInt32 = 1 << (shift - 1)
            if rest > halfway || (rest == halfway && half & 1 == 1) { half += 1 }
            return sign | UInt16(truncatingIfNeeded: half)   // may carry into the smallest normal
        }
        var half = UInt32(e) << 10 | mantissa >> 13
        let rest = mantissa & 0x1FFF
        if rest > 0x1000 || (rest == 0x1000 && half & 1 == 1) { half += 1 }   // may carry to inf
        return sign | UInt16(truncatingIfNeeded: half)
    }

    /// bfloat16 bits to Float (exact).
    @inlinable
    public static func float(fromBFloat16Bits b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    /// Float to bfloat16 bits, rounding to nearest even.
    @inlinable
    public static func bfloat16Bits(from value: Float) -> UInt16 {
        if value.isNaN { return 0x7FC0 }
        let x = value.bitPattern
        let roundingBias: UInt32 = 0x7FFF + ((x >> 16) & 1)
        return UInt16(truncatingIfNeeded: (x &+ roundingBias) >> 16)
    }

    /// F8_E5M2 bits to Float: the upper byte of a binary16 (exact).
    @inlinable
    public static func float(fromF8E5M2Bits b: UInt8) -> Float {
        float(fromHalfBits: UInt16(b) << 8)
    }

    /// F8_E4M3 (the "FN" variant: bias 7, no infinities, S.1111.111 is NaN) to Float (exact).
    @inlinable
    public static func float(fromF8E4M3Bits b: UInt8) -> Float {
        let negative = b & 0x80 != 0
        let exponent = Int((b >> 3) & 0xF)
        let mantissa = Int(b & 0x7)
        if exponent == 0xF && mantissa == 0x7 { return .nan }
        let magnitude: Float = exponent == 0
            ? Float(mantissa) * 0x1p-9
            : Float(8 + mantissa) * Float(sign: .plus, exponent: exponent - 10, significand: 1)
        return negative ? -magnitude : magnitude
    }
}
