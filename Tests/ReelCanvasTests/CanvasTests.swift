// reel-blend's, reel-loop's and reel-extend's canvases (Sources/ReelCanvas): layout, levels, text, refusals.

import ReelCanvas
import ReelStream
import XCTest

/// A latent clip of `frames` latent frames whose every value is `base + frame index`.
func latentClip(_ frames: Int, base: Float, clip id: UInt32 = 0, model: String = "vae-x", fps: Rational = Rational(8),
                text: String? = nil, sourceFrames: Int? = nil) throws -> LatentClip {
    let w = StreamWriter()
    let h = ClipHeader(clip: id, kind: .latents, dtype: .f32, channels: 2, width: 3, height: 2, fps: fps, frameCount: frames,
                       spatialFactor: 4, temporalFactor: 4, sourceWidth: 12, sourceHeight: 8, firstFrameAlone: true, model: model)
    try w.write(h.record)
    if let text {
        try w.write(TextSegment(segment: 0, clip: id, start: 0, end: ReelFormat.open, role: .prompt, text: text).record)
        try w.write(TextEmbedding(segment: 0, kind: .tokens, count: 1, dim: 2, values: [base, base]).record)
    }
    for f in 0..<frames {
        let fr = Frame(clip: id, index: f, byteCount: 12 * 4)
        for k in 0..<12 { fr.mutableData.storeBytes(of: (base + Float(f)).bitPattern.littleEndian, toByteOffset: 4 * k, as: UInt32.self) }
        try w.write(fr.record)
    }
    if let sourceFrames { try w.write(Metadata(key: "source-frames", value: "\(id) \(sourceFrames)").record) }
    try w.finish()
    return try LatentClip.read(StreamReader(bytes: w.bytes), name: "test")
}

final class CanvasTests: XCTestCase {
    func clip(_ frames: Int, base: Float, clip id: UInt32 = 0, model: String = "vae-x", fps: Rational = Rational(8),
              text: String? = nil, sourceFrames: Int? = nil) throws -> LatentClip {
        try latentClip(frames, base: base, clip: id, model: model, fps: fps, text: text, sourceFrames: sourceFrames)
    }

    func testCurvesParseAndRefuseWhatIsWrongInItself() throws {
        XCTAssertEqual(try BlendCurve(parsing: "linear").value(0.25), 0.25, accuracy: 1e-12)
        XCTAssertEqual(try BlendCurve(parsing: "ease").value(0.5), 0.5, accuracy: 1e-12)
        XCTAssertLessThan(try BlendCurve(parsing: "ease").value(0.25), 0.25)
        let cut = try BlendCurve(parsing: "cut")
        XCTAssertEqual(cut.value(0.49), 0); XCTAssertEqual(cut.value(0.5), 1)
        let points = try BlendCurve(parsing: "0:0,0.5:0.2,1:1")
        XCTAssertEqual(points.value(0.25), 0.1, accuracy: 1e-12)
        XCTAssertEqual(points.value(0.75), 0.6, accuracy: 1e-12)
        for bad in ["0.1:0,1:1", "0:0,1:0.9", "0:0,0.6:0.5,0.4:0.7,1:1", "0:0,x,1:1", "wobble", "0:0,1.5:1", "0:0,1:1,"] {
            XCTAssertThrowsError(try BlendCurve(parsing: bad), bad) { e in
                guard case CanvasError.usage(let m) = e else { return XCTFail("\(e)") }
                XCTAssertTrue(m.contains("--curve"), m)
            }
        }
    }

