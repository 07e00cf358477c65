import Foundation
import XCTest
@testable import ReelOptim
import ReelSystem

final class RandomTests: XCTestCase {
    func testXoshiroReferenceSequence() throws {
        // xoshiro256** from state {1, 2, 3, 4} (reference C implementation).
        var r = try Xoshiro256StarStar(stateWords: [1, 2, 3, 4, 0, 0])
        XCTAssertEqual((0..<6).map { _ in r.next() },
                       [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240, 1_216_172_134_540_287_360, 607_988_272_756_665_600])
    }

    func testSeedingUsesSplitMix64() {
        // SplitMix64(0)'s first three outputs are the first three state words.
        let r = Xoshiro256StarStar(seed: 0)
        XCTAssertEqual(Array(r.stateWords[0..<3]), [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
    }

    func testStateSaveRestoreMidStream() throws {
        var a = Xoshiro256StarStar(seed: 5)
        _ = a.nextNormal()   // leaves a spare cached
        var b = try Xoshiro256StarStar(stateWords: a.stateWords)
        for _ in 0..<9 { XCTAssertEqual(a.nextNormal().bitPattern, b.nextNormal().bitPattern) }
        XCTAssertEqual(a.next(), b.next())
        XCTAssertThrowsError(try Xoshiro256StarStar(stateWords: [0, 0, 0, 0, 0, 0]))
        XCTAssertThrowsError(try Xoshiro256StarStar(stateWords: [1, 2, 3]))
    }

    func testNormalAndUniformMoments() {
        var r = Xoshiro256StarStar(seed: 2024)
        let n = 200_000
        var sum = 0.0, sumSq = 0.0, uniformSum = 0.0
        for _ in 0..<n {
            let z = Double(r.nextNormal())
            sum += z; sumSq += z * z
            let u = r.nextFloat()
            XCTAssertTrue(u >= 0 && u < 1)
            uniformSum += Double(u)
        }
        // Standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032.
        XCTAssertEqual(sum / Double(n), 0, accuracy: 0.01)
        XCTAssertEqual(sumSq / Double(n), 1, accuracy: 0.015)
        XCTAssertEqual(uniformSum / Double(n), 0.5, accuracy: 0.003)
    }
}

final class OptimizerUnitTests: XCTestCase {
    func testClipLeavesSmallGradientsAlone() {
        let p = ParameterBuffer(name: "p", shape: [3])
        p.grad[0] = 3; p.grad[1] = 4; p.grad[2] = 0
        XCTAssertEqual(clipGradientNorm([p.ref], maxNorm: 10), 5)
        XCTAssertEqual(Array(p.grad), [3, 4, 0])
        XCTAssertEqual(clipGradientNorm([p.ref], maxNorm: 1), 5)
        let c = Float(1) / (5 + 1e-6)
        XCTAssertEqual(Array(p.grad), [3 * c, 4 * c, 0])
        XCTAssertEqual(gradientNorm([p.ref]), 1, accuracy: 1e-6)
        p.grad[0] = .infinity
        XCTAssertFalse(clipGradientNorm([p.ref], maxNorm: 1).isFinite)   // as torch: reported, not hidden
    }

    func testAdamWFirstStepMovesByLearningRate() throws {
        // With bias correction the first step is -lr * sign(g) (up to eps), whatever |g|.
        let p = ParameterBuffer(name: "p", shape: [19], decay: false)
        for i in 0..<19 { p.grad[i] = Float(i - 9) * 1e-3 + (i == 9 ? 1e-3 : 0) }
        let opt = try AdamW(parameters: [p.ref], config: AdamWConfig(learningRate: 0.1, weightDecay: 0.5))
        try opt.step([p.ref])
        for i in 0..<19 { XCTAssertEqual(p.value[i], -0.1 * (p.grad[i] > 0 ? 1 : -1), accuracy: 1e-5) }
        // Decay applies only where asked: a zero-gradient parameter with decay shrinks by 1 - lr*wd.
        let d = ParameterBuffer(name: "d", shape: [1], decay: true)
        d.value[0] = 2
        let opt2 = try AdamW(parameters: [d.ref], config: AdamWConfig(learningRate: 0.1, weightDecay: 0.5))
        try opt2.step([d.ref])
        XCTAssertEqual(d.value[0], 2 * Float(1 - 0.05))
    }

    func testMismatchedParametersThrow() throws {
        let a = ParameterBuffer(name: "a", shape: [2]), b = ParameterBuffer(name: "b", shape: [2])
        let opt = try AdamW(parameters: [a.ref, b.ref])
        XCTAssertThrowsError(try opt.step([a.ref])) { XCTAssertEqual($0 as? OptimizerError, .parameterCountMismatch(expected: 2, got: 1)) }
        XCTAssertThrowsError(try opt.step([b.ref, a.ref])) {
            XCTAssertEqual($0 as? OptimizerError, .parameterMismatch(index: 0, expected: "a", expectedCount: 2, got: "b", gotCount: 2))
        }
        XCTAssertThrowsError(try AdamW(parameters: [a.ref, a.ref])) { XCTAssertEqual($0 as? OptimizerError, .duplicateParameter("a")) }
        var bad = a.ref
        bad.grad = UnsafeMutableBufferPointer(rebasing: bad.grad[0..<1])
        XCTAssertThrowsError(try AdamW(parameters: [bad])) { XCTAssertEqual($0 as? OptimizerError, .gradientSizeMismatch(name: "a", values: 2, gradients: 1)) }
        XCTAssertThrowsError(try AdamW(parameters: [a.ref], config: AdamWConfig(beta1: 1)))
        XCTAssertThrowsError(try opt.step([a.ref, b.ref], learningRate: -1))
        XCTAssertEqual(opt.stepCount, 0)
        XCTAssertThrowsError(try WarmupCosineSchedule(peakLearningRate: 1, warmupSteps: 5, totalSteps: 4))
        XCTAssertThrowsError(try ExponentialMovingAverage(parameters: [a.ref], decay: 1.5))
    }

    func testScheduleShape() throws {
        let s = try WarmupCosineSchedule(peakLearningRate: 1, warmupSteps: 4, totalSteps: 14, minimumLearningRate: 0.1)
        XCTAssertEqual(s.learningRate(atStep: 0), 0.25)
        XCTAssertEqual(s.learningRate(atStep: 3), 1)
        XCTAssertEqual(s.learningRate(atStep: 4), 1)
        XCTAssertEqual(s.learningRate(atStep: 9), 0.55, accuracy: 1e-15)   // half way: (peak + floor) / 2
        XCTAssertEqual(s.learningRate(atStep: 14), 0.1, accuracy: 1e-15)
        XCTAssertEqual(s.learningRate(atStep: 1000), 0.1, accuracy: 1e-15)
        let noWarmup = try WarmupCosineSchedule(peakLearningRate: 2, warmupSteps: 0, totalSteps: 0)
        XCTAssertEqual(noWarmup.learningRate(atStep: 0), 0)
    }

    func testEMAWarmupAndCopy() throws {
        let p = ParameterBuffer(name: "p", shape: [9])
        let ema = try ExponentialMovingAverage(parameters: [p.ref], decay: 0.999, warmup: true)
        XCTAssertEqual(ema.currentDecay, 0.1)            // (1 + 0) / (10 + 0)
        p.value.update(repeating: 1)
        try ema.update([p.ref])
        XCTAssertEqual(Array(ema.average(0)), [Float](repeating: 0.9, count: 9))
        XCTAssertEqual(ema.currentDecay, 2.0 / 11.0)
        let plain = try ExponentialMovingAverage(parameters: [p.ref], decay: 0.5)
        p.value.update(repeating: 3)
        try plain.update([p.ref])
        try plain.copy(to: [p.ref])
        XCTAssertEqual(Array(p.value), [Float](repeating: 2, count: 9))
    }
}

final class ParameterFileTests: XCTestCase {
    func testSaveAndLoadWeights() throws {
        let dir = NSTemporaryDirectory() + "reel-params-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let w = ParameterBuffer(name: "w", shape: [2, 3]), b = ParameterBuffer(name: "b", shape: [3])
        for i in 0..<6 { w.value[i] = Float(i) + 1.0 / 3.0 }
        b.value.update(repeating: -2)
        try saveParameters(path: dir + "/f32.safetensors", parameters: [w.ref, b.ref], metadata: ["model": "t"])
        try saveParameters(path: dir + "/bf16.safetensors", parameters: [w.ref, b.ref], dtype: .bf16)

        let w2 = ParameterBuffer(name: "w", shape: [2, 3]), b2 = ParameterBuffer(name: "b", shape: [3])
        XCTAssertEqual(try loadParameters(path: dir + "/f32.safetensors", into: [w2.ref, b2.ref]), ["model": "t"])
        XCTAssertEqual(Array(w2.value), Array(w.value))
        XCTAssertEqual(Array(b2.value), Array(b.value))
        try loadParameters(path: dir + "/bf16.safetensors", into: [w2.ref, b2.ref])
        for i in 0..<6 { XCTAssertEqual(w2.value[i], w.value[i], accuracy: abs(w.value[i]) / 256) }

        XCTAssertThrowsError(try loadParameters(path: dir + "/f32.safetensors", into: [w2.ref])) { XCTAssertTrue("\($0)".contains("no parameter uses: b"), "\($0)") }
        XCTAssertNoThrow(try loadParameters(path: dir + "/f32.safetensors", into: [w2.ref], allowUnused: true))
        let wrong = ParameterBuffer(name: "w", shape: [3, 2])
        XCTAssertThrowsError(try loadParameters(path: dir + "/f32.safetensors", into: [wrong.ref, b2.ref])) { XCTAssertTrue("\($0)".contains("shape [2, 3]"), "\($0)") }
        let missing = ParameterBuffer(name: "v", shape: [1])
        XCTAssertThrowsError(try loadParameters(path: dir + "/f32.safetensors", into: [missing.ref], allowUnused: true))
    }
}
