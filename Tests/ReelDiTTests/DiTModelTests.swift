import Foundation
import XCTest
import ReelDiT
import ReelNumerics
import ReelOptim
import ReelStream
import ReelSystem

/// A tiny model for fast tests: 8 latent channels, width 24, 2 blocks.
func tinyConfig() -> DiTConfig {
    DiTConfig(latentChannels: 8, width: 24, depth: 2, heads: 2, mlpRatio: 2, textWidth: 6, ropeT: 4, ropeH: 4, ropeW: 4,
              timestepShift: 1, vaeID: "test-vae", defaultSteps: 4, defaultGuidance: 2, maxFrames: 33, id: "tiny")
}

/// Gives every zero-initialised (adaLN-Zero) weight small random values, so tests see every path.
func randomize(_ model: DiffusionTransformer, seed: UInt64) {
    var rng = Xoshiro256StarStar(seed: seed)
    for (_, t) in model.namedParameters() { for i in 0..<t.count where t.data[i] == 0 { t.data[i] = (rng.nextFloat() - 0.5) * 0.2 } }
}

func textCondition(_ seed: UInt64, tokens: Int, width: Int, frames: Range<Int>) -> TextCondition {
    var rng = Xoshiro256StarStar(seed: seed)
    return TextCondition(tokenStates: (0..<(tokens * width)).map { _ in rng.nextNormal() }, tokenCount: tokens,
                         pooled: (0..<width).map { _ in rng.nextNormal() }, frames: frames)
}

final class DiTModelTests: XCTestCase {
    func testUntrainedModelPredictsZeroVelocity() throws {
        // adaLN-Zero: the output projection starts at zero.
        let m = try DiffusionTransformer(config: tinyConfig(), seed: 1)
        var rng = Xoshiro256StarStar(seed: 2)
        let t = textInputs([[textCondition(3, tokens: 3, width: 6, frames: 0..<2)]], null: textCondition(4, tokens: 2, width: 6, frames: 0..<0), frames: 2, width: 6)
        let x = Tensor(randomNormal: [1, 2 * 4, 32], using: &rng)
        let v = m(DiTBatch(tokens: x, levels: [0.5, 1], frames: 2, gridH: 2, gridW: 2, text: t.text, textValid: t.valid,
                           textSegment: t.textSegment, frameSegment: t.frameSegment, pooled: t.pooled))
        XCTAssertEqual(v.shape, [1, 8, 32])
        XCTAssertTrue(v.scalars.allSatisfy { $0 == 0 })
    }

    func testDeeperModelGrownFromAShallowerOneComputesTheSame() throws {
        // reel-train dit --init with a larger --depth: the added blocks start as the identity.
        let small = try DiffusionTransformer(config: tinyConfig(), seed: 1)
        randomize(small, seed: 5)
        var deepConfig = tinyConfig(); deepConfig.depth = 4
        let deep = try DiffusionTransformer(config: deepConfig, seed: 9)
        try DiffusionTransformer.copyWeights(from: small, into: deep)
        var rng = Xoshiro256StarStar(seed: 2)
        let t = textInputs([[textCondition(3, tokens: 3, width: 6, frames: 0..<2)]], null: textCondition(4, tokens: 2, width: 6, frames: 0..<0), frames: 2, width: 6)
        let batch = DiTBatch(tokens: Tensor(randomNormal: [1, 2 * 4, 32], using: &rng), levels: [0.5, 1], frames: 2, gridH: 2, gridW: 2,
                             text: t.text, textValid: t.valid, textSegment: t.textSegment, frameSegment: t.frameSegment, pooled: t.pooled)
        let a = small(batch).scalars, b = deep(batch).scalars
        XCTAssertTrue(a.contains { $0 != 0 })
        XCTAssertEqual(a, b)
        // A tensor of another size is refused by name.
        var wider = tinyConfig(); wider.mlpRatio = 4
        let other = try DiffusionTransformer(config: wider, seed: 1)
        XCTAssertThrowsError(try DiffusionTransformer.copyWeights(from: small, into: other)) {
            XCTAssertTrue("\($0)".contains("mlp"), "\($0)")
        }
    }

