import Foundation
import XCTest

/// reel-blend and reel-loop end to end: canvas, the shipped model, decoding, reel-score.
final class BlendLoopTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = try Tools.temporaryDirectory()
        // Two 17-frame clips of the shapes world, encoded to latents.
        let r = try Tools.sh("""
            reel-synth --seed 5 --size 64x64 --frames 17 --count 2 --out syn > /dev/null
            reel-encode - < syn/clip-000000.reel > a.reel && reel-encode - < syn/clip-000001.reel > b.reel
            """, cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func frames(_ name: String) throws -> [[UInt8]] { try PipelineTests.read(dir.appendingPathComponent(name)).frames }

    func json(_ out: String) throws -> [String: Any] {
        let line = try XCTUnwrap(out.split(separator: "\n").first)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    func testBlendKeepsBothEndsAndGeneratesTheTransition() throws {
        let r = try Tools.sh("""
            reel-blend --length 8 --curve ease a.reel b.reel \
              | reel-prompt-expand --seed 1 "a pink triangle turns into a blue triangle at night" \
              | reel-patchify | reel-denoise --steps 6 --seed 3 | reel-unpatchify > out.reel
            reel-decode -o f/ < out.reel && ls f | wc -l && reel-score --json < out.reel
            """, cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.out.split(separator: "\n").first, "25", "A's 9 frames and transition, then B's frames 1-16")
        let a = try frames("a.reel"), b = try frames("b.reel"), out = try frames("out.reel")
        XCTAssertEqual(out.count, 7)
        XCTAssertEqual(Array(out[0..<3]), Array(a[0..<3]), "A's frames before the transition are kept byte for byte")
        XCTAssertEqual(Array(out[5..<7]), Array(b[3..<5]), "B's frames after it are kept byte for byte")
        XCTAssertNotEqual(out[3], a[3])
        let report = try json(String(r.out.split(separator: "\n").dropFirst().joined(separator: "\n")))
        XCTAssertEqual(report["frames"] as? Int, 25)
        XCTAssertFalse((report["joins"] as? [Any] ?? []).isEmpty, "reel-score finds the joins between kept and generated frames")
    }

    func testLoopEndsWithABridgeBackToTheStart() throws {
        let r = try Tools.sh("""
            reel-loop --length 8 a.reel | reel-prompt-expand --seed 1 "a large pink triangle shrinking" \
              | reel-patchify | reel-denoise --steps 6 --seed 4 | reel-unpatchify > loop.reel
            reel-decode -o f/ < loop.reel && ls f | wc -l && reel-score --loop --json < loop.reel
            """, cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.out.split(separator: "\n").first, "24", "the clip's 17 frames and the bridge less its last")
        let a = try frames("a.reel"), out = try frames("loop.reel")
        XCTAssertEqual(out.count, 8)
        XCTAssertEqual(Array(out[0..<5]), a, "the clip is kept byte for byte")
        XCTAssertEqual(out[7], a[1], "the context after the bridge is the clip's latent frame 1")
        let report = try json(String(r.out.split(separator: "\n").dropFirst().joined(separator: "\n")))
        let loop = try XCTUnwrap(report["loop"] as? [String: Any], "reel-score --loop reports the seam")
        XCTAssertNotNil(loop["seam_ratio"] as? Double, "\(loop)")
    }

    func testExtendBackwardKeepsTheClipAfterTheNewFrames() throws {
        let r = try Tools.sh("""
            reel-extend --before 8 a.reel | reel-prompt-expand --seed 1 "a large pink triangle shrinking" \
              | reel-patchify | reel-denoise --steps 6 --seed 5 | reel-unpatchify > ext.reel
            reel-decode -o f/ < ext.reel && ls f | wc -l && reel-score --json < ext.reel
            """, cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.out.split(separator: "\n").first, "25", "8 new frames, then the clip's 17 (its first regenerated)")
        let a = try frames("a.reel"), out = try frames("ext.reel")
        XCTAssertEqual(out.count, 7)
        XCTAssertEqual(Array(out[3..<7]), Array(a[1..<5]), "the clip's latent frames 1-4 are kept byte for byte")
        let report = try json(String(r.out.split(separator: "\n").dropFirst().joined(separator: "\n")))
        XCTAssertFalse((report["joins"] as? [Any] ?? []).isEmpty, "reel-score finds the join into the kept frames")
    }

    func testBadInputExitsWithItsStatusAndNamesTheValue() throws {
        let cases: [(String, Int32, String)] = [
            ("reel-blend --curve 0.2:0,1:1 a.reel b.reel", 64, "--curve 0.2:0,1:1 must start at 0:0"),
            ("reel-blend --curve 0:0,1:0.5 a.reel b.reel", 64, "must end at 1:1"),
            ("reel-blend --length 6 a.reel b.reel", 64, "--length 6 must be a positive multiple of 4"),
            ("reel-blend --strength 2 a.reel b.reel", 64, "--strength 2.0 is out of range"),
            ("reel-blend - - < a.reel", 64, "only one of the two clips"),
            ("reel-blend --length 20 a.reel b.reel", 65, "too short for a transition of 20"),
            ("reel-blend a.reel syn/clip-000001.reel", 65, "holds pixel frames"),
            ("reel-blend a.reel syn/clip-000001.json", 65, "syn/clip-000001.json"),
            ("reel-blend a.reel nothing.reel", 66, "cannot open nothing.reel"),
            ("reel-patchify < b.reel | reel-blend a.reel -", 65, "reel-unpatchify"),
            ("reel-loop --length 5 a.reel", 64, "--length 5 must be a positive multiple of 4"),
            ("reel-synth --frames 1 | reel-encode - | reel-loop", 65, "too short to loop"),
            ("reel-synth --frames 15 | reel-encode - | reel-loop", 65, "15 frames, which do not fill"),
            ("reel-loop --clip 9 a.reel", 65, "no clip 9"),
            ("reel-extend a.reel", 64, "nothing to extend"),
            ("reel-extend --before 2 a.reel", 64, "--before 2 must be a multiple of 4"),
            ("reel-synth --frames 1 | reel-encode - | reel-extend --before 4", 65, "single frame"),
            ("reel-extend --after 4 syn/clip-000000.prompt.txt", 65, "a reel stream of latent frames is needed"),
        ]
        for (script, status, words) in cases {
            let r = try Tools.sh(script + " > out.reel", cwd: dir)
            XCTAssertEqual(r.status, status, "\(script): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(words), "\(script): \(r.stderr)")
        }
    }
}
