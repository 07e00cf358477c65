// reel-score end to end (reel-synth's clips through the built tool) and the
// library's handling of streams: texts, noise levels, forwarding.

import Foundation
import ReelScore
import ReelStream
import ReelTestSupport
import ReelWorld
import XCTest

final class ScoreToolTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws {
        try XCTSkipUnless(Shell.isBuilt("reel-score") && Shell.isBuilt("reel-synth"), "reel-score and reel-synth are not built")
        dir = try Shell.temporaryDirectory()
    }
    override func tearDown() { if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) } }

    func sh(_ s: String) throws -> Shell.Result { try Shell.run(s, in: dir) }

    func records(_ data: Data) throws -> [Record] { try StreamReader(bytes: Array(data)).readAll() }

    func testALinePerClipAndJSON() throws {
        let r = try sh("reel-synth --seed 7 --frames 17 --count 3 | reel-score")
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.out.split(separator: "\n")
        XCTAssertEqual(lines.map { String($0.prefix(7)) }, ["clip 0:", "clip 1:", "clip 2:"])
        let j = try sh("reel-synth --seed 7 --frames 17 --count 2 | reel-score --json")
        XCTAssertEqual(j.status, 0, j.stderr)
        let objects = j.out.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(objects.count, 2)
        XCTAssertEqual(objects.first??["scorer"] as? String, scorerVersion)
        XCTAssertEqual(objects.last??["clip"] as? Int, 1)
        XCTAssertNotNil((objects.first??["observed"] as? [String: Any])?["background"])
    }

    func testBestForwardsTheChosenClipsRecordsUnchanged() throws {
        XCTAssertEqual(try sh("reel-synth --seed 3 --frames 9 --count 4 > in.reel").status, 0)
        // Clip 2 is given a prompt it cannot satisfy, for every clip too: it must not be the best.
        let r = try sh("reel-score --best 2 < in.reel > out.reel && reel-score --json < in.reel > report.json")
        XCTAssertEqual(r.status, 0, r.stderr)
        let input = try records(try Data(contentsOf: URL(fileURLWithPath: dir + "/in.reel")))
        let output = try records(try Data(contentsOf: URL(fileURLWithPath: dir + "/out.reel")))
        let heads = output.filter { $0.type == .head }.compactMap { try? ClipHeader($0, index: 0).clip }
        XCTAssertEqual(heads.count, 2)
        // Every input record of a kept clip appears in the output, byte for byte, in order.
        func clipOf(_ r: Record) -> UInt32? {
            switch r.type {
            case .head: return try? ClipHeader(r, index: 0).clip
            case .frame: return r.payload.raw.load(as: UInt32.self)
            default: return nil
            }
        }
        let keptIn = input.filter { clipOf($0).map(heads.contains) ?? false }.map { Array($0.payload.raw) }
        let keptOut = output.filter { clipOf($0) != nil }.map { Array($0.payload.raw) }
        XCTAssertEqual(keptIn, keptOut)
        let scores = output.filter { $0.type == .metadata }.compactMap { try? Metadata($0, index: 0) }.filter { $0.key == "score" }
        XCTAssertEqual(scores.count, 2)
        XCTAssertTrue(scores.allSatisfy { $0.value.contains("\"scorer\":\"\(scorerVersion)\"") })
        // The kept clips are the two best of the report.
        let report = try String(contentsOfFile: dir + "/report.json", encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let ranked = report.sorted { a, b in
            let sa = a["score"] as? Double ?? 0, sb = b["score"] as? Double ?? 0
            if sa != sb { return sa > sb }
            let qa = (a["temporal"] as? [String: Any])?["quality"] as? Double ?? 0, qb = (b["temporal"] as? [String: Any])?["quality"] as? Double ?? 0
            if qa != qb { return qa > qb }
            return (a["clip"] as? Int ?? 0) < (b["clip"] as? Int ?? 0)
        }
        XCTAssertEqual(Set(heads.map(Int.init)), Set(ranked.prefix(2).compactMap { $0["clip"] as? Int }))
    }

    func testBadInput() throws {
        let zero = try sh("reel-synth --frames 2 | reel-score --best 0")
        XCTAssertEqual(zero.status, 64)
        XCTAssertTrue(zero.stderr.contains("reel-score: --best 0"), zero.stderr)
        let text = try sh("echo hello | reel-score")
        XCTAssertEqual(text.status, 65, text.stderr)
        XCTAssertTrue(text.stderr.hasPrefix("reel-score: "), text.stderr)
        let missing = try sh("reel-score nothing-here.mp4")
        XCTAssertEqual(missing.status, 66, missing.stderr)
        let truncated = try sh("reel-synth --frames 3 | head -c 400 | reel-score")
        XCTAssertEqual(truncated.status, 65, truncated.stderr)
    }

    func testPromptOutsideTheVocabularyAndNoPrompt() throws {
        let clip = try SynthClip(datasetSeed: 5, index: 0, width: 64, height: 64, frames: 9)
        let px = try ClipPixels(rendering: clip.scene)
        let s = ClipScorer().score(clip: 0, pixels: px, texts: [ClipText(text: "a purple dragon breathing fire")])
        XCTAssertTrue(s.notes.contains { $0.contains("could not check") && $0.contains("dragon") }, "\(s.notes)")
        let none = ClipScorer().score(clip: 0, pixels: px, texts: [])
        XCTAssertNil(none.score)
        XCTAssertTrue(none.notes.contains { $0.contains("temporal quality only") }, "\(none.notes)")
        XCTAssertTrue(none.line.contains("no checks"))
    }

    func testWrongAttributesFailTheirChecks() throws {
        let scene = try SceneSampler.sample(seed: 11, width: 64, height: 64, frames: 17,
                                            constraints: SceneConstraints(background: .white, camera: .static, objectCount: 1,
                                                                          objects: [ObjectConstraints(shape: .square, color: .red, size: .large, motion: .movesRight, speed: .quickly)]))
        let px = try ClipPixels(rendering: scene)
        let right = ClipScorer().score(clip: 0, pixels: px, texts: [ClipText(text: "a large red square moving right quickly on a white background")])
        XCTAssertEqual(right.score, 1, right.line)
        let wrong = ClipScorer().score(clip: 0, pixels: px, texts: [ClipText(text: "a small blue ball moving left slowly at night")])
        XCTAssertEqual(wrong.score, 0, wrong.line)
        XCTAssertEqual(wrong.checked, 6)
    }

    func testJoinsFromNoiseLevelsAndLoops() throws {
        let scene = try SceneSampler.sample(seed: 4, width: 64, height: 64, frames: 12,
                                            constraints: SceneConstraints(background: .gray, camera: .static, objectCount: 1,
                                                                          objects: [ObjectConstraints(shape: .ball, color: .red, motion: .movesRight, speed: .slowly)]))
        var px = try ClipPixels(rendering: scene)
        // Frames 6... generated: the ball jumps back to where it started (a seam at the join).
        for t in 6..<12 { px.frames[t] = px.frames[t - 6] }
        let steps = (1..<12).map { t in zip(px.frames[t - 1], px.frames[t]).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) } }
        let writer = StreamWriter()
        try writer.write(ClipHeader(clip: 9, kind: .pixels, dtype: .u8, channels: 3, width: 64, height: 64, fps: Rational(8), frameCount: 12).record)
        try writer.write(NoiseLevels(clip: 9, first: 0, levels: (0..<12).map { $0 < 6 ? 0 : 1 }).record)
        for (i, f) in px.frames.enumerated() {
            let frame = Frame(clip: 9, index: i, byteCount: f.count)
            f.withUnsafeBytes { frame.mutableData.copyMemory(from: $0) }
            try writer.write(frame.record)
        }
        try writer.finish()
        let s = try StreamScorer(scorer: ClipScorer(loop: true)) { _ in throw ScoreError.badClip("no VAE needed") }
            .run(StreamReader(bytes: writer.bytes))
        XCTAssertEqual(s.count, 1)
        let joins = try XCTUnwrap(s.first?.joins)
        XCTAssertEqual(joins.map(\.frame), [6])
        XCTAssertEqual(steps.max(), steps[5], "the join is the largest step")
        XCTAssertGreaterThan(joins[0].stepRatio, 1.5, "the jump back is larger than a typical step")
        XCTAssertFalse(s.first?.loop?.isReversal ?? true)
        // A clip played forwards then backwards is its own reversal.
        let fwd = try ClipPixels(rendering: scene)
        let palindrome = ClipPixels(width: 64, height: 64, frames: Array(fwd.frames[0..<6]) + fwd.frames[0..<6].reversed())
        XCTAssertEqual(ClipScorer(loop: true).score(clip: 0, pixels: palindrome, texts: []).loop?.isReversal, true)
    }
}
