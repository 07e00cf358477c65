import Foundation
import ReelCanvas
import ReelStream
import XCTest

/// reel-cut (Sora's re-cut): the plan on its own, then end to end with the shipped models,
/// judged by reel-score.
final class CutTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try Tools.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testPlanMapsFramesAndLevels() throws {
        // Twice as fast: every other source frame, all kept.
        let fast = try Cut.plan(source: 17, from: 0, to: nil, speed: 2, length: nil, strength: 0.6)
        XCTAssertEqual(fast.sourceFrame, [0, 2, 4, 6, 8, 10, 12, 14, 16])
        XCTAssertEqual(fast.levels, [0, 0, 0])
        XCTAssertEqual(fast.length, 9)
        // Half speed from frame 4 to 9: 4, 4.5, ..., 8 (9 frames); in-betweens at odd outputs, so
        // latent frames 1 and 2 (outputs 1-4, 5-8) are regenerated, frame 0 (output 0 = source 4) kept.
        let slow = try Cut.plan(source: 17, from: 4, to: 9, speed: 0.5, length: nil, strength: 0.6)
        XCTAssertEqual(slow.sourceFrame, [4, 5, 5, 6, 6, 7, 7, 8, 8].enumerated().map { i, _ in 4 + (i + 1) / 2 })
        XCTAssertEqual(slow.inBetween, [false, true, false, true, false, true, false, true, false])
        XCTAssertEqual(slow.levels, [0, 0.6, 0.6])
        // Extended: the cut part is cut to 1 + 4k frames (8 -> 5) before the generated ones.
        let ext = try Cut.plan(source: 17, from: 0, to: 8, speed: 1, length: 33, strength: 0.6)
        XCTAssertEqual(ext.sourceFrame, [0, 1, 2, 3, 4])
        XCTAssertEqual(ext.latentFrames, 9)
        XCTAssertEqual(ext.levels, [0, 0])
        XCTAssertEqual(ext.notes.count, 1)
        // Text moves with the frames.
        let seg = TextSegment(segment: 0, clip: 0, start: 8, end: 12, role: .prompt, text: "x")
        let moved = Cut.segments([seg], from: 4, speed: 0.5, sourceFrames: 17, retimed: 9, length: 9)
        XCTAssertEqual(moved.first.map { [$0.start, $0.end] }, [8, ReelFormat.open], "a segment past the cut's end runs to the canvas's end")
        // Wrong in themselves.
        for (args, message) in [((0, 20, 1.0), "--to 20 is past the clip's end: it has 17 frames"),
                                ((5, 5, 1.0), "--from 5 is not before --to 5"),
                                ((0, 17, 10.0), "--speed 10.0 is out of range")] {
            XCTAssertThrowsError(try Cut.plan(source: 17, from: args.0, to: args.1, speed: args.2, length: nil, strength: 0.6)) { e in
                XCTAssertTrue("\(e)".contains(message), "\(e)")
            }
        }
        XCTAssertEqual(try Cut.frames("1.5s", fps: 8, option: "--to"), 12)
        XCTAssertThrowsError(try Cut.frames("soon", fps: 8, option: "--to")) { e in
            XCTAssertTrue("\(e)".contains("--to soon is not a time"), "\(e)")
        }
    }

    func score(_ file: String) throws -> [String: Any] {
        let r = try Tools.sh("reel-score --json \(file)", cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data((r.out.split(separator: "\n").first ?? "").utf8)) as? [String: Any])
    }

    func firstObject(_ report: [String: Any]) throws -> [String: Any] {
        let observed = try XCTUnwrap(report["observed"] as? [String: Any])
        return try XCTUnwrap((observed["objects"] as? [[String: Any]])?.first, "\(report)")
    }

    func testReCutFasterSlowerAndExtended() throws {
        let prompt = "a red ball moving right on a white background"
        let r = try Tools.sh("""
            reel-synth --seed 4 --size 64x64 --frames 17 --shape ball --color red --background white --motion "moves right" \
              | reel-encode - > src.reel
            reel-cut --speed 2 src.reel > fast.reel
            reel-cut --from 0 --to 9 src.reel > trim.reel
            reel-cut --to 9 --speed 0.5 src.reel | reel-prompt-expand --seed 1 "\(prompt)" \
              | reel-patchify | reel-denoise --steps 8 --seed 1 | reel-unpatchify > slow.reel
            reel-cut --speed 2 --length 100 src.reel | reel-prompt-expand --seed 1 "\(prompt)" \
              | reel-patchify | reel-denoise --steps 6 --seed 1 | reel-unpatchify > long.reel
            """, cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        // Faster: every other frame, nothing generated; reel-score sees the same motion at twice the rate.
        let src = try firstObject(try score("src.reel")), fast = try score("fast.reel")
        XCTAssertEqual(fast["frames"] as? Int, 9)
        let f = try firstObject(fast)
        XCTAssertEqual(f["motion"] as? String, src["motion"] as? String)
        let ratio = (f["rate"] as? Double ?? 0) / (src["rate"] as? Double ?? 1)
        XCTAssertEqual(ratio, 2, accuracy: 0.3, "rate \(f["rate"] ?? "-") against \(src["rate"] ?? "-")")
        // A trim from frame 0 keeps the clip's own latent frames byte for byte.
        let s = try PipelineTests.read(dir.appendingPathComponent("src.reel")).frames
        let t = try PipelineTests.read(dir.appendingPathComponent("trim.reel")).frames
        XCTAssertEqual(t, Array(s[0..<3]))
        // Slower: 17 frames from 9; the first frame kept, the rest regenerated from the held frames.
        let slow = try score("slow.reel")
        XCTAssertEqual(slow["frames"] as? Int, 17)
        XCTAssertEqual(try firstObject(slow)["color"] as? String, "red")
        let sl = try PipelineTests.read(dir.appendingPathComponent("slow.reel")).frames
        XCTAssertEqual(sl.first, s.first, "the cut's first frame (source frame 0) is kept")
        // Extended past the model's window: reel-denoise continues the fast clip window by window.
        let long = try score("long.reel")
        XCTAssertEqual(long["frames"] as? Int, 100)
        let l = try PipelineTests.read(dir.appendingPathComponent("long.reel")).frames
        let fr = try PipelineTests.read(dir.appendingPathComponent("fast.reel")).frames
        XCTAssertEqual(Array(l[0..<3]), fr, "the fast clip's latent frames are kept at the start")
        XCTAssertEqual(l.count, 26)
    }

    func testBadCutsExitWithTheirStatusAndWriteNothing() throws {
        let r = try Tools.sh("""
            reel-synth --seed 4 --size 64x64 --frames 17 | reel-encode - > src.reel
            reel-synth --seed 4 --size 64x64 --frames 17 > pixels.reel
            reel-cut --to 40 src.reel > a.reel; echo "a $?"
            reel-cut --speed 0 src.reel > b.reel; echo "b $?"
            reel-cut --length 4 src.reel > c.reel; echo "c $?"
            reel-cut pixels.reel > d.reel; echo "d $?"
            reel-cut --slowly src.reel > e.reel; echo "e $?"
            """, cwd: dir)
        for want in ["a 64", "b 64", "c 64", "d 65", "e 64"] { XCTAssertTrue(r.out.contains(want), "\(want): \(r.out) \(r.stderr)") }
        XCTAssertTrue(r.stderr.contains("--to 40 is past the clip's end: it has 17 frames"), r.stderr)
        XCTAssertTrue(r.stderr.contains("--length 4 is shorter than the cut clip (17 frames)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("holds pixel frames"), r.stderr)
        for f in ["a", "b", "c", "d", "e"] {
            let size = (try? FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("\(f).reel").path)[.size] as? Int) ?? 0
            XCTAssertEqual(size, 0, "\(f).reel written on failure")
        }
    }
}
