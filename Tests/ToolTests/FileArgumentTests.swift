import Foundation
import XCTest

/// reel-patchify, reel-unpatchify and reel-decode read a FILE argument as reel-inspect does.
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
            set +e
            reel-patchify missing.reel > e.reel; echo "status $?"
            reel-decode . -o z.gif; echo "status $?"
            test -e z.gif || echo "no z.gif"
            """)
        XCTAssertEqual(r.status, 0, r.stderr)
        for w in ["patch-same", "unpatch-same", "decode-same", "no z.gif"] { XCTAssertTrue(r.out.contains(w), "\(w): \(r.out) \(r.stderr)") }
        XCTAssertEqual(r.out.components(separatedBy: "status 66").count - 1, 2, r.out)
        XCTAssertTrue(r.stderr.contains("reel-patchify: cannot open missing.reel: No such file or directory"), r.stderr)
        XCTAssertTrue(r.stderr.contains("reel-decode: . is a directory"), r.stderr)
    }
}
