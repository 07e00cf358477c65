import Foundation
import XCTest
import ReelTestSupport
import ReelStream
@testable import ReelPatch

final class PipelineTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = try Shell.temporaryDirectory()
        for tool in ["reel-patchify", "reel-unpatchify"] {
            XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Shell.binDirectory + "/" + tool),
                          "\(tool) is not built in \(Shell.binDirectory) (set REEL_BIN)")
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func write(_ bytes: [UInt8], _ name: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/" + name))
    }

    func testPipelineRoundTripIsExact() throws {
        let clips = [
            TestClip(header: ClipHeader(clip: 0, kind: .latents, dtype: .f32, channels: 4, width: 16, height: 8, frameCount: 5,
                                        spatialFactor: 8, temporalFactor: 4, firstFrameAlone: true, model: "vae"), frames: 5),
            TestClip(header: ClipHeader(clip: 1, kind: .pixels, dtype: .u8, channels: 3, width: 6, height: 4, frameCount: 0), frames: 3),
        ]
        let original = try makeStream(clips)
        try write(original, "in.reel")
        let r = try Shell.run("reel-patchify --patch 1x2x2 < in.reel > tokens.reel && reel-unpatchify < tokens.reel > back.reel"
                              + " && reel-patchify < in.reel | reel-unpatchify | cat > piped.reel", in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let want = try records(original).filter { $0.0 != "prov" }
        for name in ["back.reel", "piped.reel"] {
            let back = try records(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))))
            let got = back.filter { $0.0 != "prov" }
            XCTAssertEqual(got.map(\.0), want.map(\.0), name)
            XCTAssertTrue(got.elementsEqual(want) { $0.1 == $1.1 }, "\(name): records differ after the round trip")
            let provs = back.filter { $0.0 == "prov" }.map { String(decoding: $0.1, as: UTF8.self) }
            XCTAssertEqual(provs.count, 3)
            XCTAssertTrue(provs[1].contains("\"tool\":\"reel-patchify\""), provs[1])
            XCTAssertTrue(provs[2].contains("\"tool\":\"reel-unpatchify\""), provs[2])
        }
        let tokens = try records(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/tokens.reel"))))
        XCTAssertEqual(tokens.filter { $0.0 == "TOKS" }.count, 8)
    }

    func testBadInputExitsWithStatusAndMessage() throws {
        let odd = TestClip(header: ClipHeader(clip: 0, kind: .pixels, dtype: .u8, channels: 1, width: 16, height: 17, frameCount: 5), frames: 5)
        try write(try makeStream([odd]), "odd.reel")
        var r = try Shell.run("reel-patchify < odd.reel > out.reel", in: dir)
        XCTAssertEqual(r.status, 65)
        XCTAssertEqual(r.stderr, "reel-patchify: clip 0 is 5x17x16 (TxHxW) but the patch 1x2x2 needs H divisible by 2 (try --size 16x18 at encode, or --patch 1x1x2)\n")
        r = try Shell.run("reel-patchify --patch 1x1x2 < odd.reel | reel-unpatchify > /dev/null", in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try Shell.run("reel-patchify --patch 1x0x2 < odd.reel > out.reel", in: dir)
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stderr.split(separator: "\n").first, "reel-patchify: The value '1x0x2' is invalid for '--patch <PTxPHxPW>': expected PTxPHxPW with each 1 to 64, e.g. 1x2x2")
        r = try Shell.run("reel-patchify --bogus < odd.reel > out.reel", in: dir)
        XCTAssertEqual(r.status, 64)
        r = try Shell.run("echo hello | reel-unpatchify > out.reel", in: dir)
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.hasPrefix("reel-unpatchify: not a reel stream: first bytes are 68 65 6c 6c 6f 0a"), r.stderr)
        r = try Shell.run("head -c 100 odd.reel | reel-patchify --patch 1x1x1 > out.reel", in: dir)
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.hasPrefix("reel-patchify: record "), r.stderr)
        XCTAssertTrue(r.stderr.contains("truncated"), r.stderr)
        r = try Shell.run("reel-unpatchify < /dev/null > out.reel", in: dir)
        XCTAssertEqual(r.status, 65)
        XCTAssertEqual(r.stderr, "reel-unpatchify: input is empty: expected a reel stream (pipe one in, e.g. from reel-encode)\n")
    }

    func testClosedDownstreamPipeEndsQuietly() throws {
        let big = TestClip(header: ClipHeader(clip: 0, kind: .latents, dtype: .f32, channels: 8, width: 64, height: 64, frameCount: 64), frames: 64)
        try write(try makeStream([big], ancillary: false), "big.reel")
        let r = try Shell.run("reel-patchify < big.reel | head -c 1000 > /dev/null", in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
    }

    /// The tokens against reel(5)'s numpy formula, read by Scripts/reelstream.py
    /// (the reference reader): V.reshape(T/pt, pt, C, H/ph, ph, W/pw, pw)
    /// .transpose(0, 3, 5, 2, 1, 4, 6).reshape(-1, D) in raster (t, h, w) order.
    func testTokensMatchTheSpecifiedNumpyLayout() throws {
        let probe = try Shell.run("python3 -c 'import numpy'", in: dir)
        if probe.status != 0 { throw XCTSkip("python3 with numpy is not available: \(probe.stderr)") }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let clips = [
            TestClip(header: ClipHeader(clip: 0, kind: .latents, dtype: .f32, channels: 3, width: 12, height: 6, frameCount: 4), frames: 4),
            TestClip(header: ClipHeader(clip: 2, kind: .pixels, dtype: .u8, channels: 3, width: 8, height: 4, frameCount: 2), frames: 2),
        ]
        try write(try makeStream(clips), "in.reel")
        let script = """
            import sys; sys.path.insert(0, '\(root)/Scripts')
            import numpy as np, reelstream
            def records(path):
                with open(path, 'rb') as f: return list(reelstream.decode_stream(f))
            frames, toks, geo = {}, {}, {}
            for r in records('in.reel'):
                if r['type'] == 'FRAM': frames.setdefault(r['clip'], []).append(r['data'])
            for r in records('tokens.reel'):
                if r['type'] == 'PTCH': geo[r['clip']] = r
                if r['type'] == 'TOKS': toks.setdefault(r['clip'], []).append((r['positions'], r['values']))
            for clip, fs in frames.items():
                g = geo[clip]; V = np.stack(fs)  # (T,C,H,W)
                T, C, H, W = V.shape; pt, ph, pw = g['pt'], g['ph'], g['pw']
                want = V.reshape(T//pt, pt, C, H//ph, ph, W//pw, pw).transpose(0, 3, 5, 2, 1, 4, 6).reshape(-1, C*pt*ph*pw)
                pos = np.concatenate([p for p, _ in toks[clip]]); got = np.concatenate([v for _, v in toks[clip]])
                raster = np.stack(np.meshgrid(np.arange(T//pt), np.arange(H//ph), np.arange(W//pw), indexing='ij'), -1).reshape(-1, 3)
                assert (pos == raster).all(), 'positions'
                assert got.dtype == want.dtype and (got == want).all(), 'values of clip %d' % clip
                print('clip', clip, got.shape)
            """
        try script.write(toFile: dir + "/check.py", atomically: true, encoding: .utf8)
        for patch in ["1x2x2", "2x2x4", "2x1x1", "1x2x4"] {
            let r = try Shell.run("reel-patchify --patch \(patch) < in.reel > tokens.reel && python3 check.py", in: dir)
            XCTAssertEqual(r.status, 0, "patch \(patch): \(r.stderr)")
            XCTAssertEqual(String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").count, 2, r.stderr)
        }
    }

    func testHelpListsOptions() throws {
        let r = try Shell.run("reel-patchify --help && reel-unpatchify --version", in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let help = String(decoding: r.stdout, as: UTF8.self)
        XCTAssertTrue(help.contains("--patch <PTxPHxPW>"), help)
        XCTAssertTrue(help.hasSuffix(reelVersion + "\n"), help)
    }
}
