import Foundation
import XCTest
@testable import ReelSafetensors

/// Corrupts the golden file in many deterministic ways: every outcome must be
/// a clean open or a SafetensorsError, never a crash; files that open must
/// also read every tensor without crashing.
final class MutationTests: XCTestCase {
    func testMutatedFilesNeverCrash() throws {
        let original = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("golden.safetensors")))
        let headerEnd = 8 + Int(original[0]) + Int(original[1]) << 8
        var state: UInt64 = 12345
        func random(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        var opened = 0, rejected = 0
        for trial in 0..<3000 {
            var bytes = original
            switch trial % 4 {
            case 0:   // flip a byte in the header (most interesting region)
                let i = random(headerEnd)
                bytes[i] = UInt8(random(256))
            case 1:   // truncate
                bytes.removeLast(random(bytes.count))
            case 2:   // replace a header digit with another digit
                let digits = (8..<headerEnd).filter { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }
                bytes[digits[random(digits.count)]] = UInt8(0x30 + random(10))
            default:  // insert garbage bytes somewhere
                bytes.insert(contentsOf: (0..<(1 + random(8))).map { _ in UInt8(random(256)) }, at: random(bytes.count))
            }
            do {
                let f = try SafetensorsFile(bytes: bytes)
                opened += 1
                for name in f.tensorNames {
                    let dtype = try f.info(name).dtype
                    if dtype.isFloatingPoint { _ = try f.floats(name) } else { _ = try? f.integers(name) }
                }
            } catch is SafetensorsError {
                rejected += 1
            }
        }
        XCTAssertGreaterThan(rejected, 1000)
        XCTAssertGreaterThan(opened, 0)   // e.g. a digit replaced by itself, or a changed tensor value byte
    }
}
