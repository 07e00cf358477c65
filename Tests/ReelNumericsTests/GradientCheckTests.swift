// Finite-difference gradient checks of every operation.
//
// For L = sum(f(inputs) * R) with a fixed random R, each sampled input coordinate's
// analytic gradient (from backward) is compared with the central difference
// (L(x + eps) - L(x - eps)) / (2 eps), L accumulated in Float64, eps = 1e-2 (inputs are
// O(1), so the O(eps^2) truncation error is ~1e-4 and Float32 rounding of f divided by
// 2 eps is ~1e-5). Tolerance: |numeric - analytic| <= 3e-3 + 2e-2 * |analytic|.

import XCTest
import ReelDiT
@testable import ReelNumerics
import ReelSystem

final class GradientCheckTests: XCTestCase {
    var rng = Xoshiro256StarStar(seed: 77)

    func randn(_ shape: [Int], scale: Float = 1) -> Tensor {
        Tensor(randomNormal: shape, std: scale, using: &rng, requiresGrad: true)
    }

    func gradCheck(_ name: String, _ inputs: [Tensor], samples: Int = 12, eps: Float = 1e-2,
                   _ f: ([Tensor]) -> Tensor) {
        let failures = gradientMismatches(name, inputs, samples: samples, eps: eps, f)
        XCTAssertTrue(failures.isEmpty, "\(name): \(failures.prefix(5).joined(separator: "; "))")
    }

    /// The sampled coordinates where numeric and analytic gradients disagree.
    func gradientMismatches(_ name: String, _ inputs: [Tensor], samples: Int = 12, eps: Float = 1e-2,
                            _ f: ([Tensor]) -> Tensor) -> [String] {
        let out = f(inputs)
        let r = Tensor(randomNormal: out.shape, using: &rng)
        out.backward(seed: r)
        func loss() -> Double {
            GradMode.withoutGrad {
                let y = f(inputs)
                var s = 0.0
                for i in 0..<y.count { s += Double(y.data[i]) * Double(r.data[i]) }
                return s
            }
        }
        var maxErr: Float = 0
        var failures: [String] = []
        for (n, x) in inputs.enumerated() where x.requiresGrad {
            let analytic = x.gradScalars
            let picks = x.count <= samples ? Array(0..<x.count) : (0..<samples).map { _ in Int(rng.next() % UInt64(x.count)) }
            for k in picks {
                let saved = x.data[k]
                x.data[k] = saved + eps
                let lp = loss()
                x.data[k] = saved - eps
                let lm = loss()
                x.data[k] = saved
                let numeric = Float((lp - lm) / (2 * Double(eps)))
                let err = abs(numeric - analytic[k])
                maxErr = max(maxErr, err / (1 + abs(analytic[k])))
                if !(err <= 3e-3 + 2e-2 * abs(analytic[k])) {
                    failures.append("input \(n) [\(k)]: numeric \(numeric), analytic \(analytic[k])")
                }
            }
        }
        print("gradcheck \(name): max |numeric - analytic| / (1 + |analytic|) = \(maxErr)")
        return failures
    }

    /// The checker itself: an op whose backward is 10% off must be caught.
    func testCheckerCatchesAWrongGradient() {
        func badSquare(_ x: Tensor) -> Tensor {
            let out = Tensor.result(x.shape, inputs: [x]) { out in
                for i in 0..<x.count { x.grad[i] += out.grad[i] * 2.2 * x.data[i] }  // should be 2 x
            }
            for i in 0..<x.count { out.data[i] = x.data[i] * x.data[i] }
            return out
        }
        XCTAssertFalse(gradientMismatches("deliberately wrong square", [randn([10])]) { badSquare($0[0]) }.isEmpty)
    }

    func testLinearAlgebraAndShapes() {
        gradCheck("linear", [randn([2, 3, 5]), randn([4, 5]), randn([4])]) { linear($0[0], weight: $0[1], bias: $0[2]) }
        gradCheck("matmul", [randn([2, 3, 4]), randn([2, 4, 5])]) { matmul($0[0], $0[1]) }
        gradCheck("matmul transposeB", [randn([3, 4]), randn([5, 4])]) { matmul($0[0], $0[1], transposeB: true) }
        gradCheck("add broadcast", [randn([2, 3, 4]), randn([3, 1])]) { $0[0] + $0[1] }
        gradCheck("mul broadcast", [randn([2, 3, 4]), randn([2, 1, 4])]) { $0[0] * $0[1] }
        gradCheck("sub", [randn([3, 4]), randn([3, 4])]) { $0[0] - $0[1] }
        gradCheck("affine", [randn([3, 4])]) { $0[0] * 1.5 + 2 }
        gradCheck("sum", [randn([3, 4])]) { sum($0[0]) }
        gradCheck("mean", [randn([3, 4])]) { mean($0[0]) }
        gradCheck("sum axis", [randn([2, 3, 4])]) { sum($0[0], axis: 1) }
        gradCheck("mean axis", [randn([2, 3, 4])]) { mean($0[0], axis: 2, keepDim: true) }
        gradCheck("reshape", [randn([2, 6])]) { $0[0].reshaped([3, 4]) * $0[0].reshaped([3, 4]) }
        gradCheck("permute", [randn([2, 3, 4])]) { $0[0].permuted([2, 0, 1]) }
        gradCheck("concat", [randn([2, 3]), randn([2, 2])]) { concat([$0[0], $0[1]], axis: 1) }
        gradCheck("split", [randn([2, 5])]) { let p = split($0[0], sizes: [2, 3], axis: 1); return p[1] * 3 + sum(p[0] * p[0]) }
    }

