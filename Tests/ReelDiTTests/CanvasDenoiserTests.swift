import Foundation
import XCTest
import ReelDiT
import ReelNumerics
import ReelStream
import ReelSystem

final class CanvasDenoiserTests: XCTestCase {
    let null = textCondition(8, tokens: 2, width: 6, frames: 0..<0)

    func makeDenoiser() throws -> CanvasDenoiser {
        let m = try DiffusionTransformer(config: tinyConfig(), seed: 3)
        randomize(m, seed: 4)
        return CanvasDenoiser(model: m, null: null, warn: { _ in })
    }

    func textRecords(segment: UInt32 = 0, start: UInt32 = 0, end: UInt32 = ReelFormat.open) -> [Record] {
        let t = textCondition(11 + UInt64(segment), tokens: 3, width: 6, frames: 0..<1)
        return [TextSegment(segment: segment, start: start, end: end, role: .caption, text: "a red ball").record,
                TextEmbedding(segment: segment, kind: .tokens, count: 3, dim: 6, values: t.tokenStates).record,
                TextEmbedding(segment: segment, kind: .pooled, count: 1, dim: 6, values: t.pooled).record]
    }

    func run(_ d: CanvasDenoiser, _ records: [Record], _ o: DenoiseOptions) throws -> [Record] {
        let w = StreamWriter()
        try d.run(records: records, options: o, to: w, provenance: Provenance(tool: "test", args: []).record)
        return try StreamReader(bytes: w.bytes).readAll()
    }

