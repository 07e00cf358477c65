import Foundation
import ReelTestSupport
import XCTest
import ReelStream
@testable import ReelWorld

/// Reads a stream and returns its decoded records (checksums verified).
func decodeStream(_ bytes: [UInt8]) throws -> [DecodedRecord] {
    let reader = StreamReader(bytes: bytes)
    var state = StreamState()
    var out: [DecodedRecord] = []
    var index = 0
    while let r = try reader.next() {
        if r.type == .done { break }
        out.append(try state.decode(r, index: index))
        index += 1
    }
    return out
}

final class SynthStreamTests: XCTestCase {
    /// A clip written as reel(5) records reads back: header, both texts, the
    /// scene JSON, and planar frames equal to the renderer's (H,W,3) frames.
    func testClipAsStream() throws {
        let clip = try SynthClip(datasetSeed: 4, index: 2, width: 112, height: 64, frames: 3)
        let writer = StreamWriter()
        try clip.write(to: writer, clip: 7, firstSegment: 10)
        try writer.finish()
        let records = try decodeStream(writer.bytes)
        XCTAssertEqual(records.count, 4 + 3)
        guard case .header(let h) = records[0] else { return XCTFail("HEAD first") }
        XCTAssertEqual(h, ClipHeader(clip: 7, kind: .pixels, dtype: .u8, channels: 3, width: 112, height: 64,
                                     fps: Rational(8), frameCount: 3))
        guard case .text(let prompt) = records[1], case .text(let caption) = records[2] else { return XCTFail("texts") }
        XCTAssertEqual(prompt, TextSegment(segment: 10, clip: 7, role: .prompt, text: clip.prompt))
        XCTAssertEqual(caption, TextSegment(segment: 11, clip: 7, role: .caption, text: clip.caption))
        guard case .metadata(let meta) = records[3] else { return XCTFail("meta") }
        XCTAssertEqual(meta.key, "scene")
        XCTAssertEqual(try Scene(jsonData: Data(meta.value.utf8)), clip.scene)
        let renderer = try SceneRenderer(clip.scene)
        for i in 0..<3 {
            guard case .frame(let f) = records[4 + i] else { return XCTFail("frame \(i)") }
            XCTAssertEqual(f.clip, 7); XCTAssertEqual(f.index, i)
            let hwc = renderer.renderFrame(i)
            let chw = Array(f.data)
            let n = 112 * 64
            XCTAssertEqual(chw.count, 3 * n)
            for p in stride(from: 0, to: n, by: 37) {
                for c in 0..<3 { XCTAssertEqual(chw[c * n + p], hwc[3 * p + c]) }
            }
        }
    }
}

/// End-to-end: the built reel-synth binary.
final class SynthToolTests: XCTestCase {
    /// Runs the built reel-synth (found by ReelTestSupport's Shell) with `args`.
    func run(_ args: [String]) throws -> Shell.Result {
        guard Shell.isBuilt("reel-synth") else {
            throw XCTSkip("reel-synth is not built (swift build --product reel-synth)")
        }
        let tmp = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let quoted = args.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        return try Shell.run((["reel-synth"] + quoted).joined(separator: " "), in: tmp)
    }

    func testStreamOnStdoutIsDeterministic() throws {
        let a = try run(["--seed", "5", "--count", "2", "--frames", "2", "--size", "64x112"])
        XCTAssertEqual(a.status, 0, a.stderr)
        let b = try run(["--seed", "5", "--count", "2", "--frames", "2", "--size", "64x112"])
        XCTAssertEqual(a.stdout, b.stdout)
        let c = try run(["--seed", "6", "--count", "2", "--frames", "2", "--size", "64x112"])
        XCTAssertNotEqual(a.stdout, c.stdout)
        let records = try decodeStream(Array(a.stdout))
        var heads = 0, frames = 0, texts = 0, prov = 0
        for r in records {
            switch r {
            case .header(let h): heads += 1; XCTAssertEqual([h.width, h.height, h.frameCount], [64, 112, 2])
            case .frame: frames += 1
            case .text: texts += 1
            case .provenance(let json): prov += 1; XCTAssertTrue(json.contains("\"generated\":true"))
            default: break
            }
        }
        XCTAssertEqual([heads, frames, texts, prov], [2, 4, 4, 1])
        // Clip 1 of a run that starts at 1 is clip 1 of a run that starts at 0.
        let second = try run(["--seed", "5", "--first", "1", "--frames", "2", "--size", "64x112"])
        let recs = try decodeStream(Array(second.stdout))
        let captionsA = records.compactMap { if case .text(let t) = $0, t.role == .caption { return t.text }; return nil }
        let captionsB = recs.compactMap { if case .text(let t) = $0, t.role == .caption { return t.text }; return nil }
        XCTAssertEqual(captionsB, [captionsA[1]])
    }

