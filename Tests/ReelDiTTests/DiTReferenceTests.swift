// The whole model's forward pass and one training step's loss and gradients against the
// PyTorch reference (Scripts/make_dit_fixtures.py, float64), on a tiny config.

import Foundation
import XCTest
import ReelDiT
import ReelNumerics

/// RFX1 tensors (format in Scripts/make_engine_fixtures.py).
func readFixture(_ name: String) throws -> [String: (shape: [Int], data: [Float])] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name).bin")
    let bytes = [UInt8](try Data(contentsOf: url))
    var pos = 4, out: [String: (shape: [Int], data: [Float])] = [:]
    func u32() -> UInt32 {
        defer { pos += 4 }
        return UInt32(bytes[pos]) | UInt32(bytes[pos + 1]) << 8 | UInt32(bytes[pos + 2]) << 16 | UInt32(bytes[pos + 3]) << 24
    }
    XCTAssertEqual(Array(bytes[0..<4]), Array("RFX1".utf8))
    for _ in 0..<Int(u32()) {
        let n = Int(u32())
        let key = String(decoding: bytes[pos..<(pos + n)], as: UTF8.self)
        pos += n
        let shape = (0..<Int(u32())).map { _ in Int(u32()) }
        out[key] = (shape, (0..<shape.reduce(1, *)).map { _ in Float(bitPattern: u32()) })
    }
    return out
}

/// Max |got - want| over max(1, max |want|): float32 against float64.
func normalizedError(_ got: [Float], _ want: [Float]) -> Float {
    let scale = max(1, want.map(abs).max() ?? 1)
    return zip(got, want).map { abs($0 - $1) }.max()! / scale
}

final class DiTReferenceTests: XCTestCase {
    func testForwardAndTrainingStepMatchPyTorch() throws {
        let fx = try readFixture("dit_forward_step")
        let cfg = DiTConfig(latentChannels: 8, width: 24, depth: 2, heads: 2, mlpRatio: 2, textWidth: 6, ropeT: 4, ropeH: 4, ropeW: 4)
        let m = try DiffusionTransformer(config: cfg, seed: 0)
        for (name, t) in m.namedParameters() {
            let want = try XCTUnwrap(fx["param." + name], "the fixture has no \(name)")
            XCTAssertEqual(want.shape, t.shape, name)
            for i in 0..<t.count { t.data[i] = want.data[i] }
        }
        XCTAssertEqual(fx.keys.filter { $0.hasPrefix("param.") }.count, m.namedParameters().count)
        func aux(_ k: String) -> (shape: [Int], data: [Float]) { fx["aux." + k]! }
        let tokens = Tensor(aux("tokens").data, shape: aux("tokens").shape, requiresGrad: true)
        let batch = DiTBatch(tokens: tokens, levels: aux("levels").data, frames: 3, gridH: 2, gridW: 2,
                             text: Tensor(aux("text").data, shape: aux("text").shape),
                             textValid: aux("text_valid").data.map { $0 != 0 },
                             textSegment: aux("text_segment").data.map { Int32($0) },
                             frameSegment: aux("frame_segment").data.map { Int32($0) },
                             pooled: Tensor(aux("pooled").data, shape: aux("pooled").shape))
        let out = m(batch)
        let outError = normalizedError(out.scalars, fx["out"]!.data)
        print("DiT forward: out[0..<4] \(Array(out.scalars.prefix(4))) want \(Array(fx["out"]!.data.prefix(4))); normalized error \(outError)")
        XCTAssertLessThan(outError, 1e-4)
        let target = Tensor(aux("target").data, shape: aux("target").shape)
        let weight = Tensor(aux("weight").data, shape: aux("weight").shape)
        let counted = aux("weight").data.reduce(0, +) * Float(cfg.tokenDim)
        let diff = out - target
        let loss = sum(diff * diff * weight) * (1 / counted)
        XCTAssertEqual(loss.item, fx["loss"]!.data[0], accuracy: 1e-4 * fx["loss"]!.data[0])
        loss.backward()
        var worst: (String, Float) = ("", 0)
        for (name, t) in m.namedParameters() {
            let e = normalizedError(t.gradScalars, fx["grad." + name]!.data)
            if e > worst.1 { worst = (name, e) }
            XCTAssertLessThan(e, 1e-3, "gradient of \(name)")
        }
        let eTok = normalizedError(tokens.gradScalars, fx["grad.tokens"]!.data)
        print("DiT gradients: worst parameter \(worst.0) \(worst.1); tokens \(eTok)")
        XCTAssertLessThan(eTok, 1e-3)
    }
}
