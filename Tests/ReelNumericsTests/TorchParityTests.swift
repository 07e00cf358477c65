// Every operation against PyTorch goldens (Scripts/make_engine_fixtures.py): the output
// and the gradient of every input, for a random upstream gradient. The goldens are
// computed in float64 from the same float32 inputs; tolerances per op below (atol is
// relative to max(1, the golden's largest magnitude), see assertClose).

import XCTest
import ReelDiT
@testable import ReelNumerics
import ReelSystem

final class TorchParityTests: XCTestCase {
    /// Runs `build` on the fixture's inputs, back-propagates its grad_out, compares
    /// the output and every "grad.<name>" with the goldens.
    func check(_ name: String, atol: Float = 1e-5, rtol: Float = 1e-4, gradAtol: Float? = nil,
               _ build: (Fixture, inout [String: Tensor]) -> Tensor) throws {
        let f = try Fixture(name)
        var inputs: [String: Tensor] = [:]
        for key in f.tensors.keys where key.hasPrefix("in.") {
            inputs[String(key.dropFirst(3))] = f.input(String(key.dropFirst(3)))
        }
        let out = build(f, &inputs)
        XCTAssertEqual(out.shape, f.shape("out"), "\(name): output shape")
        assertClose("\(name) out", out.scalars, f.values("out"), atol: atol, rtol: rtol)
        out.backward(seed: f.tensor("grad_out"))
        for (key, t) in inputs.sorted(by: { $0.key < $1.key }) {
            assertClose("\(name) grad \(key)", t.gradScalars, f.values("grad." + key), atol: gradAtol ?? atol, rtol: rtol)
        }
    }

    func testLinearAndMatmul() throws {
        try check("linear") { _, i in linear(i["x"]!, weight: i["weight"]!, bias: i["bias"]!) }
        try check("matmul") { _, i in matmul(i["a"]!, i["b"]!) }
        try check("matmul_transposed_b") { _, i in matmul(i["a"]!, i["b"]!, transposeB: true) }
    }

    func testConvolutionsAndResampling() throws {
        try check("conv3d_causal", atol: 1e-5) { _, i in
            conv3d(i["x"]!, weight: i["weight"]!, bias: i["bias"]!, padding: .causal(kernelT: 3, spatial: 1))
        }
        try check("conv3d_strided", atol: 1e-5) { _, i in
            conv3d(i["x"]!, weight: i["weight"]!, bias: i["bias"]!, stride: (2, 2, 2), padding: .same(1))
        }
        try check("conv3d_large", atol: 1e-5) { _, i in
            conv3d(i["x"]!, weight: i["weight"]!, bias: i["bias"]!, padding: .causal(kernelT: 3, spatial: 1))
        }
        try check("conv2d", atol: 1e-5) { _, i in
            conv2d(i["x"]!, weight: i["weight"]!, bias: i["bias"]!, stride: (2, 2), padding: (1, 1))
        }
        try check("upsample_nearest") { _, i in upsampleNearest(i["x"]!, factors: (2, 2, 2)) }
        try check("subsample") { _, i in subsample(i["x"]!, stride: (1, 2, 2)) }
    }

    func testNormalization() throws {
        try check("group_norm") { _, i in groupNorm(i["x"]!, groups: 2, weight: i["weight"]!, bias: i["bias"]!) }
        try check("layer_norm_affine") { _, i in layerNorm(i["x"]!, weight: i["weight"]!, bias: i["bias"]!) }
        try check("layer_norm_plain") { _, i in layerNorm(i["x"]!, weight: nil, bias: nil, eps: 1e-6) }
        try check("rms_norm") { _, i in rmsNorm(i["x"]!, weight: i["weight"]!) }
        try check("modulate") { _, i in modulate(i["x"]!, shift: i["shift"]!, scale: i["scale"]!) }
    }

    func testActivations() throws {
        try check("silu") { _, i in silu(i["x"]!) }
        try check("gelu_tanh") { _, i in gelu(i["x"]!, approximation: .tanh) }
        try check("gelu_erf") { _, i in gelu(i["x"]!, approximation: .erf) }
        try check("softmax") { _, i in softmax(i["x"]!) }
        try check("dropout") { f, i in
            dropout(i["x"]!, keepMask: Tensor(f.aux("keep_mask"), shape: i["x"]!.shape), p: 0.3)
        }
    }