    func testTextSegmentsMapToFrames() {
        let a = textCondition(1, tokens: 2, width: 6, frames: 0..<2), b = textCondition(2, tokens: 3, width: 6, frames: 3..<4)
        let null = textCondition(3, tokens: 1, width: 6, frames: 0..<0)
        let t = textInputs([[a, b]], null: null, frames: 4, width: 6)
        XCTAssertEqual(t.frameSegment, [0, 0, 2, 1])  // frame 2: no segment, the null text (index 2)
        XCTAssertEqual(t.textSegment, [0, 0, 1, 1, 1, 2])
        XCTAssertEqual(t.valid, [true, true, true, true, true, true])
        XCTAssertEqual(Array(t.pooled.scalars[(2 * 6)..<(3 * 6)]), null.pooled)
        XCTAssertEqual(Array(t.pooled.scalars[(3 * 6)..<(4 * 6)]), b.pooled)
    }

    func testTokensRoundTripThroughNormalization() {
        var c = tinyConfig()
        c.latentShift = (0..<8).map { Float($0) * 0.1 }
        c.latentScale = (0..<8).map { 1 + Float($0) * 0.5 }
        var rng = Xoshiro256StarStar(seed: 9)
        let z = (0..<(3 * 8 * 4 * 6)).map { _ in rng.nextNormal() }
        let tokens = c.tokens(fromLatent: z, frames: 3, height: 4, width: 6)
        XCTAssertEqual(tokens.count, 3 * 2 * 3 * 32)
        // Token (t=1, gy=1, gx=2), channel 3, dy=1, dx=0 is latent (1, 3, 3, 4).
        let tok = ((1 * 2 + 1) * 3 + 2) * 32, want = (z[((1 * 8 + 3) * 4 + 3) * 6 + 4] - 0.3) / 2.5
        XCTAssertEqual(tokens[tok + (3 * 2 + 1) * 2 + 0], want, accuracy: 1e-6)
        let back = c.latent(fromTokens: tokens, frames: 3, height: 4, width: 6)
        for i in 0..<z.count { XCTAssertEqual(back[i], z[i], accuracy: 1e-5) }
    }

    /// config.prediction .sample: the network's output is x0, and the model gives the velocity
    /// (x_t - x0) / max(t_f, 0.05) per frame, so that the sampler and training need no change.
    func testSamplePredictionGivesTheVelocityOfItsCleanEstimate() throws {
        let plain = try DiffusionTransformer(config: tinyConfig(), seed: 1)
        randomize(plain, seed: 5)
        var sc = tinyConfig(); sc.prediction = .sample
        let sample = try DiffusionTransformer(config: sc, seed: 1)
        randomize(sample, seed: 5)
        var rng = Xoshiro256StarStar(seed: 2)
        let t = textInputs([[textCondition(3, tokens: 3, width: 6, frames: 0..<3)]], null: textCondition(4, tokens: 2, width: 6, frames: 0..<0), frames: 3, width: 6)
        let levels: [Float] = [0.5, 0.01, 0]
        let x = Tensor(randomNormal: [1, 3 * 4, 32], using: &rng)
        let batch = DiTBatch(tokens: x, levels: levels, frames: 3, gridH: 2, gridW: 2, text: t.text, textValid: t.valid,
                             textSegment: t.textSegment, frameSegment: t.frameSegment, pooled: t.pooled)
        let raw = plain(batch).scalars, v = sample(batch)
        for i in 0..<raw.count {
            let level = max(levels[i / (4 * 32)], 0.05)
            XCTAssertEqual(v.scalars[i], (x.scalars[i] - raw[i]) / level, accuracy: 1e-4 * max(1, abs(v.scalars[i])), "value \(i)")
        }
        // Gradients pass through the division: d mean(v^2) / d bias_j = sum_t 2 v_tj (-1 / level_t) / count.
        let loss = mean(v * v)
        loss.backward()
        let bias = try XCTUnwrap(sample.outProj.bias).gradScalars
        for j in 0..<32 {
            var want: Float = 0
            for tok in 0..<12 { want += 2 * v.scalars[tok * 32 + j] * (-1 / max(levels[tok / 4], 0.05)) / Float(v.count) }
            XCTAssertEqual(bias[j], want, accuracy: 1e-3 * max(1, abs(want)), "bias \(j)")
        }
        // The setting is stored beside the weights; a config without it reads as velocity.
        let back = try DiTConfig.decode(try sc.jsonData(), name: "x.json")
        XCTAssertEqual(back.prediction, .sample)
        XCTAssertNil(try DiTConfig.decode(try tinyConfig().jsonData(), name: "y.json").prediction)
    }

