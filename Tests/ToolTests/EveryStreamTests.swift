import Foundation
import XCTest

/// Every tool that writes a reel(5) stream, in each of its modes, writes one that the two
/// independent readers accept: reel-inspect --check (Swift) and Scripts/reelstream.py (the
/// Python reference reader, numpy only). Tools must agree on what a valid stream is.
final class EveryStreamTests: XCTestCase {
    /// Output file and the commands that make it (inputs made by earlier entries).
    static let streams: [(String, String)] = [
        ("synth.reel", "reel-synth --seed 3 --size 64x64 --frames 17 --count 2"),
        ("image.reel", "reel-synth --seed 4 --size 64x112 --frames 1"),
        ("dataset.reel", "reel-synth --seed 5 --size 112x64 --frames 9 --count 1 --out ds > /dev/null && cat ds/clip-000000.reel"),
        ("pixels.reel", "reel-decode -o a.png < image.reel && reel-encode --pixels a.png --size 64x64"),
        ("placed.reel", "reel-decode -o v.mp4 < synth.reel && reel-encode --pixels --at 0 a.png --at 6 v.mp4 --size 64x64 --frames 4"),
        ("latent.reel", "reel-encode - < synth.reel"),
        ("latent-media.reel", "reel-encode --at 0 a.png --at 4 v.mp4 --size 64x64 --frames 4"),
        ("patches.reel", "reel-patchify --patch 1x2x2 < latent.reel"),
        ("patches-pixels.reel", "reel-synth --seed 8 --frames 16 | reel-patchify --patch 2x8x8"),
        ("unpatched.reel", "reel-patchify --patch 1x2x2 < latent.reel | reel-unpatchify"),
        ("prompt.reel", "reel-prompt-expand --seed 1 'a red ball bouncing'"),
        ("chained.reel", "reel-prompt-expand --seed 1 --at 0:9 'a red ball' < latent.reel | reel-prompt-expand --seed 2 --at 9: 'a blue square'"),
        ("generated.reel", "reel-prompt-expand --seed 1 'a red ball' | reel-denoise --steps 2 --frames 9 --variations 2"),
        ("partial.reel", "reel-prompt-expand --seed 1 'a red ball' | reel-denoise --steps 4 --frames 9 --until-level 0.5"),
        ("finished.reel", "reel-denoise --steps 4 < partial.reel"),
        ("extended.reel", "reel-extend --after 8 latent.reel"),
        ("blend.reel", "reel-encode - < image.reel > one.reel; reel-synth --seed 6 --frames 17 | reel-encode - > b.reel; reel-synth --seed 7 --frames 17 | reel-encode - > c.reel; reel-blend --length 8 b.reel c.reel"),
        ("loop.reel", "reel-loop --length 8 b.reel"),
        ("storyboard.reel", "printf 'size 64x64\\nframes 17\\nimage 0 1 a.png\\ntext 0 17 a red ball\\n' > s.txt && reel-storyboard --seed 1 s.txt"),
        ("best.reel", "reel-score --best 1 < synth.reel"),
    ]

    func testEveryToolsStreamsPassBothReaders() throws {
        let dir = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reader = Tools.packageRoot.appendingPathComponent("Scripts/reelstream.py").path
        for (name, command) in Self.streams {
            let made = try Tools.sh("set -o pipefail; { \(command); } > \(name)", cwd: dir)
            XCTAssertEqual(made.status, 0, "\(name): \(command): \(made.stderr)")
            let size = (try? FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(name).path)[.size] as? Int) ?? 0
            XCTAssertGreaterThan(size, 32, "\(name) is empty")
            let check = try Tools.sh("reel-inspect --check \(name)", cwd: dir)
            XCTAssertEqual(check.status, 0, "reel-inspect --check \(name) (\(command)): \(check.stderr)")
            let python = try Tools.sh("python3 '\(reader)' \(name) --json > /dev/null", cwd: dir)
            XCTAssertEqual(python.status, 0, "reelstream.py \(name) (\(command)): \(python.stderr)")
        }
    }
}
