import Foundation
import XCTest
import ReelSafetensors
@testable import ReelOptim
import ReelSystem

/// A small deterministic training problem: fit y = x·W + b (W 9x5, b 5)
/// to a fixed teacher, each step on a fresh minibatch drawn from the RNG
/// (so the RNG state matters), with clipping, the schedule, AdamW and EMA.
final class Trainer {
    let buffers = [ParameterBuffer(name: "layer.weight", shape: [9, 5], decay: true),
                   ParameterBuffer(name: "layer.bias", shape: [5], decay: false)]
    var params: [ParameterRef] { buffers.map(\.ref) }
    var optimizer: AdamW
    var ema: ExponentialMovingAverage
    var rng: Xoshiro256StarStar
    var schedule: WarmupCosineSchedule
    var norms: [Float] = []

    /// Fresh start from a seed.
    init(seed: UInt64) throws {
        rng = Xoshiro256StarStar(seed: seed)
        for b in buffers { rng.fillNormal(b.value, standardDeviation: 0.1) }
        schedule = try WarmupCosineSchedule(peakLearningRate: 0.1, warmupSteps: 4, totalSteps: 30, minimumLearningRate: 0.001)
        let params = buffers.map(\.ref)
        optimizer = try AdamW(parameters: params, config: AdamWConfig(beta2: 0.98, weightDecay: 0.05))
        ema = try ExponentialMovingAverage(parameters: params, decay: 0.95, warmup: true)
    }

    /// Resumed from a checkpoint, in fresh objects.
    init(checkpoint path: String) throws {
        let ckpt = try TrainingCheckpoint(path: path)
        let params = buffers.map(\.ref)
        try ckpt.restoreParameters(into: params)
        optimizer = try ckpt.makeOptimizer(for: params)
        ema = try XCTUnwrap(ckpt.makeEMA(for: params))
        rng = try XCTUnwrap(ckpt.rng)
        schedule = try XCTUnwrap(ckpt.schedule)
        XCTAssertEqual(ckpt.userMetadata, ["experiment": "resume test"])
    }

    func save(_ path: String) throws {
        try saveTrainingCheckpoint(path: path, parameters: params, optimizer: optimizer, ema: ema,
                                   schedule: schedule, rng: rng, metadata: ["experiment": "resume test"])
    }

    func train(steps: Int) throws {
        let params = self.params
        let w = buffers[0].value, b = buffers[1].value
        let gw = buffers[0].grad, gb = buffers[1].grad
        let batch = 8
        var x = [Float](repeating: 0, count: 9)
        for _ in 0..<steps {
            gw.update(repeating: 0)
            gb.update(repeating: 0)
            for _ in 0..<batch {
                for k in 0..<9 { x[k] = rng.nextNormal() }
                for j in 0..<5 {
                    var prediction = b[j], target = Float(j) - 2
                    for k in 0..<9 {
                        prediction += x[k] * w[k * 5 + j]
                        target += x[k] * Float((k + j) % 4) * 0.5
                    }
                    let residual = (prediction - target) / Float(batch)   // d(0.5 * mean r^2)/dr
                    gb[j] += residual
                    for k in 0..<9 { gw[k * 5 + j] += residual * x[k] }
                }
            }
            norms.append(clipGradientNorm(params, maxNorm: 2))
            try optimizer.step(params, learningRate: schedule.learningRate(atStep: optimizer.stepCount))
            try ema.update(params)
        }
    }

    /// Every number of the training state, as bit patterns.
    var stateBits: [UInt32] {
        var out: [UInt32] = []
        for (i, b) in buffers.enumerated() {
            out += b.value.map(\.bitPattern)
            out += optimizer.firstMoment(i).map(\.bitPattern)
            out += optimizer.secondMoment(i).map(\.bitPattern)
            out += ema.average(i).map(\.bitPattern)
        }
        return out
    }
}

final class CheckpointResumeTests: XCTestCase {
    func testResumeIsBitIdenticalToUninterruptedRun() throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("reel-optim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ckpt.safetensors").path
        let (total, k) = (20, 7)

        let straight = try Trainer(seed: 99)
        try straight.train(steps: total)