    /// Latent frames of a clip as (frames) x (tokens x dim) values, from TOKS records.
    func frames(_ records: [Record], clip: UInt32) throws -> [[Float]] {
        var state = StreamState()
        var out: [Int: [Float]] = [:]
        for (i, r) in records.enumerated() {
            if case .tokens(let t) = try state.decode(r, index: i + 1), t.clip == clip {
                let vals = (0..<(t.count * t.dim)).map { t.data.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
                out[Int(t.position(0).t)] = vals
            }
        }
        return out.keys.sorted().map { out[$0]! }
    }

    func testNewCanvasHasTheLatentFramesOfEveryLengthFrom1To33() throws {
        let d = try makeDenoiser()
        for n in [1, 2, 5, 6, 17, 33] {
            var o = DenoiseOptions(steps: 2, guidance: 1, seed: 1)
            o.width = 16; o.height = 24; o.frames = n
            let out = try run(d, textRecords(), o)
            var state = StreamState()
            var head: ClipHeader?
            var source: String?
            for (i, r) in out.enumerated() {
                switch try state.decode(r, index: i + 1) {
                case .header(let h): head = h
                case .metadata(let m) where m.key == "source-frames": source = m.value
                default: break
                }
            }
            let want = 1 + (n - 1 + 3) / 4
            XCTAssertEqual(head?.frameCount, want, "\(n) frames")
            XCTAssertEqual(head?.width, 4); XCTAssertEqual(head?.height, 6)
            XCTAssertEqual(head?.kind, .latents); XCTAssertEqual(head?.model, "test-vae")
            XCTAssertEqual(source, "0 \(n)")
            XCTAssertEqual(try frames(out, clip: 0).count, want)
            XCTAssertEqual(out.last?.type, .provenance)
        }
    }

    func testSameSeedIsByteIdenticalAndVariationsDiffer() throws {
        let d = try makeDenoiser()
        var o = DenoiseOptions(steps: 3, guidance: 2, seed: 42)
        o.width = 16; o.height = 16; o.frames = 5; o.variations = 2
        let a = try run(d, textRecords(), o), b = try run(d, textRecords(), o)
        XCTAssertEqual(a.map { $0.payload.bytes }, b.map { $0.payload.bytes })
        let f0 = try frames(a, clip: 0), f1 = try frames(a, clip: 1)
        XCTAssertEqual(f0.count, 2); XCTAssertEqual(f1.count, 2)
        XCTAssertNotEqual(f0, f1)
        // Variation 1 alone from its own seed is the same clip.
        var alone = o
        alone.seed = 43; alone.variations = 1
        XCTAssertEqual(try frames(run(d, textRecords(), alone), clip: 0), f1)
    }

    /// A canvas with frame 0 given (no level) and frame 1 absent: frame 0 comes out bit for bit.
    func testLevelZeroFramesAreUnchanged() throws {
        let d = try makeDenoiser()
        let g = PatchGeometry(clip: 0, dtype: .f32, pt: 1, ph: 2, pw: 2, channels: 8, frames: 3, height: 4, width: 4)
        let head = ClipHeader(clip: 0, kind: .latents, dtype: .f32, channels: 8, width: 4, height: 4, frameCount: 3,
                              spatialFactor: 4, temporalFactor: 4, firstFrameAlone: true, model: "test-vae")
        let block = TokenBlock(clip: 0, count: 4, dim: 32, dtype: .f32)
        var rng = Xoshiro256StarStar(seed: 5)
        let given = (0..<128).map { _ in rng.nextNormal() * 3 + 0.25 }
        for i in 0..<128 { block.mutableData.storeBytes(of: given[i], toByteOffset: i * 4, as: Float.self) }
        for i in 0..<4 { block.setPosition(i, t: 0, h: Int32(i / 2), w: Int32(i % 2)) }
        let input = [head.record, g.record, block.record] + textRecords()
        let out = try run(d, input, DenoiseOptions(steps: 4, guidance: 2, seed: 1))
        let f = try frames(out, clip: 0)
        XCTAssertEqual(f.count, 3)
        XCTAssertEqual(f[0], given)
        XCTAssertNotEqual(f[1], given)
        var state = StreamState()
        var levels: [Float] = []
        for (i, r) in out.enumerated() { if case .noise(let n) = try state.decode(r, index: i + 1) { levels = n.levels } }
        XCTAssertEqual(levels, [0, 1, 1])
        // At level 0.5 the given frame is remixed: it changes.
        let remix = try run(d, input + [NoiseLevels(clip: 0, levels: [0.5]).record], DenoiseOptions(steps: 4, guidance: 2, seed: 1))
        XCTAssertNotEqual(try frames(remix, clip: 0)[0], given)
    }

    func testBadInputsNameTheProblem() throws {
        let d = try makeDenoiser()
        func message(_ records: [Record], _ o: DenoiseOptions = DenoiseOptions(steps: 1, guidance: 1, seed: 0)) -> DiTError? {
            do { _ = try run(d, records, o); return nil } catch let e as DiTError { return e } catch { XCTFail("\(error)"); return nil }
        }
        let wrongChannels = ClipHeader(clip: 0, kind: .latents, dtype: .f32, channels: 16, width: 4, height: 4, frameCount: 1,
                                       spatialFactor: 4, temporalFactor: 4, firstFrameAlone: true)
        let e1 = message([wrongChannels.record])
        XCTAssertEqual(e1, .badInput("clip 0 has 16 latent channels but the model tiny needs 8"))
        let head = ClipHeader(clip: 0, kind: .latents, dtype: .f32, channels: 8, width: 4, height: 4, frameCount: 1,
                              spatialFactor: 4, temporalFactor: 4, firstFrameAlone: true)
        let g = PatchGeometry(clip: 0, dtype: .f32, pt: 1, ph: 1, pw: 1, channels: 8, frames: 1, height: 4, width: 4)
        guard case .badInput(let m2)? = message([head.record, g.record]) else { return XCTFail("patch mismatch accepted") }
        XCTAssertTrue(m2.contains("1x1x1") && m2.contains("--patch 1x2x2"), m2)
        let factor8 = ClipHeader(clip: 0, kind: .latents, dtype: .f32, channels: 8, width: 4, height: 4, frameCount: 1,
                                 spatialFactor: 8, temporalFactor: 4, firstFrameAlone: true)
        XCTAssertEqual(message([factor8.record]), .badInput("clip 0 has spatial factor 8 but the model tiny needs 4"))
        var o = DenoiseOptions(steps: 1, guidance: 1, seed: 0)
        o.width = 20; o.height = 16
        guard case .unsupported(let m3)? = message([], o) else { return XCTFail("size 20x16 accepted") }
        XCTAssertTrue(m3.contains("20x16") && m3.contains("8x8"), m3)
        o.width = 16; o.frames = 34
        XCTAssertEqual(message([], o), .unsupported("--frames 34 is outside 1 to 33, the lengths the model serves"))
        let pixels = ClipHeader(clip: 0, kind: .pixels, dtype: .u8, channels: 3, width: 16, height: 16)
        guard case .badInput? = message([pixels.record]) else { return XCTFail("pixel clip accepted") }
    }

    func testStoryboardSegmentsConditionTheirFrames() throws {
        // Two segments over video frames 0..<5 and 5..<: latent frames 0-1 (video 0, 1-4) and 2 (video 5-8).
        let d = try makeDenoiser()
        var o = DenoiseOptions(steps: 2, guidance: 1, seed: 3)
        o.width = 16; o.height = 16; o.frames = 9
        let one = try run(d, textRecords(segment: 0, start: 0, end: 5) + textRecords(segment: 1, start: 5), o)
        let other = try run(d, textRecords(segment: 0, start: 0, end: 5) + textRecords(segment: 2, start: 5), o)
        let a = try frames(one, clip: 0), b = try frames(other, clip: 0)
        XCTAssertEqual(a.count, 3)
        // Self-attention spreads text through time, so only check that the second segment matters.
        XCTAssertNotEqual(a[2], b[2])
    }

    func testGuidanceAppliesOnlyAtOrBelowItsLevel() throws {
        let d = try makeDenoiser()
        var o = DenoiseOptions(steps: 4, guidance: 3, seed: 5)
        o.width = 16; o.height = 16; o.frames = 5
        let guided = try frames(try run(d, textRecords(), o), clip: 0)
        o.guidanceBelow = 1
        XCTAssertEqual(try frames(try run(d, textRecords(), o), clip: 0), guided, "below 1 is every step")
        // Below a level under every step's: no step is guided, as with guidance 1.
        o.guidanceBelow = 1e-6
        let never = try frames(try run(d, textRecords(), o), clip: 0)
        var plain = o
        plain.guidance = 1; plain.guidanceBelow = nil
        let unguided = try frames(try run(d, textRecords(), plain), clip: 0)
        XCTAssertNotEqual(never, guided)
        for (a, b) in zip(never.joined(), unguided.joined()) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        // Between: the first steps (levels 1, 0.75 at shift 1) unguided, the rest guided.
        o.guidanceBelow = 0.6
        let some = try frames(try run(d, textRecords(), o), clip: 0)
        XCTAssertNotEqual(some, guided)
        XCTAssertNotEqual(some, never)
    }

    // MARK: - Long video (LongVideo.swift)

    /// A denoiser whose context codec records its calls and hands back the window's last frames
    /// as they are (the VAE round trip is reel-denoise's; here only the windowing is checked).
    func longDenoiser() throws -> (CanvasDenoiser, () -> [(raw: [Float], frames: Int, keep: Int)]) {
        let d = try makeDenoiser()
        final class Calls { var list: [(raw: [Float], frames: Int, keep: Int)] = [] }
        let calls = Calls()
        d.reencode = { raw, frames, h, w, keep in
            calls.list.append((raw, frames, keep))
            let per = raw.count / frames
            return Array(raw[((frames - keep) * per)...])
        }
        return (d, { calls.list })
    }

    func testLongVideoSlidesTheWindowAndStitchesWhatEachWindowGenerates() throws {
        let (d, calls) = try longDenoiser()
        var o = DenoiseOptions(steps: 2, guidance: 2, seed: 7)
        o.width = 16; o.height = 16; o.frames = 57        // 15 latent frames
        o.window = 17; o.context = 9                     // windows of 5 latent frames, 3 carried
        let out = try run(d, textRecords(), o)
        let f = try frames(out, clip: 0)
        XCTAssertEqual(f.count, 15)
        var state = StreamState()
        var head: ClipHeader?, levels: [Float] = [], source: String?, order: [Int32] = []
        for (i, r) in out.enumerated() {
            switch try state.decode(r, index: i + 1) {
            case .header(let h): head = h
            case .noise(let n): levels = n.levels
            case .metadata(let m) where m.key == "source-frames": source = m.value
            case .tokens(let t): order.append(t.position(0).t)
            default: break
            }
        }
        XCTAssertEqual(head?.frameCount, 15)
        XCTAssertEqual(order, (0..<15).map(Int32.init), "latent frames written once each, in order")
        XCTAssertEqual(levels, [Float](repeating: 1, count: 15))
        XCTAssertEqual(source, "0 57")
        // Windows: frames 0-4, then 2 new frames a window (5-6, 7-8, ..., 13-14): 5 hand-overs,
        // each from a whole window of 5 latent frames, keeping 3.
        let c = calls()
        XCTAssertEqual(c.count, 5)
        XCTAssertTrue(c.allSatisfy { $0.frames == 5 && $0.keep == 3 }, "\(c.map { ($0.frames, $0.keep) })")
        // What was handed over is exactly the window that produced the output: the first window
        // is output frames 0-4; window i (i >= 1) ends with output frames 3 + 2i, 4 + 2i, after
        // the 3 frames carried from the window before (the fake codec keeps them as they are).
        let per = f[0].count
        XCTAssertEqual(c[0].raw, Array(f[0..<5].joined()))
        for i in 1..<5 {
            XCTAssertEqual(Array(c[i].raw[(3 * per)...]), Array(f[(3 + 2 * i)...(4 + 2 * i)].joined()), "window \(i)")
            XCTAssertEqual(Array(c[i].raw[0..<(3 * per)]), Array(c[i - 1].raw[(2 * per)...]), "context of window \(i)")
        }
        // The same seed gives the same clip; the noise of each window is new.
        XCTAssertEqual(try frames(try run(d, textRecords(), o), clip: 0), f)
        XCTAssertNotEqual(f[5], f[7])
    }

    func testLongVideoReadsTheTextOfTheFramesEachWindowCovers() throws {
        // A segment from video frame 41 on covers latent frames 11 and later (frame 11 starts at
        // 1 + 4 * 10 = 41). With windows of 5 latent frames carrying 3, frames 11-12 are made by the
        // fifth window, whose context (frames 8-10, video 29-40) it does not cover: frames 0-10 do
        // not depend on it, 11 on does.
        let (d, _) = try longDenoiser()
        var o = DenoiseOptions(steps: 2, guidance: 2, seed: 7)
        o.width = 16; o.height = 16; o.frames = 57; o.window = 17; o.context = 9
        let a = try frames(try run(d, textRecords(segment: 0, end: 41) + textRecords(segment: 1, start: 41), o), clip: 0)
        let b = try frames(try run(d, textRecords(segment: 0, end: 41) + textRecords(segment: 2, start: 41), o), clip: 0)
        XCTAssertEqual(Array(a[0...10]), Array(b[0...10]))
        XCTAssertNotEqual(a[11], b[11])
    }

    func testLongVideoContinuesAGivenClipExactly() throws {
        let (d, calls) = try longDenoiser()
        let g = PatchGeometry(clip: 4, dtype: .f32, pt: 1, ph: 2, pw: 2, channels: 8, frames: 2, height: 4, width: 4)
        let head = ClipHeader(clip: 4, kind: .latents, dtype: .f32, channels: 8, width: 4, height: 4, frameCount: 2,
                              spatialFactor: 4, temporalFactor: 4, firstFrameAlone: true, model: "test-vae")
        var rng = Xoshiro256StarStar(seed: 9)
        var input = [head.record, g.record]
        var given: [[Float]] = []
        for t in 0..<2 {
            let block = TokenBlock(clip: 4, count: 4, dim: 32, dtype: .f32)
            let v = (0..<128).map { _ in rng.nextNormal() }
            given.append(v)
            for i in 0..<128 { block.mutableData.storeBytes(of: v[i], toByteOffset: i * 4, as: Float.self) }
            for i in 0..<4 { block.setPosition(i, t: Int32(t), h: Int32(i / 2), w: Int32(i % 2)) }
            input.append(block.record)
        }
        var o = DenoiseOptions(steps: 2, guidance: 1, seed: 1)
        o.extendTo = 45; o.window = 17; o.context = 9        // 12 latent frames
        let out = try run(d, input + textRecords(), o)
        let f = try frames(out, clip: 4)
        XCTAssertEqual(f.count, 12)
        XCTAssertEqual(Array(f[0..<2]), given, "the given frames come out bit for bit")
        // The 2-frame clip is its own context (no round trip; frames 2-4 generated), then 3 of each
        // window of 5 are carried (frames 5-6, 7-8, 9-10, 11).
        XCTAssertEqual(calls().map(\.keep), [3, 3, 3, 3])
        var state = StreamState()
        var levels: [Float] = []
        for (i, r) in out.enumerated() { if case .noise(let n) = try state.decode(r, index: i + 1) { levels = n.levels } }
        XCTAssertEqual(levels, [0, 0] + [Float](repeating: 1, count: 10))
    }

    func testLongVideoRefusesWhatItCannotDo() throws {
        let (d, _) = try longDenoiser()
        func message(_ o: DenoiseOptions, _ records: [Record]? = nil) -> String? {
            do { _ = try run(d, records ?? textRecords(), o); return nil } catch let e as DiTError { return "\(e)" } catch { return "\(error)" }
        }
        var o = DenoiseOptions(steps: 1, guidance: 1, seed: 0)
        o.width = 16; o.height = 16; o.frames = 41
        o.window = 15
        XCTAssertEqual(message(o)?.contains("--window 15 is not a window the model serves"), true, message(o) ?? "accepted")
        o.window = 17; o.context = 17
        XCTAssertEqual(message(o)?.contains("--context 17 must be 1 + 4k video frames and shorter than the window (17)"), true, message(o) ?? "accepted")
        o.context = 9; o.untilLevel = 0.5
        XCTAssertEqual(message(o)?.contains("--until-level"), true, message(o) ?? "accepted")
        // Without a codec (a library user who gave none), the model's own limit holds.
        let plain = try makeDenoiser()
        var p = DenoiseOptions(steps: 1, guidance: 1, seed: 0)
        p.width = 16; p.height = 16; p.frames = 41
        XCTAssertThrowsError(try run(plain, textRecords(), p)) { e in
            XCTAssertEqual(e as? DiTError, .unsupported("--frames 41 is outside 1 to 33, the lengths the model serves"))
        }
    }
}
