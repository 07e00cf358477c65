// Streams the tests, the committed fixtures and reel(5) share. Every byte of
// them comes from the real writer; FixtureTests checks that the committed
// files under Fixtures/ (read by Scripts/test_reelstream.py) and the hex dump
// in man/man5/reel.5 are exactly what these functions write today.
//
// To rewrite the committed files after a deliberate format change:
//   REEL_WRITE_FIXTURES=1 swift test --filter ReelStreamTests
import Foundation
@testable import ReelStream

enum ReelExamples {
    /// Tests/ReelStreamTests/Fixtures
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    /// The repository root.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var rewriting: Bool { ProcessInfo.processInfo.environment["REEL_WRITE_FIXTURES"] == "1" }

    /// reel(5)'s worked example: one 2x2 RGB u8 frame, a prompt, DONE (184 bytes).
    static func manExample() throws -> [UInt8] {
        let w = StreamWriter()
        let h = ClipHeader(clip: 0, kind: .pixels, dtype: .u8, channels: 3, width: 2, height: 2, fps: Rational(24), frameCount: 1)
        try w.write(h.record)
        let f = Frame(clip: 0, index: 0, byteCount: h.frameBytes) // (C,H,W) = (3,2,2)
        // Red, green, blue and white pixels, stored plane by plane.
        let planes: [UInt8] = [0xFF, 0x00, 0x00, 0xFF, // R plane: rows (255 0) (0 255)
                               0x00, 0xFF, 0x00, 0xFF, // G
                               0x00, 0x00, 0xFF, 0xFF] // B
        for (i, v) in planes.enumerated() { f.mutableData[i] = v }
        try w.write(f.record)
        try w.write(TextSegment(segment: 0, role: .prompt, text: "red ball").record)
        try w.finish()
        return w.bytes
    }

    // MARK: Every kind

    /// Clip 0 (u8 pixels, 3x2x3, 2 frames): sample (t,c,y,x).
    static func clip0(_ t: Int, _ c: Int, _ y: Int, _ x: Int) -> UInt8 { UInt8((t * 100 + c * 10 + y * 3 + x) % 256) }
    /// Clip 1 (f32 latents, 4x4x4, 2 frames): sample (t,c,y,x), exact in binary.
    static func clip1(_ t: Int, _ c: Int, _ y: Int, _ x: Int) -> Float {
        Float(t) - Float(c) * 0.5 + Float(y) * 0.25 - Float(x) * 0.125
    }