    func testBlendLaysOutBothClipsAndTheTransition() throws {
        let a = try clip(5, base: 0, text: "a"), b = try clip(5, base: 100, text: "b")
        let c = try Blend.canvas(a, b, length: 8, curve: BlendCurve(parsing: "linear"))
        // A's frames 0-2, two transition frames, B's frames 3 and 4.
        XCTAssertEqual(c.frames.count, 7)
        XCTAssertEqual(c.frames.map { $0![0] }, [0, 1, 2, 0.75 * 3 + 0.25 * 101, 0.25 * 4 + 0.75 * 102, 103, 104])
        XCTAssertEqual(c.levels, [0, 0, 0, 0.75, 0.75, 0, 0])
        XCTAssertEqual(c.sourceFrames, 25)  // A's video frames 0-8, then B's 1-16 from canvas frame 9
        XCTAssertEqual(c.header.frameCount, 7)
        // Texts: A's to the transition's middle (frame 9 + 4), B's from there; renumbered.
        XCTAssertEqual(c.segments.map { [$0.segment, $0.start, $0.end] }, [[0, 0, 13], [1, 13, ReelFormat.open]])
        XCTAssertEqual(c.segments.map(\.text), ["a", "b"])
        XCTAssertEqual(c.embeddings.map(\.segment), [0, 1])
        // A cut generates nothing; strength scales the levels.
        XCTAssertEqual(try Blend.canvas(a, b, length: 8, curve: BlendCurve(parsing: "cut")).levels, [0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(try Blend.canvas(a, b, length: 8, curve: BlendCurve(parsing: "linear"), strength: 0.5).levels[3], 0.375)
        // The middle of a longer linear transition is generated from noise.
        let long = try Blend.canvas(try clip(7, base: 0), try clip(7, base: 50), length: 12, curve: BlendCurve(parsing: "linear"))
        XCTAssertEqual(long.levels[5], 1)
    }

    func testBlendRefusesClipsThatCannotServe() throws {
        let a = try clip(5, base: 0)
        func refuses(_ b: LatentClip, length: Int = 8, _ words: String, usage: Bool = false) {
            XCTAssertThrowsError(try Blend.canvas(a, b, length: length, curve: BlendCurve(parsing: "linear"))) { e in
                switch e {
                case CanvasError.usage(let m): XCTAssertTrue(usage, m); XCTAssertTrue(m.contains(words), m)
                case CanvasError.badInput(let m): XCTAssertFalse(usage, m); XCTAssertTrue(m.contains(words), m)
                default: XCTFail("\(e)")
                }
            }
        }
        refuses(try clip(5, base: 1, model: "vae-y"), "different networks")
        refuses(try clip(5, base: 1, fps: Rational(24)), "frame rates")
        refuses(try clip(2, base: 1), "the second clip has 5 frames")
        refuses(try clip(5, base: 1), length: 6, "multiple of 4", usage: true)
        refuses(try clip(5, base: 1), length: 0, "multiple of 4", usage: true)
    }

    func testLoopKeepsTheClipAndAimsTheBridgeAtItsStart() throws {
        let c = try Loop.canvas(try clip(5, base: 10, text: "loop"), length: 8)
        XCTAssertEqual(c.frames.count, 8)
        XCTAssertEqual(c.frames.map { $0?[0] }, [10, 11, 12, 13, 14, nil, nil, 11])
        XCTAssertEqual(c.levels, [0, 0, 0, 0, 0, 1, 1, 0])
        XCTAssertEqual(c.sourceFrames, 24)  // 17 of the clip + the 8-frame bridge less its last
        XCTAssertEqual(c.segments.map { [$0.start, $0.end] }, [[0, ReelFormat.open]])
        // Written, the bridge is stored as zeros at level 1: no gap between stored frames.
        let w = StreamWriter()
        try c.write(to: w, provenance: Provenance(tool: "test", args: []).record)
        var state = StreamState(), stored: [Int] = [], levels: [Float] = [], source = ""
        for (i, r) in try StreamReader(bytes: w.bytes).readAll().enumerated() {
            switch try state.decode(r, index: i + 1) {
            case .frame(let f): stored.append(f.index)
            case .noise(let n): levels = n.levels
            case .metadata(let m) where m.key == "source-frames": source = m.value
            default: break
            }
        }
        XCTAssertEqual(stored, Array(0..<8))
        XCTAssertEqual(levels, [0, 0, 0, 0, 0, 1, 1, 0])
        XCTAssertEqual(source, "0 24")
    }

    func testLoopRefusesClipsItCannotLoop() throws {
        XCTAssertThrowsError(try Loop.canvas(try clip(1, base: 0), length: 8)) { e in
            XCTAssertEqual("\(e)".contains("too short to loop"), true, "\(e)")
        }
        XCTAssertThrowsError(try Loop.canvas(try clip(5, base: 0, sourceFrames: 15), length: 8)) { e in
            XCTAssertTrue("\(e)".contains("15 frames"), "\(e)")
        }
        XCTAssertThrowsError(try Loop.canvas(try clip(5, base: 0), length: 3)) { e in
            guard case CanvasError.usage = e else { return XCTFail("\(e)") }
        }
    }

    func testReadingRefusesWhatIsNotALatentClip() throws {
        let w = StreamWriter()
        try w.write(ClipHeader(clip: 0, kind: .pixels, dtype: .u8, channels: 3, width: 4, height: 4, fps: Rational(8), frameCount: 1).record)
        try w.finish()
        XCTAssertThrowsError(try LatentClip.read(StreamReader(bytes: w.bytes), name: "pix.reel")) { e in
            XCTAssertTrue("\(e)".contains("pix.reel: clip 0 holds pixel frames"), "\(e)")
        }
        let empty = StreamWriter(); try empty.finish()
        XCTAssertThrowsError(try LatentClip.read(StreamReader(bytes: empty.bytes), name: "e.reel")) { e in
            XCTAssertTrue("\(e)".contains("holds no clip"), "\(e)")
        }
    }
}

final class ExtendTests: XCTestCase {
    func testExtendBackwardRegeneratesTheFirstFrameAndForwardAppends() throws {
        let c = try latentClip(5, base: 10, text: "clip")
        let back = try Extend.canvas(c, before: 8, after: 0)
        XCTAssertEqual(back.frames.map { $0?[0] }, [nil, nil, nil, 11, 12, 13, 14])
        XCTAssertEqual(back.levels, [1, 1, 1, 0, 0, 0, 0])
        XCTAssertEqual(back.sourceFrames, 25)
        XCTAssertEqual(back.segments.map { [$0.start, $0.end] }, [[8, ReelFormat.open]])
        let both = try Extend.canvas(c, before: 4, after: 8)
        XCTAssertEqual(both.frames.map { $0?[0] }, [nil, nil, 11, 12, 13, 14, nil, nil])
        XCTAssertEqual(both.sourceFrames, 4 + 17 + 8)
        let fwd = try Extend.canvas(c, before: 0, after: 4)
        XCTAssertEqual(fwd.frames.map { $0?[0] }, [10, 11, 12, 13, 14, nil])
        XCTAssertEqual(fwd.levels, [0, 0, 0, 0, 0, 1])
    }

    func testExtendRefusals() throws {
        let c = try latentClip(5, base: 0)
        for (b, a, words) in [(3, 0, "--before 3 must be a multiple of 4"), (0, -4, "--after -4"), (0, 0, "nothing to extend")] {
            XCTAssertThrowsError(try Extend.canvas(c, before: b, after: a)) { e in
                guard case CanvasError.usage(let m) = e else { return XCTFail("\(e)") }
                XCTAssertTrue(m.contains(words), m)
            }
        }
        XCTAssertThrowsError(try Extend.canvas(try latentClip(1, base: 0), before: 4, after: 0)) { e in
            XCTAssertTrue("\(e)".contains("single frame"), "\(e)")
        }
        XCTAssertThrowsError(try Extend.canvas(try latentClip(5, base: 0, sourceFrames: 14), before: 0, after: 4)) { e in
            XCTAssertTrue("\(e)".contains("14 frames"), "\(e)")
        }
        XCTAssertEqual(try Extend.canvas(try latentClip(5, base: 0, sourceFrames: 14), before: 4, after: 0).sourceFrames, 18)
    }
}