        let first = try Trainer(seed: 99)
        try first.train(steps: k)
        try first.save(path)
        // Leave the RNG mid-pair (a cached Box-Muller spare) to check that it is saved too.
        XCTAssertEqual(first.rng.stateWords[4], 0)
        _ = first.rng.nextNormal()
        XCTAssertEqual(first.rng.stateWords[4], 1)
        try first.save(path)
        let resumed = try Trainer(checkpoint: path)
        XCTAssertEqual(resumed.rng, first.rng)
        XCTAssertEqual(resumed.rng.nextNormal().bitPattern, first.rng.nextNormal().bitPattern)   // the cached spare
        XCTAssertEqual(resumed.rng.nextNormal().bitPattern, first.rng.nextNormal().bitPattern)
        XCTAssertEqual(resumed.optimizer.stepCount, k)
        XCTAssertEqual(resumed.ema.updateCount, k)
        XCTAssertEqual(resumed.stateBits, first.stateBits)

        // The straight run consumed no extra normal, so restart the comparison
        // from a checkpoint taken exactly at step k.
        let second = try Trainer(seed: 99)
        try second.train(steps: k)
        try second.save(path)
        let continued = try Trainer(checkpoint: path)
        try continued.train(steps: total - k)
        XCTAssertEqual(continued.optimizer.stepCount, total)
        XCTAssertEqual(continued.stateBits, straight.stateBits, "resumed run differs from the uninterrupted one")
        XCTAssertEqual(continued.rng, straight.rng)
        XCTAssertEqual(continued.norms, Array(straight.norms[k...]))
        // The problem actually trained, and clipping was exercised.
        let early = straight.norms[0..<5].reduce(0, +), late = straight.norms[(total - 5)...].reduce(0, +)
        XCTAssertLessThan(late, early / 2, "training did not reduce the gradient norm: \(straight.norms)")
        XCTAssertTrue(straight.norms.contains { $0 > 2 })
    }

    func testCheckpointIsAPlainSafetensorsFile() throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("reel-optim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("c.safetensors").path
        let t = try Trainer(seed: 1)
        try t.train(steps: 3)
        try t.save(path)
        let f = try SafetensorsFile(path: path)
        XCTAssertEqual(try f.info("layer.weight").shape, [9, 5])
        XCTAssertEqual(try f.floats("layer.weight"), Array(t.buffers[0].value))
        XCTAssertEqual(try f.floats("ema/layer.bias"), Array(t.ema.average(1)))
        XCTAssertEqual(try f.floats("adamw.exp_avg_sq/layer.weight"), Array(t.optimizer.secondMoment(0)))
        XCTAssertEqual(f.metadata["step"], "3")
        XCTAssertEqual(f.metadata["adamw.beta2"], "0.98")
        XCTAssertEqual(try TrainingCheckpoint(path: path).parameterNames.sorted(), ["layer.bias", "layer.weight"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["c.safetensors"])
    }

    func testCheckpointErrors() throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("reel-optim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = dir.appendingPathComponent("plain.safetensors").path
        try writeSafetensors(path: plain, tensors: [("w", [1], .f32, [1])])
        XCTAssertThrowsError(try TrainingCheckpoint(path: plain)) { XCTAssertTrue("\($0)".contains("not a reel training checkpoint"), "\($0)") }

        let path = dir.appendingPathComponent("c.safetensors").path
        let t = try Trainer(seed: 1)
        try t.save(path)
        let ckpt = try TrainingCheckpoint(path: path)
        let other = ParameterBuffer(name: "layer.weight", shape: [9, 4])
        XCTAssertThrowsError(try ckpt.restoreParameters(into: [other.ref, t.buffers[1].ref])) { XCTAssertTrue("\($0)".contains("45"), "\($0)") }
        XCTAssertThrowsError(try ckpt.makeOptimizer(for: [t.buffers[0].ref])) { XCTAssertTrue("\($0)".contains("not given"), "\($0)") }
        XCTAssertThrowsError(try saveTrainingCheckpoint(path: path, parameters: t.params, optimizer: t.optimizer, metadata: ["step": "1"]))
        let reserved = ParameterBuffer(name: "ema/x", shape: [1])
        let opt = try AdamW(parameters: [reserved.ref])
        XCTAssertThrowsError(try saveTrainingCheckpoint(path: path, parameters: [reserved.ref], optimizer: opt))
    }
}
