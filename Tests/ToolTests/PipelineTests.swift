import Foundation
import ReelStream
import XCTest

/// The pipelines of the README, run with the built tools.
final class PipelineTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try Tools.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// Frames (as raw sample bytes) and headers of a stream file.
    func frames(_ name: String) throws -> (headers: [ClipHeader], frames: [[UInt8]], types: [String]) {
        try Self.read(dir.appendingPathComponent(name))
    }

    func run(_ script: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try Tools.succeed(script, cwd: dir, file: file, line: line)
    }

    /// PNG -> reel-encode --pixels -> reel-patchify -> reel-unpatchify -> reel-decode gives back the same pixels.
    func testPNGThroughPatchesAndBackIsExact() throws {
        for size in ["112x64", "64x64", "64x112"] {
            try run("reel-synth --seed 3 --size \(size) --frames 1 > synth.reel && reel-decode -o in.png < synth.reel")
            try run("reel-encode --pixels in.png | reel-patchify | reel-unpatchify | reel-decode -o out.png")
            try run("reel-encode --pixels in.png > a.reel && reel-encode --pixels out.png > b.reel")
            let synth = try frames("synth.reel"), a = try frames("a.reel"), b = try frames("b.reel")
            XCTAssertEqual(a.headers.first?.width, Int(size.split(separator: "x")[0]))
            XCTAssertEqual(a.frames.count, 1)
            XCTAssertEqual(a.frames, synth.frames, "\(size): PNG written by reel-decode holds the rendered pixels")
            XCTAssertEqual(b.frames, a.frames, "\(size): pixels changed on the way through patches")
        }
    }

    /// A video through the same pipeline, within H.264's tolerance; frame count and fps kept.
    func testMP4ThroughPatchesAndBackWithinCodecTolerance() throws {
        try run("reel-synth --seed 5 --size 64x64 --frames 16 > synth.reel && reel-decode -o in.mp4 < synth.reel")
        try run("reel-encode --pixels in.mp4 | reel-patchify --patch 2x4x4 | reel-unpatchify | reel-decode -o out.mp4")
        try run("reel-encode --pixels out.mp4 > back.reel")
        let synth = try frames("synth.reel"), back = try frames("back.reel")
        XCTAssertEqual(back.frames.count, 16)
        XCTAssertEqual(back.headers.first?.fps.value ?? 0, 8, accuracy: 1e-6)
        var total = 0.0, worst = 0.0
        for (s, b) in zip(synth.frames, back.frames) {
            XCTAssertEqual(s.count, b.count)
            let mae = Double(zip(s, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(s.count)
            total += mae
            worst = max(worst, mae)
        }
        let mean = total / Double(back.frames.count)
        print("MP4 round trip (two H.264 generations, CRF 18): mean abs error \(mean) of 255, worst frame \(worst)")
        XCTAssertLessThan(mean, 4.0, "mean absolute error per sample, 0-255")
        XCTAssertLessThan(worst, 8.0)
    }

    /// Every malformed stream of the corpus makes every stream-reading tool exit
    /// with the MANIFEST's status and `tool: message` naming its problem, and writes no output file.
    func testMalformedCorpusThroughEveryTool() throws {
        let corpus = Tools.packageRoot.appendingPathComponent("Tests/ReelStreamTests/Fixtures/malformed")
        let manifest = try String(contentsOf: corpus.appendingPathComponent("MANIFEST"), encoding: .utf8)
        var cases = 0
        for line in manifest.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 4 else { continue }
            let (name, status, fragment) = (f[0], Int32(f[1]) ?? -1, f[3])
            let input = corpus.appendingPathComponent(name + ".reel").path
            guard FileManager.default.fileExists(atPath: input) else { XCTFail("corpus file \(name).reel missing"); continue }
            cases += 1
            for tool in ["reel-patchify", "reel-unpatchify", "reel-inspect"] {
                let r = try Tools.sh("\(tool) < '\(input)' > /dev/null", cwd: dir)
                XCTAssertEqual(r.status, status, "\(tool) on \(name): \(r.stderr)")
                XCTAssertTrue(r.stderr.hasPrefix("\(tool): "), "\(tool) on \(name): \(r.stderr)")
                // reel-patchify stops at a token stream's first PTCH record, before the damage.
                let refusedTokens = tool == "reel-patchify" && r.stderr.contains("is already cut into patches")
                XCTAssertTrue(r.stderr.contains(fragment) || refusedTokens,
                              "\(tool) on \(name): expected \"\(fragment)\" in \(r.stderr)")
            }
            // Tools that read the whole stream before they write: the same status and message
            // (record numbers count from 1, as reel(5) and the MANIFEST do), and no output file.
            for tool in ["reel-decode -o out.png", "reel-score", "reel-denoise"] {
                let r = try Tools.sh("\(tool) < '\(input)' > stdout.bin", cwd: dir)
                let name0 = String(tool.split(separator: " ")[0])
                XCTAssertEqual(r.status, status, "\(name0) on \(name): \(r.stderr)")
                XCTAssertTrue(r.stderr.hasPrefix("\(name0): "), "\(name0) on \(name): \(r.stderr)")
                // reel-denoise may refuse a clip's HEAD (pixels, or the wrong channels) before the damage.
                let refusedClip = name0 == "reel-denoise" && (r.stderr.contains("needs latents") || r.stderr.contains("latent channels but the model"))
                XCTAssertTrue(r.stderr.contains(fragment) || refusedClip, "\(name0) on \(name): expected \"\(fragment)\" in \(r.stderr)")
                try? FileManager.default.removeItem(at: dir.appendingPathComponent("stdout.bin"))
            }
            let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            XCTAssertEqual(left, [], "reel-decode on \(name) left files behind: \(left)")
        }
        XCTAssertGreaterThanOrEqual(cases, 30)
    }

    /// Malformed media files: a clear message naming the file, status 65 or 66, no output.
    func testMalformedMediaIsRejectedClearly() throws {
        let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        try Data(pngSignature + [0, 0, 0, 13]).write(to: dir.appendingPathComponent("truncated.png"))
        try Data("not a video at all".utf8).write(to: dir.appendingPathComponent("garbage.mp4"))
        try Data().write(to: dir.appendingPathComponent("empty.png"))
        for (file, status) in [("truncated.png", Int32(65)), ("garbage.mp4", 65), ("empty.png", 65), ("missing.png", 66)] {
            let r = try Tools.sh("reel-encode --pixels \(file) > out.reel", cwd: dir)
            XCTAssertEqual(r.status, status, "\(file): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("reel-encode: ") && r.stderr.contains(file), "\(file): \(r.stderr)")
        }
    }
}

/// The default (latent) mode of reel-encode and reel-decode with the shipped VAE.
final class LatentPipelineTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try Tools.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testVideoThroughLatentsPatchesAndBack() throws {
        let r = try Tools.sh("""
            reel-synth --seed 11 --size 64x64 --frames 17 > synth.reel && reel-decode -o in.mp4 --quality 0 < synth.reel \
            && reel-encode in.mp4 > latents.reel \
            && reel-patchify < latents.reel | reel-unpatchify | reel-decode -o out.mp4 --quality 0 \
            && reel-encode --pixels out.mp4 > back.reel
            """, cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let latents = try PipelineTests.read(dir.appendingPathComponent("latents.reel"))
        guard let h = latents.headers.first else { return XCTFail("no HEAD in the latent stream") }
        XCTAssertEqual(h.kind, .latents)
        XCTAssertEqual(h.spatialFactor, 4)
        XCTAssertEqual(h.temporalFactor, 4)
        XCTAssertTrue(h.firstFrameAlone)
        XCTAssertEqual([h.width, h.height], [16, 16])
        XCTAssertEqual(latents.frames.count, 5, "17 frames = 1 + 4 x 4 -> 5 latent frames")
        XCTAssertFalse(h.model.isEmpty, "latents name the model that made them")
        let synth = try PipelineTests.read(dir.appendingPathComponent("synth.reel"))
        let back = try PipelineTests.read(dir.appendingPathComponent("back.reel"))
        XCTAssertEqual(back.frames.count, 17)
        var se = 0.0, n = 0.0
        for (a, b) in zip(synth.frames, back.frames) {
            for (x, y) in zip(a, b) { let d = Double(x) - Double(y); se += d * d; n += 1 }
        }
        let psnr = 10 * log10(255 * 255 / (se / max(n, 1)))
        print("latent round trip of a 64x64 world clip through the shipped VAE: PSNR \(psnr) dB")
        XCTAssertGreaterThan(psnr, 28.0, "the shipped VAE reconstructs a world clip (measured 29.0 dB, MP4 at CRF 0 included)")
    }

    /// Lengths that are not 1 + 4k come back with exactly their frames.
    func testAnyLengthComesBackWithItsFrameCount() throws {
        for n in [2, 6, 15] {
            let r = try Tools.sh("reel-synth --seed 4 --frames \(n) | reel-decode -o in.mp4 && reel-encode in.mp4 | reel-patchify"
                                 + " | reel-unpatchify | reel-decode -o out.mp4 && reel-encode --pixels out.mp4 > back.reel", cwd: dir)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try PipelineTests.read(dir.appendingPathComponent("back.reel")).frames.count, n)
        }
    }

    /// `reel-encode -`: every pixel clip of a stream on stdin becomes latent frames, the
    /// prompts and captions pass through, and a clip decodes back to its pixels.
    func testPixelStreamOnStandardInput() throws {
        let r = try Tools.sh("""
            reel-synth --seed 12 --size 64x64 --frames 9 --count 2 > synth.reel && reel-encode - < synth.reel > latents.reel \
            && reel-decode --clip 1 -o out/ < latents.reel && reel-encode --pixels out/ > back.reel
            """, cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let inTypes = try PipelineTests.read(dir.appendingPathComponent("synth.reel")).types
        let latentTypes = try PipelineTests.read(dir.appendingPathComponent("latents.reel")).types
        XCTAssertEqual(latentTypes.filter { $0 == "text" }.count, inTypes.filter { $0 == "text" }.count, "prompts and captions pass through")
        XCTAssertEqual(latentTypes.filter { $0 == "meta" }.count - 2, inTypes.filter { $0 == "meta" }.count,
                       "ground truth passes through; one source-frames record per clip is added")
        let latents = try PipelineTests.read(dir.appendingPathComponent("latents.reel"))
        XCTAssertEqual(latents.headers.map(\.kind), [.latents, .latents])
        XCTAssertEqual(latents.headers.map(\.clip), [0, 1])
        XCTAssertEqual(latents.frames.count, 2 * 3, "9 frames = 1 + 4 x 2 -> 3 latent frames a clip")
        let synth = try PipelineTests.read(dir.appendingPathComponent("synth.reel"))
        let back = try PipelineTests.read(dir.appendingPathComponent("back.reel"))
        XCTAssertEqual(synth.frames.count, 18)
        XCTAssertEqual(back.frames.count, 9)
        var se = 0.0, n = 0.0
        for (a, b) in zip(synth.frames[9...], back.frames) {
            for (x, y) in zip(a, b) { let d = Double(x) - Double(y); se += d * d; n += 1 }
        }
        let psnr = 10 * log10(255 * 255 / (se / max(n, 1)))
        print("reel-encode - round trip of clip 1 (64x64, 9 frames) through the shipped VAE: PSNR \(psnr) dB")
        XCTAssertGreaterThan(psnr, 36.0, "clip 1 (not clip 0) comes back (measured 37.3 dB)")
    }

    func testPixelStreamOnStandardInputRefusesFrameOptions() throws {
        try Data().write(to: dir.appendingPathComponent("x.png"))
        for (args, named) in [("- --size 32x32", "--size"), ("- --frames 4", "--frames"), ("- --pixels", "--pixels"),
                              ("- x.png", "x.png")] {
            let r = try Tools.sh("reel-synth --frames 1 | reel-encode \(args) > out.reel", cwd: dir)
            XCTAssertEqual(r.status, 64, "reel-encode \(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("reel-encode: ") && r.stderr.contains(named), r.stderr)
            XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("out.reel")).count, 0, "no partial output")
        }
    }

    func testMissingModelIsAClearError() throws {
        let r = try Tools.sh("reel-synth --frames 1 | reel-decode -o x.png && reel-encode --model /nonexistent.safetensors x.png > out.reel", cwd: dir)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.hasPrefix("reel-encode: ") && r.stderr.contains("/nonexistent.safetensors"), r.stderr)
    }
}

extension PipelineTests {
    /// Headers, frames (raw sample bytes) and every record's type, in stream order.
    static func read(_ url: URL) throws -> (headers: [ClipHeader], frames: [[UInt8]], types: [String]) {
        let reader = StreamReader(bytes: Array(try Data(contentsOf: url)), name: url.lastPathComponent)
        var state = StreamState()
        var headers: [ClipHeader] = [], out: [[UInt8]] = [], types: [String] = []
        while let rec = try reader.next() {
            types.append(rec.type.description)
            switch try state.decode(rec, index: reader.recordIndex) {
            case let .header(h): headers.append(h)
            case let .frame(f): out.append(Array(f.data))
            default: break
            }
        }
        return (headers, out, types)
    }
}
