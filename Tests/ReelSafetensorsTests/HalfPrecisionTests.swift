import XCTest
@testable import ReelSafetensors

final class HalfPrecisionTests: XCTestCase {
    func testF16SpecialValues() {
        XCTAssertEqual(HalfPrecision.halfBits(from: 0), 0x0000)
        XCTAssertEqual(HalfPrecision.halfBits(from: -0.0), 0x8000)
        XCTAssertEqual(HalfPrecision.halfBits(from: 1), 0x3C00)
        XCTAssertEqual(HalfPrecision.halfBits(from: 65504), 0x7BFF)
        XCTAssertEqual(HalfPrecision.halfBits(from: 65519.996), 0x7BFF)      // below the tie: largest finite
        XCTAssertEqual(HalfPrecision.halfBits(from: 65520), 0x7C00)          // tie: rounds to even = inf
        XCTAssertEqual(HalfPrecision.halfBits(from: .infinity), 0x7C00)
        XCTAssertEqual(HalfPrecision.halfBits(from: -.infinity), 0xFC00)
        XCTAssertEqual(HalfPrecision.halfBits(from: 0x1p-24), 0x0001)        // smallest subnormal
        XCTAssertEqual(HalfPrecision.halfBits(from: 0x1p-25), 0x0000)        // tie: to even (zero)
        XCTAssertEqual(HalfPrecision.halfBits(from: 0x1.000002p-25), 0x0001) // just above the tie
        XCTAssertEqual(HalfPrecision.halfBits(from: 3 * 0x1p-25), 0x0002)    // tie between 1 and 2: even
        XCTAssertEqual(HalfPrecision.halfBits(from: 5 * 0x1p-25), 0x0002)    // tie between 2 and 3: even
        XCTAssertEqual(HalfPrecision.halfBits(from: 0x1.ff8p-15), 0x03FF)    // largest subnormal
        XCTAssertEqual(HalfPrecision.halfBits(from: 0x1.ffap-15), 0x03FF)    // below the tie
        XCTAssertEqual(HalfPrecision.halfBits(from: 0x1.ffcp-15), 0x0400)    // tie rounds up (to even) into the smallest normal
        XCTAssertEqual(HalfPrecision.halfBits(from: 1 + 0x1p-11), 0x3C00)    // tie: even
        XCTAssertEqual(HalfPrecision.halfBits(from: 1 + 3 * 0x1p-11), 0x3C02)
        XCTAssertEqual(HalfPrecision.halfBits(from: 1e-30), 0x0000)
        XCTAssertEqual(HalfPrecision.halfBits(from: -1e-30), 0x8000)
        XCTAssertEqual(HalfPrecision.halfBits(from: Float(bitPattern: 1)), 0x0000)
        XCTAssertEqual(HalfPrecision.halfBits(from: .nan) & 0x7E00, 0x7E00)
        XCTAssertTrue(HalfPrecision.float(fromHalfBits: HalfPrecision.halfBits(from: -.nan)).isNaN)
        XCTAssertTrue(HalfPrecision.float(fromHalfBits: 0x7C01).isNaN)
        XCTAssertEqual(HalfPrecision.float(fromHalfBits: 0x0001), 0x1p-24)
        XCTAssertEqual(HalfPrecision.float(fromHalfBits: 0x8001), -0x1p-24)
        XCTAssertEqual(HalfPrecision.float(fromHalfBits: 0x03FF), 0x1.ff8p-15)
        XCTAssertEqual(HalfPrecision.float(fromHalfBits: 0xFC00), -.infinity)
    }

    func testF16RoundTripOfEveryHalf() {
        for h in 0...UInt16.max {
            let f = HalfPrecision.float(fromHalfBits: h)
            if f.isNaN { continue }
            XCTAssertEqual(HalfPrecision.halfBits(from: f), h)
        }
    }

    #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
    /// Cross-check against Swift's own Float16 (IEEE conversions in the
    /// standard library): every half, and 200k pseudo-random float bit patterns.
    func testF16AgreesWithSwiftFloat16() {
        for h in 0...UInt16.max {
            let mine = HalfPrecision.float(fromHalfBits: h)
            let swift = Float(Float16(bitPattern: h))
            XCTAssertTrue(mine.bitPattern == swift.bitPattern || (mine.isNaN && swift.isNaN), "half 0x\(String(h, radix: 16))")
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var mismatches = 0
        for _ in 0..<200_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: state >> 32))
            if f.isNaN { continue }
            if HalfPrecision.halfBits(from: f) != Float16(f).bitPattern { mismatches += 1 }
        }
        XCTAssertEqual(mismatches, 0)
    }
    #endif

    func testBF16() {
        XCTAssertEqual(HalfPrecision.bfloat16Bits(from: 1), 0x3F80)
        XCTAssertEqual(HalfPrecision.bfloat16Bits(from: 1 + 0x1p-8), 0x3F80)          // tie: even
        XCTAssertEqual(HalfPrecision.bfloat16Bits(from: 1 + 3 * 0x1p-8), 0x3F82)      // tie: up to even
        XCTAssertEqual(HalfPrecision.bfloat16Bits(from: 1 + 0x1.2p-8), 0x3F81)        // above the tie
        XCTAssertEqual(HalfPrecision.bfloat16Bits(from: .greatestFiniteMagnitude), 0x7F80)   // rounds to inf
        XCTAssertEqual(HalfPrecision.bfloat16Bits(from: -.infinity), 0xFF80)
        XCTAssertEqual(HalfPrecision.bfloat16Bits(from: .nan), 0x7FC0)
        XCTAssertEqual(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x0000_8000)), 0x0000)  // subnormal tie: even
        XCTAssertEqual(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x0001_8000)), 0x0002)
        XCTAssertEqual(HalfPrecision.float(fromBFloat16Bits: 0x0001), Float(bitPattern: 0x0001_0000))
        XCTAssertEqual(HalfPrecision.float(fromBFloat16Bits: 0xC020), -2.5)
        for b in 0...UInt16.max {
            let f = HalfPrecision.float(fromBFloat16Bits: b)
            if !f.isNaN { XCTAssertEqual(HalfPrecision.bfloat16Bits(from: f), b) }
        }
    }

    func testF8() {
        XCTAssertEqual(HalfPrecision.float(fromF8E5M2Bits: 0x3C), 1)
        XCTAssertEqual(HalfPrecision.float(fromF8E5M2Bits: 0x7C), .infinity)
        XCTAssertEqual(HalfPrecision.float(fromF8E5M2Bits: 0x01), 0x1p-16)
        XCTAssertEqual(HalfPrecision.float(fromF8E4M3Bits: 0x38), 1)
        XCTAssertEqual(HalfPrecision.float(fromF8E4M3Bits: 0x7E), 448)        // largest finite E4M3FN
        XCTAssertTrue(HalfPrecision.float(fromF8E4M3Bits: 0x7F).isNaN)
        XCTAssertEqual(HalfPrecision.float(fromF8E4M3Bits: 0x01), 0x1p-9)     // smallest subnormal
        XCTAssertEqual(HalfPrecision.float(fromF8E4M3Bits: 0xC0), -2)
    }
}
