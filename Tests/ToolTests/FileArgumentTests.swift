import Foundation
import XCTest

/// reel-patchify, reel-unpatchify, reel-decode and reel-encode read a FILE argument as reel-inspect does.
final class FileArgumentTests: XCTestCase {
    func testAFileArgumentReadsAsStandardInputDoes() throws {
        let r = try Tools.sh("""
            reel-synth --seed 3 --frames 5 > clip.reel
            # The outputs differ only in their prov records (the arguments): compare the rest.
            same() { cmp <(reel-inspect "$1" | grep -v -e prov -e "reel-[a-z]* 0") <(reel-inspect "$2" | grep -v -e prov -e "reel-[a-z]* 0"); }
            reel-patchify < clip.reel > a.reel && reel-patchify clip.reel > b.reel && same a.reel b.reel && echo patch-same
            reel-unpatchify a.reel > c.reel && reel-unpatchify - < a.reel > d.reel && same c.reel d.reel && echo unpatch-same
            reel-synth --seed 3 --frames 1 > one.reel
            reel-decode one.reel -o x.png && reel-decode -o y.png < one.reel
            reel-encode --pixels x.png > x.reel && reel-encode --pixels y.png > y.reel && same x.reel y.reel && echo decode-same
            # reel-encode takes a saved pixel stream by name as it takes one on standard input (-).
            reel-encode clip.reel > l1.reel && reel-encode - < clip.reel > l2.reel && same l1.reel l2.reel \
              && reel-inspect l1.reel | grep -q "latents f32" && echo encode-same
            set +e
            reel-encode --size 64x64 clip.reel > l3.reel; echo "encode status $?"
            test -s l3.reel || echo "no l3 output"
            reel-patchify missing.reel > e.reel; echo "status $?"
            reel-decode . -o z.gif; echo "status $?"
            test -e z.gif || echo "no z.gif"
            """)
        XCTAssertEqual(r.status, 0, r.stderr)
        for w in ["patch-same", "unpatch-same", "decode-same", "encode-same", "encode status 64", "no l3 output", "no z.gif"] { XCTAssertTrue(r.out.contains(w), "\(w): \(r.out) \(r.stderr)") }
        XCTAssertEqual(r.out.components(separatedBy: "status 66").count - 1, 2, r.out)
        XCTAssertTrue(r.stderr.contains("reel-patchify: cannot open missing.reel: No such file or directory"), r.stderr)
        XCTAssertTrue(r.stderr.contains("reel-decode: . is a directory"), r.stderr)
        XCTAssertTrue(r.stderr.contains("reel-encode: --size does not apply to clip.reel (a reel stream is encoded as it is)"), r.stderr)
    }
}
