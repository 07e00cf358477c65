import Foundation
import XCTest

/// Inputs that are not regular files: a named pipe is read once (reel-encode used to open it a
/// second time and block forever).
final class HardeningTests: XCTestCase {
    func testEncodeReadsAPNGAndAVideoFromANamedPipe() throws {
        let dir = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Tools.sh("""
            reel-synth --seed 4 --frames 1 --count 1 2>/dev/null | reel-decode -o still.png
            reel-synth --seed 4 --frames 9 --count 1 2>/dev/null | reel-decode -o clip.mp4
            mkfifo pipe
            (cat still.png > pipe) & timeout 20 reel-encode --pixels pipe > a.reel; echo "png status $?"
            (cat clip.mp4 > pipe) & timeout 20 reel-encode --pixels --frames 5 pipe > b.reel; echo "video status $?"
            reel-inspect < a.reel | grep "read"; reel-inspect < b.reel | grep "read"
            """, cwd: dir)
        XCTAssertTrue(r.out.contains("png status 0") && r.out.contains("video status 0"), r.out + r.stderr)
        XCTAssertTrue(r.out.contains("; 1 frame read"), r.out)
        XCTAssertTrue(r.out.contains("; 5 frames read"), r.out)
    }
}
