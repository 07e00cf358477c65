// Golden fixtures written by Scripts/make_engine_fixtures.py (format documented there):
// "RFX1", u32 count, then per tensor u32 name length, name, u32 rank, u32 dims, f32 data.

import Foundation
import XCTest
@testable import ReelNumerics

struct Fixture {
    let name: String
    var tensors: [String: (shape: [Int], data: [Float])] = [:]

    init(_ name: String) throws {
        self.name = name
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(name + ".bin")
        let bytes = [UInt8](try Data(contentsOf: url))
        var pos = 0
        func u32() -> Int {
            defer { pos += 4 }
            return Int(UInt32(bytes[pos]) | UInt32(bytes[pos + 1]) << 8 | UInt32(bytes[pos + 2]) << 16 | UInt32(bytes[pos + 3]) << 24)
        }
        guard bytes.count >= 8, bytes[0..<4] == [0x52, 0x46, 0x58, 0x31] else {
            throw NSError(domain: "Fixture", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(name): not an RFX1 file"])
        }
        pos = 4
        let count = u32()
        for _ in 0..<count {
            let n = u32()
            let key = String(decoding: bytes[pos..<(pos + n)], as: UTF8.self)
            pos += n
            let rank = u32()
            let shape = (0..<rank).map { _ in u32() }
            let size = shape.reduce(1, *)
            var data = [Float](repeating: 0, count: size)
            for i in 0..<size { data[i] = Float(bitPattern: UInt32(u32())) }
            tensors[key] = (shape, data)
        }
    }

    func tensor(_ key: String, requiresGrad: Bool = false) -> Tensor {
        guard let t = tensors[key] else { fatalError("\(name): no tensor \(key) in fixture") }
        return Tensor(t.data, shape: t.shape, requiresGrad: requiresGrad)
    }

    func input(_ key: String) -> Tensor { tensor("in." + key, requiresGrad: true) }
    func aux(_ key: String) -> [Float] { tensors["aux." + key]!.data }
    func values(_ key: String) -> [Float] { tensors[key]!.data }
    func shape(_ key: String) -> [Int] { tensors[key]!.shape }
}

/// Prints the max absolute and relative difference (llm.c style), then asserts
/// |got - want| <= atol * scale + rtol * |want| elementwise, scale = max(1, max |want|):
/// float32 rounding grows with the magnitude of the terms summed, so the absolute
/// tolerance is normalized by the tensor's largest value (as ggml's test-backend-ops
/// normalizes its error).
func assertClose(_ label: String, _ got: [Float], _ want: [Float], atol: Float, rtol: Float,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(got.count, want.count, "\(label): \(got.count) values, expected \(want.count)", file: file, line: line)
    guard got.count == want.count else { return }
    var maxAbs: Float = 0, maxRel: Float = 0, worst = 0, bad = 0
    let scale = max(1, want.map { abs($0) }.max() ?? 1)
    for i in 0..<got.count {
        let d = abs(got[i] - want[i])
        if !(d <= atol * scale + rtol * abs(want[i])) { bad += 1 }
        if d > maxAbs || d.isNaN { maxAbs = d; worst = i }
        maxRel = max(maxRel, d / max(abs(want[i]), 1e-6))
    }
    let report = String(format: "%@: max abs diff %.3g, max rel diff %.3g over %d values, max |want| %.3g (atol %.0e x max(1, max |want|), rtol %.0e)",
                        label, maxAbs, maxRel, got.count, scale, atol, rtol)
    print(report)
    XCTAssertEqual(bad, 0, "\(report); worst at \(worst): got \(got[worst]), want \(want[worst])", file: file, line: line)
}
