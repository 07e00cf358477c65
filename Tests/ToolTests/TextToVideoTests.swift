import Foundation
import XCTest

/// Text to video with the shipped diffusion transformer, end to end with the built tools, and
/// its quality floors on a small fixed subset of the prompt suite, judged by reel-score against
/// the prompts as typed (a regression test: the floors sit under what the shipped model measures).
final class TextToVideoTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try Tools.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func run(_ script: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try Tools.succeed(script, cwd: dir, file: file, line: line)
    }

    /// The checks of reel-score's JSON report of a generated clip: attribute kind -> passed.
    func checks(_ json: String) throws -> [(String, Bool)] {
        let line = try XCTUnwrap(json.split(separator: "\n").first)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let segments = try XCTUnwrap(report["segments"] as? [[String: Any]])
        return segments.flatMap { ($0["checks"] as? [[String: Any]]) ?? [] }.map {
            (String(($0["attribute"] as? String ?? "").split(separator: " ").last ?? ""), $0["passed"] as? Bool ?? false)
        }
    }

    func testTextToVideoAtEveryAspectRatioDecodesAndIsScored() throws {
        for (size, frames) in [("64x64", 17), ("112x64", 9), ("64x112", 1)] {
            let out = try run("""
                reel-prompt-expand --seed 1 "a red ball on a white background" \
                  | reel-denoise --size \(size) --frames \(frames) --steps 6 --seed 2 > gen.reel
                reel-unpatchify < gen.reel > lat.reel && reel-decode -o out.gif < lat.reel && reel-score --json < lat.reel
                """)
            let (headers, decoded, types) = try PipelineTests.read(dir.appendingPathComponent("lat.reel"))
            XCTAssertEqual(headers.first?.kind, .latents)
            XCTAssertEqual(headers.first?.sourceWidth, Int(size.split(separator: "x")[0]))
            XCTAssertEqual(decoded.count, 1 + (frames - 1 + 3) / 4, size)
            XCTAssertTrue(types.contains("nois") && types.contains("prov"), "\(types)")
            let c = try checks(out)
            XCTAssertTrue(c.contains { $0.0 == "background" }, "reel-score checked no background: \(out)")
        }
    }

    func testSameSeedReproducesAndBadRequestsExitWithTheirStatus() throws {
        _ = try run("""
            reel-prompt-expand --seed 1 "a blue square" > p.reel
            reel-denoise --steps 3 --frames 5 --seed 7 < p.reel > a.reel && reel-denoise --steps 3 --frames 5 --seed 7 < p.reel > b.reel
            reel-denoise --steps 3 --frames 5 --seed 8 < p.reel > c.reel
            """)
        let a = try Data(contentsOf: dir.appendingPathComponent("a.reel")), b = try Data(contentsOf: dir.appendingPathComponent("b.reel"))
        let c = try Data(contentsOf: dir.appendingPathComponent("c.reel"))
        // Provenance records differ only in the seed argument; the tokens must be the same.
        XCTAssertEqual(a.count, b.count)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        var r = try Tools.sh("reel-denoise --size 20x16 < p.reel > out.reel", cwd: dir)
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("reel-denoise: --size 20x16 is not a multiple of 8x8"), r.stderr)
        XCTAssertTrue(r.stderr.contains("64x64, 112x64, 64x112"), r.stderr)
        r = try Tools.sh("reel-denoise --frames 100001 < p.reel > out.reel", cwd: dir)
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("--frames 100001 is outside 1 to 100000"), r.stderr)
        r = try Tools.sh("reel-synth --frames 1 --seed 3 | reel-encode - | reel-patchify --patch 1x1x1 | reel-denoise > out.reel", cwd: dir)
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("1x1x1") && r.stderr.contains("reel-patchify --patch 1x2x2"), r.stderr)
        r = try Tools.sh("reel-denoise --model /nonexistent/dit.safetensors < p.reel > out.reel", cwd: dir)
        XCTAssertEqual(r.status, 66, r.stderr)
    }

    /// Stopping at a noise level writes a partly denoised clip (PART) that reel-decode and
    /// reel-score refuse; resuming it with the same settings equals one uninterrupted run byte
    /// for byte, and resuming it with another prompt branches.
    func testStopAtALevelThenResumeEqualsOneRun() throws {
        _ = try run("""
            reel-prompt-expand --seed 1 "a blue square moving left" > p.reel
            reel-denoise --seed 3 --steps 6 < p.reel | reel-unpatchify > full.reel
            reel-denoise --seed 3 --steps 6 --until-level 0.5 < p.reel > half.reel
            reel-denoise --steps 6 < half.reel | reel-unpatchify > resumed.reel
            reel-prompt-expand --seed 2 "a red ball moving up" < half.reel | reel-denoise --steps 6 | reel-unpatchify > branch.reel
            reel-unpatchify < half.reel > half-latent.reel
            """)
        let full = try PipelineTests.read(dir.appendingPathComponent("full.reel"))
        let resumed = try PipelineTests.read(dir.appendingPathComponent("resumed.reel"))
        let half = try PipelineTests.read(dir.appendingPathComponent("half-latent.reel"))
        let branch = try PipelineTests.read(dir.appendingPathComponent("branch.reel"))
        XCTAssertEqual(full.frames.count, 5)
        XCTAssertEqual(resumed.frames, full.frames, "stop at 0.5 and resume differs from one run")
        XCTAssertTrue(half.types.contains("PART") && !full.types.contains("PART") && !resumed.types.contains("PART"),
                      "\(half.types) / \(resumed.types)")
        XCTAssertNotEqual(half.frames, full.frames)
        XCTAssertNotEqual(branch.frames, full.frames, "a new prompt for the second half changed nothing")
        for tool in ["reel-decode -o out.png", "reel-score"] {
            let r = try Tools.sh("\(tool) < half-latent.reel", cwd: dir)
            XCTAssertEqual(r.status, 65, "\(tool): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("partly denoised"), r.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.png").path))
        let bad = try Tools.sh("reel-denoise --until-level 1 < p.reel", cwd: dir)
        XCTAssertEqual(bad.status, 64, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--until-level 1"), bad.stderr)
    }

    /// --preview draws the clean estimate through the latent-to-RGB decoder fitted to the VAE: on
    /// a canvas whose first 4 latent frames are a real encoded clip (kept, so the estimate is the
    /// clip itself), the sheet's frames match the clip's own pixels, averaged over each latent
    /// cell (and over the 4 video frames of a later latent frame), within 28 dB PSNR (the fit
    /// measured 38.7 and 31.9 dB on held-out clips); the output stream is the same as without it.
    func testPreviewSheetShowsTheCleanEstimate() throws {
        _ = try run("""
            reel-synth --seed 31 --size 64x64 --frames 13 > pix.reel
            reel-encode - < pix.reel > lat.reel
            reel-denoise --frames 17 --steps 3 --seed 1 --preview sheet.png < lat.reel | reel-unpatchify > with.reel
            reel-denoise --frames 17 --steps 3 --seed 1 < lat.reel | reel-unpatchify > without.reel
            reel-encode --pixels sheet.png > sheet.reel
            """)
        let with = try PipelineTests.read(dir.appendingPathComponent("with.reel"))
        XCTAssertEqual(with.frames.count, 5)
        XCTAssertEqual(with.frames, try PipelineTests.read(dir.appendingPathComponent("without.reel")).frames)
        let sheet = try PipelineTests.read(dir.appendingPathComponent("sheet.reel"))
        let pix = try PipelineTests.read(dir.appendingPathComponent("pix.reel"))
        let h = try XCTUnwrap(sheet.headers.first)
        XCTAssertEqual(h.width, 5 * 64 + 4 * 2); XCTAssertEqual(h.height, 64)
        let img = sheet.frames[0], W = h.width
        var se = 0.0, count = 0.0
        for f in 0..<4 {
            let group = f == 0 ? [0] : Array((1 + 4 * (f - 1))...(4 * f))
            for c in 0..<3 { for cy in 0..<16 { for cx in 0..<16 {
                var mean = 0.0
                for v in group { for dy in 0..<4 { for dx in 0..<4 {
                    mean += Double(pix.frames[v][(c * 64 + cy * 4 + dy) * 64 + cx * 4 + dx])
                } } }
                mean /= Double(16 * group.count)
                let shown = Double(img[(c * 64 + cy * 4) * W + f * 66 + cx * 4])
                se += (shown - mean) * (shown - mean); count += 1
            } } }
        }
        let psnr = 10 * log10(255 * 255 / (se / count))
        XCTAssertGreaterThan(psnr, 28, "preview of the kept frames is \(psnr) dB from their pixels' cell means")
    }

    /// Remix: --strength is the level of stored frames with no level of their own. 1 ignores the
    /// source (the same frames as text to video from the same seed), 0.5 keeps part of it (neither
    /// the source nor the from-scratch clip), out of range is a usage error.
    func testRemixStrength() throws {
        _ = try run("""
            reel-synth --seed 8 --frames 9 --count 1 2>/dev/null | reel-encode - > src.reel
            reel-prompt-expand --seed 1 "a blue ball moving left" < src.reel > in.reel
            reel-denoise --strength 1 --seed 4 --steps 4 < in.reel | reel-unpatchify > s1.reel
            reel-denoise --strength 0.5 --seed 4 --steps 4 < in.reel | reel-unpatchify > s05.reel
            reel-prompt-expand --seed 1 "a blue ball moving left" | reel-denoise --frames 9 --seed 4 --steps 4 | reel-unpatchify > t2v.reel
            """)
        let src = try PipelineTests.read(dir.appendingPathComponent("src.reel"))
        let s1 = try PipelineTests.read(dir.appendingPathComponent("s1.reel"))
        let s05 = try PipelineTests.read(dir.appendingPathComponent("s05.reel"))
        let t2v = try PipelineTests.read(dir.appendingPathComponent("t2v.reel"))
        XCTAssertEqual(s1.frames.count, 3)
        XCTAssertEqual(s1.frames, t2v.frames, "strength 1 should ignore the source entirely")
        XCTAssertNotEqual(s05.frames, s1.frames)
        XCTAssertNotEqual(s05.frames, src.frames)
        let bad = try Tools.sh("reel-denoise --strength 1.5 < in.reel", cwd: dir)
        XCTAssertEqual(bad.status, 64, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--strength 1.5"), bad.stderr)
    }

    /// Image to video: an encoded image is latent frame 0 of a 9-frame canvas; it comes out unchanged.
    func testImageToVideoKeepsTheImage() throws {
        _ = try run("""
            reel-synth --frames 1 --seed 5 --size 64x64 | reel-encode - > img.reel
            reel-prompt-expand --seed 1 "a green triangle moving right" < img.reel | reel-denoise --frames 9 --steps 4 | reel-unpatchify > out.reel
            """)
        let image = try PipelineTests.read(dir.appendingPathComponent("img.reel"))
        let out = try PipelineTests.read(dir.appendingPathComponent("out.reel"))
        XCTAssertEqual(out.frames.count, 3)
        let dtype = try XCTUnwrap(image.headers.first?.dtype)
        // The same values: compare as floats (the image's latents may be stored as f16, the output as f32).
        func floats(_ bytes: [UInt8], _ f16: Bool) -> [Float] {
            bytes.withUnsafeBytes { raw in
                f16 ? (0..<(bytes.count / 2)).map { Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
                    : (0..<(bytes.count / 4)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
            }
        }
        XCTAssertEqual(floats(out.frames[0], false), floats(image.frames[0], dtype == .f16))
        XCTAssertNotEqual(floats(out.frames[1], false), floats(out.frames[0], false))
    }
    /// Quality floors of the shipped model on a fixed subset of the prompt suite (the first 8
    /// prompts at 64x64, 17 frames, the suite's seeds, default steps and guidance), judged by
    /// reel-score against each prompt as typed. The floors sit a few points under what the
    /// shipped model measured (background 8/8, colour 6/8; shape 3/8 and motion 0/8 have no floor
    /// yet): a model or sampler change that loses the prompt fails here.
    func testShippedModelQualityFloorsOnAFixedSubset() throws {
        let suite = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ReelDiTTests/Fixtures/t2v_prompts.tsv")
        let prompts = try String(contentsOf: suite, encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("#") && !$0.isEmpty }.prefix(8).map { String($0.split(separator: "\t")[0]) }
        XCTAssertEqual(prompts.count, 8)
        var passed: [String: Int] = [:], total: [String: Int] = [:]
        for (i, prompt) in prompts.enumerated() {
            let seed = 1000 + 17 * i
            let out = try run("""
                reel-prompt-expand --seed \(seed) "\(prompt)" | reel-denoise --size 64x64 --frames 17 --seed \(seed) \
                  | reel-unpatchify | reel-score --json
                """)
            for (kind, ok) in try checks(out) { total[kind, default: 0] += 1; passed[kind, default: 0] += ok ? 1 : 0 }
        }
        let measured = total.keys.sorted().map { "\($0) \(passed[$0] ?? 0)/\(total[$0]!)" }.joined(separator: ", ")
        XCTAssertEqual(total["background"], 8, measured)
        XCTAssertEqual(total["colour"], 8, measured)
        XCTAssertGreaterThanOrEqual(passed["background"] ?? 0, 6, measured)
        XCTAssertGreaterThanOrEqual(passed["colour"] ?? 0, 5, measured)
        print("shipped model on the fixed subset: \(measured)")
    }
}