    func testActivationsAndNormalization() {
        gradCheck("silu", [randn([40], scale: 3)]) { silu($0[0]) }
        gradCheck("gelu tanh", [randn([40], scale: 3)]) { gelu($0[0], approximation: .tanh) }
        gradCheck("gelu erf", [randn([40], scale: 3)]) { gelu($0[0], approximation: .erf) }
        gradCheck("softmax", [randn([3, 9], scale: 2)]) { softmax($0[0]) }
        let keep = Tensor((0..<20).map { Float(($0 * 7) % 3 == 0 ? 0 : 1) }, shape: [4, 5])
        gradCheck("dropout", [randn([4, 5])]) { dropout($0[0], keepMask: keep, p: 0.3) }
        gradCheck("layerNorm affine", [randn([3, 8]), randn([8]), randn([8])]) { layerNorm($0[0], weight: $0[1], bias: $0[2]) }
        gradCheck("layerNorm plain", [randn([3, 8])]) { layerNorm($0[0], weight: nil, bias: nil) }
        gradCheck("rmsNorm", [randn([3, 8]), randn([8])]) { rmsNorm($0[0], weight: $0[1]) }
        gradCheck("groupNorm", [randn([2, 4, 6]), randn([4]), randn([4])]) { groupNorm($0[0], groups: 2, weight: $0[1], bias: $0[2]) }
        gradCheck("modulate", [randn([2, 3, 4]), randn([2, 4]), randn([2, 4])]) { modulate($0[0], shift: $0[1], scale: $0[2]) }
    }

    func testAttentionRotaryEmbedding() {
        let mask = AttentionMask(keyValid: [true, true, true, true, false, true, true, true, true, true],
                                 querySegment: [0, 0, 1, 1, 0, 1, 1, 2], keySegment: [0, 0, 1, 1, 1, 0, 0, 1, 1, 1])
        gradCheck("attention block mask", [randn([2, 4, 8]), randn([2, 5, 8]), randn([2, 5, 8])]) {
            scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], heads: 2, mask: mask)
        }
        gradCheck("attention causal", [randn([1, 6, 8]), randn([1, 6, 8]), randn([1, 6, 8])]) {
            scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], heads: 2, mask: AttentionMask(causal: true))
        }
        gradCheck("attention long (2 x 2 tiles)", [randn([1, 300, 4]), randn([1, 530, 4]), randn([1, 530, 4])]) {
            scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], heads: 1)
        }
        let rope = RotaryEmbedding3D(headDim: 6, axisDims: (2, 2, 2), positions: RotaryEmbedding3D.gridPositions(frames: 2, height: 1, width: 2))
        gradCheck("rope3d", [randn([1, 4, 12])]) { rope($0[0], heads: 2) }
        gradCheck("embedding", [randn([5, 3])]) { embedding($0[0], ids: [1, 4, 1, 0], shape: [2, 2]) }
    }

    func testConvolutionAndResampling() {
        gradCheck("conv3d causal strided", [randn([1, 2, 4, 5, 5]), randn([3, 2, 3, 3, 3], scale: 0.3), randn([3])]) {
            conv3d($0[0], weight: $0[1], bias: $0[2], stride: (1, 2, 2), padding: .causal(kernelT: 3, spatial: 1))
        }
        gradCheck("conv2d", [randn([1, 2, 5, 5]), randn([2, 2, 3, 3], scale: 0.3), randn([2])]) {
            conv2d($0[0], weight: $0[1], bias: $0[2], padding: (1, 1))
        }
        gradCheck("upsampleNearest", [randn([1, 2, 2, 2, 3])]) { upsampleNearest($0[0], factors: (2, 2, 1)) }
        gradCheck("subsample", [randn([1, 2, 3, 4, 4])]) { subsample($0[0], stride: (2, 2, 2)) }
    }

    func testLosses() {
        gradCheck("mse", [randn([3, 5]), randn([3, 5])]) { mseLoss($0[0], $0[1]) }
        gradCheck("l1", [randn([3, 5]), randn([3, 5])]) { l1Loss($0[0], $0[1]) }
        gradCheck("kl", [randn([3, 5]), randn([3, 5])]) { klDiagonalGaussian(mean: $0[0], logVariance: $0[1]) }
    }

    func testBlocks() {
        var r = Xoshiro256StarStar(seed: 5)
        let block = DiTBlock(width: 16, heads: 2, contextWidth: 8, conditionWidth: 16, rng: &r)
        let rope = RotaryEmbedding3D(headDim: 8, axisDims: (2, 2, 4), positions: RotaryEmbedding3D.gridPositions(frames: 2, height: 1, width: 3))
        let ctx = randn([1, 3, 8]), cond = randn([1, 16])
        gradCheck("DiT block", [randn([1, 6, 16]), cond, ctx] + block.parameters(), samples: 4) {
            block($0[0], condition: $0[1], context: $0[2], rope: rope)
        }
        let conv = ResidualConvBlock3d(inChannels: 2, outChannels: 4, groups: 2, rng: &r)
        gradCheck("conv block", [randn([1, 2, 3, 4, 4])] + conv.parameters(), samples: 4) { conv($0[0]) }
    }
}
