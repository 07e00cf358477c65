import Foundation
import XCTest
import ReelTestSupport
import ReelStream

final class InspectPipelineTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = try Shell.temporaryDirectory()
        for tool in ["reel-inspect", "reel-patchify"] {
            XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Shell.binDirectory + "/" + tool),
                          "\(tool) is not built in \(Shell.binDirectory) (set REEL_BIN)")
        }
        try Data(try knownStream()).write(to: URL(fileURLWithPath: dir + "/known.reel"))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func testSummaryOnStdout() throws {
        let r = try Shell.run("reel-inspect < known.reel && reel-inspect known.reel > again.txt && reel-patchify --patch 2x4x4 < known.reel | reel-inspect --records > tokens.txt", in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        let out = String(decoding: r.stdout, as: UTF8.self)
        XCTAssertTrue(out.contains("\nclip 0: pixels u8 3x16x16 (CxHxW), 24000/1001 fps, 2 frames announced; 2 frames read\n"), out)
        XCTAssertTrue(out.contains("\n         1        127.5      73.9003            0          255\n"), out)
        XCTAssertEqual(try String(contentsOfFile: dir + "/again.txt", encoding: .utf8), out)
        let tokens = try String(contentsOfFile: dir + "/tokens.txt", encoding: .utf8)
        XCTAssertTrue(tokens.contains("#3          PTCH        48 B  clip 0: patches 2x4x4 of 3x2x16x16 (CxTxHxW) u8, grid 1x4x4, 96 values per token\n"), tokens)
        XCTAssertTrue(tokens.contains("  patches 2x4x4, grid 1x4x4 (TxHxW), 16 tokens of 96 u8 values read\n"), tokens)
        XCTAssertTrue(tokens.contains("\n         2        127.5        127.5            0          255\n"), tokens)
        XCTAssertTrue(tokens.contains("  2. reel-patchify 0.1.0 --patch 2x4x4\n"), tokens)
    }

    func testBadStreamsExit65AfterTheSummary() throws {
        // Flip one sample byte of the last frame: its checksum no longer matches.
        var bytes = try knownStream()
        bytes[bytes.count - 40] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/corrupt.reel"))
        var r = try Shell.run("reel-inspect corrupt.reel", in: dir)
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.hasPrefix("reel-inspect: record 8 (FRAM) is corrupt: checksum is 0x"), r.stderr)
        let out = String(decoding: r.stdout, as: UTF8.self)
        XCTAssertTrue(out.contains("#7          FRAM       776 B  clip 0 frame 0\n"), out)
        XCTAssertTrue(out.contains("stream (read up to the error): 8 records"), out)
        r = try Shell.run("reel-inspect --check corrupt.reel", in: dir)
        XCTAssertEqual(r.status, 65)
        XCTAssertEqual(r.stdout.count, 0)
        r = try Shell.run("reel-inspect --check < known.reel", in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.count, 0)
        r = try Shell.run("reel-inspect no-such.reel", in: dir)
        XCTAssertEqual(r.status, 66)
        XCTAssertEqual(r.stderr, "reel-inspect: cannot open no-such.reel: No such file or directory\n")
        r = try Shell.run("head -c 5 known.reel | reel-inspect", in: dir)
        XCTAssertEqual(r.status, 65)
        XCTAssertEqual(r.stderr, "reel-inspect: stream is truncated: 5 of 16 preamble bytes\n")
        r = try Shell.run("reel-inspect --npy known.reel < known.reel", in: dir)
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stderr, "reel-inspect: --npy known.reel is not a directory\n")
    }

    func testExports() throws {
        let r = try Shell.run("reel-inspect --check --npy out --png sheet.png < known.reel && ls out", in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(String(decoding: r.stdout, as: UTF8.self), "clip0-frames.npy\nsegment3-token-states.npy\n")
        let png = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/sheet.png")))
        XCTAssertEqual(Array(png[0..<8]), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // IHDR: width and height big-endian at 16 and 20: two 16x16 frames enlarged 8x, 4-pixel gaps.
        let be = { (o: Int) in png[o..<(o + 4)].reduce(0) { $0 << 8 | Int($1) } }
        XCTAssertEqual(be(16), 4 + 128 + 4)
        XCTAssertEqual(be(20), 4 + 2 * (128 + 4))
    }
}
