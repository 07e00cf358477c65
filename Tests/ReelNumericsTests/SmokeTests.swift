import XCTest
import ReelDiT
@testable import ReelNumerics
import ReelSystem

final class SmokeTests: XCTestCase {
    func testBlockRunsForwardAndBackward() {
        var rng = Xoshiro256StarStar(seed: 3)
        let block = DiTBlock(width: 32, heads: 4, contextWidth: 24, conditionWidth: 32, rng: &rng)
        let x = Tensor(randomNormal: [2, 12, 32], using: &rng, requiresGrad: true)
        let c = Tensor(randomNormal: [2, 32], using: &rng)
        let text = Tensor(randomNormal: [2, 5, 24], using: &rng)
        let rope = RotaryEmbedding3D(headDim: 8, axisDims: (2, 2, 4), positions: RotaryEmbedding3D.gridPositions(frames: 3, height: 2, width: 2))
        let y = block(x, condition: c, context: text, rope: rope)
        XCTAssertEqual(y.shape, [2, 12, 32])
        let loss = mean(y * y)
        loss.backward()
        XCTAssertTrue(x.gradScalars.allSatisfy { $0.isFinite })
        XCTAssertTrue(block.adaLN.weight.gradScalars.contains { $0 != 0 })
        print(Engine.description)
    }
}