    func testDatasetDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reel-synth-ds-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(["--seed", "1", "--count", "3", "--frames", "4", "--out", dir.path,
                         "--shape", "cube", "--color", "crimson", "--motion", "spins", "--camera", "pans left"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertEqual(names, (0..<3).flatMap { i in ["caption.txt", "json", "prompt.txt", "reel"].map { "clip-00000\(i).\($0)" } })
        for i in 0..<3 {
            let stem = dir.appendingPathComponent("clip-00000\(i)").path
            let scene = try Scene(jsonData: try Data(contentsOf: URL(fileURLWithPath: stem + ".json")))
            XCTAssertEqual(scene.objects[0].shape, .square)
            XCTAssertEqual(scene.objects[0].color, .red)
            XCTAssertEqual(scene.objects[0].motion, .spins)
            XCTAssertEqual(scene.camera, .pansLeft)
            let caption = try String(contentsOfFile: stem + ".caption.txt", encoding: .utf8)
            XCTAssertEqual(caption, Captions.detailed(scene) + "\n")
            let prompt = try String(contentsOfFile: stem + ".prompt.txt", encoding: .utf8)
            XCTAssertTrue(Set(Vocabulary.terms(in: prompt)).isSubset(of: attributes(of: scene)), prompt)
            let stream = try decodeStream(Array(try Data(contentsOf: URL(fileURLWithPath: stem + ".reel"))))
            XCTAssertEqual(stream.filter { if case .frame = $0 { return true }; return false }.count, 4)
            let expected = try SynthClip(datasetSeed: 1, index: i, width: 64, height: 64, frames: 4,
                                         constraints: SceneConstraints(camera: .pansLeft, objects: [ObjectConstraints(shape: .square, color: .red, motion: .spins)]))
            XCTAssertEqual(expected.scene, scene)
        }
    }

    func testErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reel-synth-bad-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [([String], Int32, String)] = [
            (["--size", "30x64"], 64, "reel-synth: size 30x64 is not a multiple of 8 (try 32x64)\n"),
            (["--size", "64"], 64, "reel-synth: The value '64' is invalid for '--size <WxH>': expected WIDTHxHEIGHT, e.g. 64x64\n"),
            (["--frames", "0"], 64, "reel-synth: frame count 0 is out of range, expected 1 to 1000000\n"),
            (["--objects", "4"], 64, "reel-synth: object count 4 is out of range, expected 1 to 3 (and at least the 0 described)\n"),
            (["--color", "white", "--background", "white"], 64,
             "reel-synth: a white object on the white background is 5 from its colour, closer than 80 (colours allowed on white: red, orange, yellow, green, blue, purple, pink, black)\n"),
            (["--motion", "still", "--speed", "slowly"], 64,
             "reel-synth: speed 'slowly' was given for an object that is still; still objects have no speed\n"),
        ]
        for (args, status, message) in cases {
            let r = try run(args + ["--out", dir.path])
            XCTAssertEqual(r.status, status, args.joined(separator: " "))
            XCTAssertEqual(r.stderr.split(separator: "\n").first.map { $0 + "\n" }, message)  // a parse error adds help and usage
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path), "no output on error")
        }
        let bad = try run(["--shape", "hexagon"])
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.stderr.contains("hexagon"), bad.stderr)
        XCTAssertTrue(bad.stdout.isEmpty)
    }
}
