// reel-train vae's library: a short run on a tiny dataset, and an exact resume.

import Foundation
import ReelStream
import ReelVAE
import ReelWorld
import XCTest

final class VAETrainingTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("reel-vae-train-\(getpid())-\(UUID().uuidString)")
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for i in 0..<6 {
            let clip = try SynthClip(datasetSeed: 5, index: i, width: 32, height: 32, frames: 9)
            let writer = StreamWriter()
            try clip.write(to: writer, clip: 0, firstSegment: 0)
            try writer.finish()
            try Data(writer.bytes).write(to: data.appendingPathComponent(clip.name + ".reel"))
        }
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func options(_ name: String) -> VAETrainingOptions {
        var o = VAETrainingOptions()
        o.dataDirectories = [dir.appendingPathComponent("data").path]
        o.realDirectory = nil
        o.config = VAEConfig(latentChannels: 4, baseChannels: 8, baseBlocks: 1, deepChannels: 8, deepBlocks: 1)
        o.steps = 12
        o.batchSize = 2
        o.clipFrames = 9
        o.minClipFrames = 5
        o.cropSize = 32
        o.warmupSteps = 3
        o.holdOutEvery = 3
        o.checkpointEvery = 4
        o.seed = 3
        o.checkpointPath = dir.appendingPathComponent(name + "-ckpt.safetensors").path
        o.outputPath = dir.appendingPathComponent(name + ".safetensors").path
        return o
    }

    func testResumedRunEqualsStraightRun() throws {
        let straight = options("straight")
        let e = try VAETrainer(options: straight, log: { _ in }).run { _ in }
        XCTAssertTrue(e.synthPSNR.isFinite)

        var first = options("resumed")
        first.stopAtStep = 8
        var steps: [Int] = []
        _ = try VAETrainer(options: first, log: { _ in }).run { steps.append($0.step) }
        XCTAssertEqual(steps.last, 8)
        var second = options("resumed")
        second.resume = true
        steps = []
        _ = try VAETrainer(options: second, log: { _ in }).run { steps.append($0.step) }
        XCTAssertEqual(steps.first, 9)
        XCTAssertEqual(steps.last, 12)

        let a = try Data(contentsOf: URL(fileURLWithPath: straight.outputPath))
        let b = try Data(contentsOf: URL(fileURLWithPath: second.outputPath))
        XCTAssertEqual(a, b, "the resumed run's weights differ from the straight run's")
        let config = try CausalVideoVAE.load(weightsPath: second.outputPath).config
        XCTAssertTrue(config.id.hasPrefix("reel-vae-s4t4z4-"), "VAEConfig defaults to the shipped 4x: \(config.id)")
        XCTAssertTrue(config.recipe.contains("12 steps"), config.recipe)
        XCTAssertTrue(config.recipe.contains("lr \(second.learningRate), KL"), "one learning rate, one phase: \(config.recipe)")
    }

    /// A run resumed at another learning rate names both phases in the model's recipe.
    func testRecipeNamesEveryLearningRatePhase() throws {
        var first = options("phases")
        first.learningRate = 2e-3
        first.stopAtStep = 8
        _ = try VAETrainer(options: first, log: { _ in }).run { _ in }
        var second = options("phases")
        second.learningRate = 1e-3
        second.resume = true
        _ = try VAETrainer(options: second, log: { _ in }).run { _ in }
        let recipe = try CausalVideoVAE.load(weightsPath: second.outputPath).config.recipe
        XCTAssertTrue(recipe.contains("12 steps"), recipe)
        XCTAssertTrue(recipe.contains("lr 0.002 to step 8, then 0.001,"), recipe)
    }

    func testTrainingPhasesRoundTripAndRejectMalformedText() {
        let phases = [TrainingPhase(start: 0, end: 3500, learningRate: 0.00025),
                      TrainingPhase(start: 3500, end: 20000, learningRate: 0.00015)]
        XCTAssertEqual(TrainingPhase.format(phases), "0-3500@0.00025;3500-20000@0.00015")
        XCTAssertEqual(TrainingPhase.parse(TrainingPhase.format(phases)), phases)
        XCTAssertEqual(TrainingPhase.describe(phases, fallback: 1), "lr 0.00025 to step 3500, then 0.00015")
        XCTAssertEqual(TrainingPhase.describe([], fallback: 0.5), "lr 0.5")
        for bad in ["0-3500", "a-3500@0.1", "9-3@0.1", "0-3500@x", "0-1@0.1;junk"] {
            XCTAssertEqual(TrainingPhase.parse(bad), [], bad)
        }
    }

    func testBadOptionsAreRefused() {
        var o = options("bad")
        o.clipFrames = 6
        XCTAssertThrowsError(try VAETrainer(options: o, log: { _ in })) { XCTAssertTrue("\($0)".contains("1 + 4k"), "\($0)") }
        o = options("bad")
        o.cropSize = 36
        XCTAssertThrowsError(try VAETrainer(options: o, log: { _ in }))
        o = options("bad")
        o.dataDirectories = [dir.appendingPathComponent("missing").path]
        XCTAssertThrowsError(try VAETrainer(options: o, log: { _ in })) { e in
            guard case VAEError.cannotOpen = e else { return XCTFail("\(e)") }
        }
    }
}