    func testAttention() throws {
        try check("attention_plain", atol: 2e-5) { _, i in
            scaledDotProductAttention(query: i["q"]!, key: i["k"]!, value: i["v"]!, heads: 4)
        }
        try check("attention_key_padding", atol: 2e-5) { f, i in
            let mask = AttentionMask(keyValid: f.aux("key_valid").map { $0 != 0 })
            return scaledDotProductAttention(query: i["q"]!, key: i["k"]!, value: i["v"]!, heads: 4, mask: mask)
        }
        try check("attention_block_mask", atol: 2e-5) { f, i in
            let mask = AttentionMask(keyValid: f.aux("key_valid").map { $0 != 0 },
                                     querySegment: f.aux("query_segment").map { Int32($0) },
                                     keySegment: f.aux("key_segment").map { Int32($0) })
            return scaledDotProductAttention(query: i["q"]!, key: i["k"]!, value: i["v"]!, heads: 4, mask: mask)
        }
        try check("attention_causal", atol: 2e-5) { _, i in
            scaledDotProductAttention(query: i["q"]!, key: i["k"]!, value: i["v"]!, heads: 4,
                                      mask: AttentionMask(causal: true))
        }
        try check("attention_long", atol: 2e-5) { f, i in
            XCTAssertTrue(attentionTiles(tq: 300, tk: 600) == (256, 512), "the fixture should span several tiles")
            return scaledDotProductAttention(query: i["q"]!, key: i["k"]!, value: i["v"]!, heads: 2,
                                             mask: AttentionMask(keyValid: f.aux("key_valid").map { $0 != 0 }))
        }
    }

    func testRotaryEmbedding() throws {
        try check("rope3d") { _, i in
            let rope = RotaryEmbedding3D(headDim: 8, axisDims: (2, 2, 4),
                                         positions: RotaryEmbedding3D.gridPositions(frames: 2, height: 2, width: 3))
            return rope(i["x"]!, heads: 2)
        }
    }

    func testEmbeddingElementwiseAndShapes() throws {
        try check("embedding") { f, i in embedding(i["table"]!, ids: f.aux("ids").map { Int32($0) }, shape: [2, 4]) }
        try check("broadcast_add") { _, i in i["a"]! + i["b"]! }
        try check("broadcast_mul") { _, i in i["a"]! * i["b"]! }
        try check("sub") { _, i in i["a"]! - i["b"]! }
        try check("sum_axis") { _, i in sum(i["x"]!, axis: 1) }
        try check("mean_axis") { _, i in mean(i["x"]!, axis: -1, keepDim: true) }
        try check("permute") { _, i in i["x"]!.permuted([2, 0, 3, 1]) }
        try check("concat") { _, i in concat([i["a"]!, i["b"]!], axis: 1) }
        try check("split") { _, i in
            let parts = split(i["x"]!, sizes: [2, 3], axis: 1)
            return parts[1] * 2 + sum(parts[0]).reshaped([1, 1, 1])
        }
    }

    func testLosses() throws {
        try check("mse_loss") { _, i in mseLoss(i["a"]!, i["b"]!) }
        try check("l1_loss") { _, i in l1Loss(i["a"]!, i["b"]!) }
        try check("kl_diagonal_gaussian") { _, i in klDiagonalGaussian(mean: i["mean"]!, logVariance: i["logvar"]!) }
    }

    /// Copies "param.<name>" fixture tensors into the layer's parameters and puts the
    /// layer's tensors into `inputs` so their gradients are compared.
    func load(_ layer: Layer, from f: Fixture, into inputs: inout [String: Tensor]) {
        for (name, t) in layer.namedParameters() {
            let values = f.values("in.param." + name)
            XCTAssertEqual(values.count, t.count, "parameter \(name)")
            values.withUnsafeBufferPointer { t.data.update(from: $0.baseAddress!, count: t.count) }
            inputs["param." + name] = t
        }
    }

    func testDiTBlock() throws {
        try check("dit_block", atol: 2e-5, rtol: 1e-3) { f, i in
            var rng = Xoshiro256StarStar(seed: 0)
            let block = DiTBlock(width: 32, heads: 4, contextWidth: 24, conditionWidth: 32, rng: &rng)
            load(block, from: f, into: &i)
            let rope = RotaryEmbedding3D(headDim: 8, axisDims: (2, 2, 4),
                                         positions: RotaryEmbedding3D.gridPositions(frames: 2, height: 2, width: 3))
            let crossMask = AttentionMask(keyValid: f.aux("text_valid").map { $0 != 0 },
                                          querySegment: f.aux("frame_of_token").map { Int32($0) },
                                          keySegment: f.aux("text_segment").map { Int32($0) })
            return block(i["x"]!, condition: i["condition"]!, context: i["context"]!, rope: rope, crossMask: crossMask)
        }
    }

    func testConvBlock() throws {
        try check("conv_block", atol: 2e-5, rtol: 1e-3) { f, i in
            var rng = Xoshiro256StarStar(seed: 0)
            let block = ResidualConvBlock3d(inChannels: 4, outChannels: 8, groups: 2, rng: &rng)
            load(block, from: f, into: &i)
            return block(i["x"]!)
        }
    }
}