    /// A stream with every version 1 kind and every dtype, for the Python
    /// reader's test (Scripts/test_reelstream.py recomputes each value).
    static func everyKind() throws -> [UInt8] {
        let w = StreamWriter()
        // Clip 0: u8 pixels, 3 channels, 3 wide, 2 high, 2 frames at 30000/1001 fps.
        let h0 = ClipHeader(clip: 0, kind: .pixels, dtype: .u8, channels: 3, width: 3, height: 2, fps: Rational(30000, 1001), frameCount: 2)
        try w.write(h0.record)
        try w.write(TextSegment(segment: 0, role: .prompt, text: "red ball bouncing").record)
        try w.write(TextSegment(segment: 1, clip: 0, start: 0, end: 2, role: .caption,
                                text: "A red ball bounces on a gray floor; caf\u{E9} \u{2713}").record)
        try w.write(TextEmbedding(segment: 0, kind: .tokens, count: 3, dim: 4,
                                  values: (0..<12).map { Float($0) * 0.25 - 1 }).record)
        try w.write(TextEmbedding(segment: 0, kind: .pooled, count: 1, dim: 4, values: [0.5, 0.5, 0.5, 0.5]).record)
        for t in 0..<2 {
            let f = Frame(clip: 0, index: t, byteCount: h0.frameBytes)
            var i = 0
            for c in 0..<3 { for y in 0..<2 { for x in 0..<3 { f.mutableData[i] = clip0(t, c, y, x); i += 1 } } }
            try w.write(f.record)
        }
        // Clip 1: f32 latents of a 32x32 video, 4 channels, 4x4, 2 latent frames.
        let h1 = ClipHeader(clip: 1, kind: .latents, dtype: .f32, channels: 4, width: 4, height: 4, fps: Rational(8), frameCount: 2,
                            spatialFactor: 8, temporalFactor: 4, sourceWidth: 32, sourceHeight: 32, firstFrameAlone: true,
                            model: "reel-vae-tiny")
        try w.write(h1.record)
        try w.write(NoiseLevels(clip: 1, first: 0, levels: [0, 0.75]).record)
        try w.write(NoiseLevels(clip: 1, first: 1, levels: [0.5]).partialRecord)
        try w.write(TextSegment(segment: 2, clip: 1, start: 4, end: ReelFormat.open, role: .negative, text: "blurry").record)
        for t in 0..<2 {
            let f = Frame(clip: 1, index: t, byteCount: h1.frameBytes)
            let d = f.mutableData.bindMemory(to: Float.self)
            var i = 0
            for c in 0..<4 { for y in 0..<4 { for x in 0..<4 { d[i] = clip1(t, c, y, x); i += 1 } } }
            try w.write(f.record)
        }
        // Clip 1 cut into 1x2x2 patches: a 2x2x2 grid of 16-value tokens, sent
        // as blocks of 5 and 3 in raster order, values in (c, dt, dy, dx) order.
        let g = PatchGeometry(clip: 1, dtype: .f32, pt: 1, ph: 2, pw: 2, channels: 4, frames: 2, height: 4, width: 4)
        try w.write(g.record)
        var grid: [(Int, Int, Int)] = []
        for t in 0..<2 { for gh in 0..<2 { for gw in 0..<2 { grid.append((t, gh, gw)) } } }
        for block in [grid[0..<5], grid[5..<8]] {
            let b = TokenBlock(clip: 1, count: block.count, dim: g.tokenDim, dtype: .f32)
            let d = b.mutableData.bindMemory(to: Float.self)
            var i = 0
            for (n, (t, gh, gw)) in block.enumerated() {
                b.setPosition(n, t: Int32(t), h: Int32(gh), w: Int32(gw))
                for c in 0..<4 { for dy in 0..<2 { for dx in 0..<2 { d[i] = clip1(t, c, gh * 2 + dy, gw * 2 + dx); i += 1 } } }
            }
            try w.write(b.record)
        }
        // Clip 2: f16 latents, 2x2x2, one frame: (c*4 + y*2 + x) / 2 - 1.
        let h2 = ClipHeader(clip: 2, kind: .latents, dtype: .f16, channels: 2, width: 2, height: 2, frameCount: 1,
                            spatialFactor: 8, temporalFactor: 1, sourceWidth: 16, sourceHeight: 16, model: "reel-vae-tiny")
        try w.write(h2.record)
        let f2 = Frame(clip: 2, index: 0, byteCount: h2.frameBytes)
        for i in 0..<8 { f2.mutableData.storeBytes(of: halfBits(Float(i) / 2 - 1).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
        try w.write(f2.record)
        // Clip 3: tokens only (no HEAD), bf16, a 1x2x2 grid of 1-value tokens.
        let g3 = PatchGeometry(clip: 3, dtype: .bf16, pt: 1, ph: 1, pw: 1, channels: 1, frames: 1, height: 2, width: 2)
        try w.write(g3.record)
        let b3 = TokenBlock(clip: 3, count: 4, dim: 1, dtype: .bf16)
        for (n, v) in [Float(1.5), -2, 0.25, 3].enumerated() {
            b3.setPosition(n, t: 0, h: Int32(n / 2), w: Int32(n % 2))
            b3.mutableData.storeBytes(of: UInt16(v.bitPattern >> 16).littleEndian, toByteOffset: 2 * n, as: UInt16.self)
        }
        try w.write(b3.record)
        // Clip 4: u16 gray pixels, 3x1, one frame.
        let h4 = ClipHeader(clip: 4, kind: .pixels, dtype: .u16, channels: 1, width: 3, height: 1, fps: Rational(1), frameCount: 1)
        try w.write(h4.record)
        let f4 = Frame(clip: 4, index: 0, byteCount: h4.frameBytes)
        for (i, v) in [UInt16(0), 1000, 65535].enumerated() { f4.mutableData.storeBytes(of: v.littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
        try w.write(f4.record)
        try w.write(Metadata(key: "world.seed", value: "42").record)
        try w.write(Metadata(key: "note", value: "gr\u{FC}n = green").record)
        try w.write(Record(type: RecordType("xtra"), bytes: [1, 2, 3, 4, 5]))
        try w.write(Provenance(tool: "reel-fixture", version: "0.1.0", args: ["--seed", "7", "a \"quoted\" arg"],
                               model: "", seed: 7, generated: true).record)
        try w.finish()
        return w.bytes
    }

    /// IEEE half-precision bits of `v` (exact for the values used here).
    static func halfBits(_ v: Float) -> UInt16 {
        if v == 0 { return v.sign == .minus ? 0x8000 : 0 }
        let b = v.bitPattern
        let sign = UInt16((b >> 16) & 0x8000)
        let exp = Int((b >> 23) & 0xFF) - 127 + 15
        let mant = UInt16((b >> 13) & 0x3FF)
        return sign | UInt16(exp) << 10 | mant
    }

    // MARK: Reading

    /// Reads a whole stream and decodes every record, as a tool would.
    @discardableResult
    static func decodeAll(_ bytes: [UInt8]) throws -> [DecodedRecord] {
        let r = StreamReader(bytes: bytes)
        var state = StreamState()
        var out: [DecodedRecord] = []
        while let rec = try r.next() { out.append(try state.decode(rec, index: r.recordIndex)) }
        return out
    }

    /// Compares `bytes` with the committed file `name` under Fixtures/, or writes it when rewriting.
    static func checkCommitted(_ name: String, _ bytes: [UInt8]) throws -> String? {
        let url = fixtures.appendingPathComponent(name)
        if rewriting {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
            return nil
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            return "missing fixture \(name) (run with REEL_WRITE_FIXTURES=1)"
        }
        if [UInt8](data) != bytes {
            return "fixture \(name) differs from what the writer makes now (\(data.count) vs \(bytes.count) bytes)"
        }
        return nil
    }
}