    /// A tiny model learns one clip: after training on x0 at random levels, sampling from
    /// noise lands near x0 (and an untrained model does not).
    func testTinyModelOverfitsOneClip() throws {
        var cfg = tinyConfig()
        cfg.width = 48; cfg.heads = 2; cfg.ropeT = 8; cfg.ropeH = 8; cfg.ropeW = 8
        let m = try DiffusionTransformer(config: cfg, seed: 5)
        var rng = Xoshiro256StarStar(seed: 6)
        let f = 2, n = 4, d = cfg.tokenDim
        let x0 = (0..<(f * n * d)).map { _ in rng.nextNormal() }
        let text = textCondition(7, tokens: 3, width: 6, frames: 0..<f), null = textCondition(8, tokens: 2, width: 6, frames: 0..<0)
        let refs = m.parameterViews().map { ParameterRef(name: $0.name, shape: $0.shape, value: $0.value, grad: $0.grad, decay: $0.decay) }
        let opt = try AdamW(parameters: refs, config: AdamWConfig(learningRate: 3e-3, weightDecay: 0))
        let ti = textInputs([[text]], null: null, frames: f, width: 6)
        var first: Float = 0, last: Float = 0
        for step in 0..<4000 {
            let t = max(0.02, rng.nextFloat())
            let noise = (0..<(f * n * d)).map { _ in rng.nextNormal() }
            let xt = FlowSampler.initialState(clean: x0, noise: noise, levels: [t, t], tokensPerFrame: n, dim: d)
            let target = Tensor(zip(noise, x0).map { $0 - $1 }, shape: [1, f * n, d])
            let batch = DiTBatch(tokens: Tensor(xt, shape: [1, f * n, d]), levels: [t, t], frames: f, gridH: 2, gridW: 2, text: ti.text,
                                 textValid: ti.valid, textSegment: ti.textSegment, frameSegment: ti.frameSegment, pooled: ti.pooled)
            zeroGradients(refs)
            let diff = m(batch) - target
            let loss = mean(diff * diff)
            loss.backward()
            try opt.step(refs, learningRate: 3e-3 * (1 - Double(step) / 4000) + 1e-4)
            if step < 20 { first += loss.item / 20 }
            if step >= 3980 { last += loss.item / 20 }
        }
        XCTAssertLessThan(last, first * 0.3, "loss \(first) -> \(last)")
        let sampler = FlowSampler(model: m, steps: 20, guidance: 1)
        var x = (0..<(f * n * d)).map { _ in rng.nextNormal() }
        sampler.run(&x, levels: [1, 1], gridH: 2, gridW: 2, text: [text], null: null)
        let mse = zip(x, x0).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Float(x.count)
        XCTAssertLessThan(mse, 0.15, "sampled clip is \(mse) (mean squared) from the clip it learned; the data has variance 1")
    }

    func testScheduleIsShiftedAndEndsAtZero() {
        let m = try! DiffusionTransformer(config: tinyConfig(), seed: 1)
        let s = FlowSampler(model: m, steps: 4, guidance: 1, shift: 3).schedule()
        XCTAssertEqual(s.first, 1)
        XCTAssertEqual(s.last, 0)
        XCTAssertEqual(s[2], 3 * 0.5 / (1 + 2 * 0.5), accuracy: 1e-6)  // shifted towards noise
        XCTAssertTrue(zip(s, s.dropFirst()).allSatisfy { $0 > $1 })
    }
}
