import XCTest
import ReelStream
@testable import ReelPatch

/// A clip of deterministic samples: sample i of frame t is a hash of (clip, t, i).
struct TestClip {
    var header: ClipHeader
    var frames: Int

    func sample(_ t: Int, _ i: Int) -> UInt32 {
        var x = UInt32(truncatingIfNeeded: i &* 2654435761) ^ UInt32(truncatingIfNeeded: (t + 1) &* 40503) ^ (header.clip &* 97)
        x ^= x >> 13; x = x &* 0x5bd1e995; x ^= x >> 15
        return x
    }

    func frame(_ t: Int) -> Frame {
        let f = Frame(clip: header.clip, index: t, byteCount: header.frameBytes)
        let n = header.channels * header.height * header.width
        let d = f.mutableData
        for i in 0..<n {
            let v = sample(t, i)
            switch header.dtype {
            case .u8: d.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: i, as: UInt8.self)
            case .u16, .f16, .bf16: d.storeBytes(of: UInt16(truncatingIfNeeded: v).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
            case .f32: d.storeBytes(of: Float(Int(v % 2001) - 1000) / 250, toByteOffset: 4 * i, as: Float.self)
            }
        }
        return f
    }
}

/// Builds a stream: HEAD, frames, with ancillary records in between.
func makeStream(_ clips: [TestClip], ancillary: Bool = true, interleave: Bool = false) throws -> [UInt8] {
    let w = StreamWriter()
    if ancillary {
        try w.write(Provenance(tool: "reel-test", args: ["--make"]).record)
        try w.write(TextSegment(segment: 0, role: .prompt, text: "a red ball bounces").record)
        try w.write(TextEmbedding(segment: 0, kind: .pooled, count: 1, dim: 4, values: [0.5, -0.5, 0.25, 1]).record)
    }
    for c in clips {
        try w.write(c.header.record)
        if ancillary {
            try w.write(NoiseLevels(clip: c.header.clip, levels: (0..<c.frames).map { Float($0) / Float(max(c.frames, 1)) }).record)
            try w.write(Metadata(key: "clip.\(c.header.clip)", value: "shape test").record)
        }
        if !interleave {
            for t in 0..<c.frames { try w.write(c.frame(t).record) }
        }
        if ancillary { try w.write(Record(type: RecordType("xtra"), bytes: [1, 2, 3, 4, 5])) }
    }
    if interleave {
        for t in 0..<(clips.map(\.frames).max() ?? 0) {
            for c in clips where t < c.frames { try w.write(c.frame(t).record) }
        }
    }
    try w.finish()
    return w.bytes
}

/// Every record but DONE, as (type, payload bytes).
func records(_ bytes: [UInt8]) throws -> [(String, [UInt8])] {
    try StreamReader(bytes: bytes).readAll().map { ($0.type.description, $0.payload.bytes) }
}

func patchify(_ bytes: [UInt8], _ patch: PatchSize) throws -> [UInt8] {
    let w = StreamWriter()
    try SpacetimePatcher(patch: patch).patchifyStream(from: StreamReader(bytes: bytes), to: w,
                                                      provenance: Provenance(tool: "reel-patchify", args: []).record)
    return w.bytes
}

func unpatchify(_ bytes: [UInt8]) throws -> [UInt8] {
    let w = StreamWriter()
    try SpacetimePatcher.unpatchifyStream(from: StreamReader(bytes: bytes), to: w,
                                          provenance: Provenance(tool: "reel-unpatchify", args: []).record)
    return w.bytes
}

final class PatcherTests: XCTestCase {
    /// A group whose tokens pass the record budget goes out as several TOKS records (memory and
    /// records follow what the input carries); they put back the same frames as one record does.
    func testAGroupLargerThanARecordIsSplitAndComesBackExactly() throws {
        let header = ClipHeader(clip: 2, kind: .latents, dtype: .f32, channels: 3, width: 12, height: 8, frameCount: 4)
        let input = try makeStream([TestClip(header: header, frames: 4)])
        let patch = PatchSize(pt: 2, ph: 2, pw: 2)
        var small = SpacetimePatcher(patch: patch)
        small.recordBudget = 16 + 8 + 5 * (12 + 24 * 4)  // 5 tokens of D = 24 f32 per record
        let w = StreamWriter()
        try small.patchifyStream(from: StreamReader(bytes: input), to: w, provenance: Provenance(tool: "t", args: []).record)
        let split = w.bytes
        let toks = try records(split).filter { $0.0 == "TOKS" }
        XCTAssertEqual(toks.count, 2 * 5, "2 groups of 24 tokens in records of at most 5")  // 5+5+5+5+4 per group
        let whole = try records(try patchify(input, patch)).filter { $0.0 == "TOKS" }
        XCTAssertEqual(whole.count, 2)
        let back = try records(try unpatchify(split)).filter { $0.0 == "FRAM" }.map(\.1)
        XCTAssertEqual(back, try records(input).filter { $0.0 == "FRAM" }.map(\.1))
    }

    /// A PTCH whose frames could never be written (over the payload cap) is refused before
    /// anything is allocated: exit 65's error names the size and the limit.
    func testUnpatchifyRefusesFramesLargerThanARecord() throws {
        let g = PatchGeometry(clip: 0, dtype: .u8, pt: 1, ph: 1, pw: 1, channels: 4096, frames: 1, height: 16384, width: 16384)
        let w = StreamWriter()
        try w.write(g.record)
        let block = TokenBlock(clip: 0, count: 1, dim: 4096, dtype: .u8)
        block.setPosition(0, t: 0, h: 0, w: 0)
        try w.write(block.record)
        try w.finish()
        XCTAssertThrowsError(try unpatchify(w.bytes)) { e in
            XCTAssertTrue("\(e)".contains("1099511627784 bytes") || "\(e)".contains("before any HEAD record"), "\(e)")
        }
        // With its HEAD, the size itself is refused (the HEAD already, by the reader).
        let w2 = StreamWriter()
        try w2.write(ClipHeader(clip: 0, kind: .pixels, dtype: .u8, channels: 4096, width: 16384, height: 16384, frameCount: 1).record)
        try w2.write(g.record)
        try w2.write(block.record)
        try w2.finish()
        XCTAssertThrowsError(try unpatchify(w2.bytes)) { e in
            XCTAssertTrue("\(e)".contains("4096x16384x16384") && "\(e)".contains("1073741824"), "\(e)")
        }
    }

    /// The permutation against the definition, element by element, for several
    /// patch sizes, dtypes and odd shapes; then back.
    func testPermutationMatchesDefinitionAndInverts() throws {
        let cases: [(PatchSize, DType, Int, Int, Int)] = [  // patch, dtype, C, H, W
            (PatchSize(pt: 1, ph: 2, pw: 2), .f32, 4, 6, 10),
            (PatchSize(pt: 2, ph: 2, pw: 2), .u8, 3, 4, 8),
            (PatchSize(pt: 1, ph: 1, pw: 1), .u16, 2, 3, 5),
            (PatchSize(pt: 3, ph: 1, pw: 2), .f32, 1, 5, 6),
            (PatchSize(pt: 2, ph: 3, pw: 5), .bf16, 3, 9, 15),
            (PatchSize(pt: 1, ph: 4, pw: 4), .u8, 1, 8, 12),
            (PatchSize(pt: 1, ph: 2, pw: 8), .f32, 2, 4, 16),   // 32-byte chunks
            (PatchSize(pt: 1, ph: 1, pw: 3), .f32, 2, 2, 9),    // 12-byte chunks
        ]
        for (patch, dtype, c, h, w) in cases {
            let header = ClipHeader(clip: 3, kind: .latents, dtype: dtype, channels: c, width: w, height: h, frameCount: patch.pt)
            let clip = TestClip(header: header, frames: patch.pt)
            let g = try SpacetimePatcher(patch: patch).geometry(for: header)
            let frames = (0..<patch.pt).map { clip.frame($0) }
            let es = dtype.size
            var tokens = [UInt8](repeating: 0, count: g.gridH * g.gridW * g.tokenDim * es)  // (gh·gw, D)
            tokens.withUnsafeMutableBytes { out in
                SpacetimePatcher.patchify(frames: frames.map { UnsafeRawPointer($0.data.baseAddress!) }, into: out.baseAddress!, geometry: g)
            }
            var mismatches = 0
            for gy in 0..<g.gridH { for gx in 0..<g.gridW {
                var v = 0
                for ch in 0..<c { for dt in 0..<patch.pt { for dy in 0..<patch.ph { for dx in 0..<patch.pw {
                    let y = gy * patch.ph + dy, x = gx * patch.pw + dx
                    let src = ((ch * h + y) * w + x) * es
                    let dst = ((gy * g.gridW + gx) * g.tokenDim + v) * es
                    for b in 0..<es where tokens[dst + b] != frames[dt].data[src + b] { mismatches += 1 }
                    v += 1
                }}}}
            }}
            XCTAssertEqual(mismatches, 0, "patch \(patch) \(dtype) \(c)x\(h)x\(w)")
            let back = (0..<patch.pt).map { _ in Frame(clip: 3, index: 0, byteCount: header.frameBytes) }
            tokens.withUnsafeBytes { t in
                SpacetimePatcher.unpatchify(tokens: t.baseAddress!, into: back.map { $0.mutableData.baseAddress! }, geometry: g)
            }
            for dt in 0..<patch.pt { XCTAssertEqual(Array(back[dt].data), Array(frames[dt].data), "inverse of \(patch) frame \(dt)") }
        }
    }

    /// Whole streams of several clips of different sizes, with every kind of
    /// ancillary record: the round trip gives back every non-prov record byte for byte.
    func testStreamRoundTripIsExact() throws {
        let clips = [
            TestClip(header: ClipHeader(clip: 0, kind: .latents, dtype: .f32, channels: 4, width: 8, height: 6, frameCount: 6,
                                        spatialFactor: 8, temporalFactor: 4, firstFrameAlone: true, model: "vae-test"), frames: 6),
            TestClip(header: ClipHeader(clip: 1, kind: .latents, dtype: .f32, channels: 4, width: 4, height: 10, frameCount: 0), frames: 4),
            TestClip(header: ClipHeader(clip: 7, kind: .pixels, dtype: .u8, channels: 3, width: 12, height: 4, frameCount: 2), frames: 2),
        ]
        for patch in [PatchSize(pt: 1, ph: 2, pw: 2), PatchSize(pt: 2, ph: 2, pw: 2), PatchSize(pt: 2, ph: 1, pw: 4), PatchSize(pt: 1, ph: 1, pw: 1)] {
            for interleave in [false, true] {
                let original = try makeStream(clips, interleave: interleave)
                let patched = try patchify(original, patch)
                let p = try records(patched)
                XCTAssertFalse(p.contains { $0.0 == "FRAM" }, "no frames left after patchify")
                XCTAssertEqual(p.filter { $0.0 == "PTCH" }.count, 3)
                XCTAssertEqual(p.filter { $0.0 == "TOKS" }.count, clips.map { $0.frames / patch.pt }.reduce(0, +), "one TOKS per group of pt frames")
                // PTCH follows its HEAD directly.
                for (i, r) in p.enumerated() where r.0 == "HEAD" { XCTAssertEqual(p[i + 1].0, "PTCH") }
                XCTAssertEqual(p.last?.0, "prov")
                let back = try unpatchify(patched)
                let a = try records(original).filter { $0.0 != "prov" }
                let b = try records(back).filter { $0.0 != "prov" }
                XCTAssertEqual(a.count, b.count, "patch \(patch)")
                if interleave && patch.pt > 1 {
                    // Frames of interleaved clips come back grouped by pt: compare each clip's frames, and the rest, in order.
                    func clip(_ r: (String, [UInt8])) -> UInt8? { r.0 == "FRAM" ? r.1[0] : nil }
                    for key in [nil, 0, 1, 7] as [UInt8?] {
                        let x = a.filter { clip($0) == key }, y = b.filter { clip($0) == key }
                        XCTAssertTrue(x.elementsEqual(y) { $0.0 == $1.0 && $0.1 == $1.1 }, "clip \(String(describing: key)) with patch \(patch)")
                    }
                } else {
                    for (x, y) in zip(a, b) {
                        XCTAssertEqual(x.0, y.0)
                        XCTAssertTrue(x.1 == y.1, "\(x.0) record differs after the round trip with patch \(patch)")
                    }
                }
                XCTAssertEqual(try records(back).filter { $0.0 == "prov" }.count, 3, "the source's prov plus one per tool")
            }
        }
    }

    func testTokenPositionsAndGeometry() throws {
        let clip = TestClip(header: ClipHeader(clip: 2, kind: .latents, dtype: .f32, channels: 2, width: 6, height: 4, frameCount: 0), frames: 4)
        let patched = try patchify(try makeStream([clip], ancillary: false), PatchSize(pt: 2, ph: 2, pw: 3))
        var state = StreamState()
        let reader = StreamReader(bytes: patched)
        var groups: [Int32] = []
        while let r = try reader.next() {
            switch try state.decode(r, index: reader.recordIndex) {
            case let .patchGeometry(g):
                XCTAssertEqual([g.pt, g.ph, g.pw, g.frames, g.gridH, g.gridW, g.tokenDim], [2, 2, 3, 0, 2, 2, 24], "T unknown up front is 0")
            case let .tokens(b):
                XCTAssertEqual(b.count, 4)
                XCTAssertEqual(b.dim, 24)
                let ps = (0..<b.count).map { b.position($0) }
                XCTAssertEqual(ps.map(\.h), [0, 0, 1, 1])
                XCTAssertEqual(ps.map(\.w), [0, 1, 0, 1])
                groups.append(ps[0].t)
                XCTAssertTrue(ps.allSatisfy { $0.t == ps[0].t })
            default: break
            }
        }
        XCTAssertEqual(groups, [0, 1])
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return String(describing: error) }
    }

    func testErrorsNameSizesThatWork() throws {
        let odd = TestClip(header: ClipHeader(clip: 0, kind: .pixels, dtype: .u8, channels: 1, width: 16, height: 17, frameCount: 5), frames: 5)
        XCTAssertEqual(message { _ = try patchify(try makeStream([odd]), .standard) },
                       "clip 0 is 5x17x16 (TxHxW) but the patch 1x2x2 needs H divisible by 2 (try --size 16x18 at encode, or --patch 1x1x2)")
        let latent = TestClip(header: ClipHeader(clip: 4, kind: .latents, dtype: .f32, channels: 4, width: 9, height: 8, frameCount: 5,
                                                 spatialFactor: 8), frames: 5)
        XCTAssertEqual(message { _ = try patchify(try makeStream([latent]), PatchSize(pt: 2, ph: 2, pw: 2)) },
                       "clip 4 is 5x8x9 (TxHxW) but the patch 2x2x2 needs T divisible by 2 and W divisible by 2 (try --size 80x64 at encode, or --patch 1x2x1)")
        let unknown = TestClip(header: ClipHeader(clip: 1, kind: .latents, dtype: .f32, channels: 1, width: 4, height: 4, frameCount: 0), frames: 5)
        XCTAssertEqual(message { _ = try patchify(try makeStream([unknown]), PatchSize(pt: 2, ph: 2, pw: 2)) },
                       "clip 1 ended after 5 frames, which do not fill groups of pt = 2 frames (5 = 2x2 + 1): use a patch with pt dividing 5, e.g. --patch 1xPHxPW")
    }

    func testFrameOrderAndCountAreChecked() throws {
        let h = ClipHeader(clip: 0, kind: .latents, dtype: .f32, channels: 1, width: 2, height: 2, frameCount: 3)
        let clip = TestClip(header: h, frames: 3)
        var w = StreamWriter()
        try w.write(h.record); try w.write(clip.frame(0).record); try w.write(clip.frame(2).record); try w.finish()
        let skipped = w.bytes
        XCTAssertEqual(message { _ = try patchify(skipped, .standard) },
                       "record 3: clip 0 does not store frame 1 (a canvas with gaps, reel(5)): patch tokens need every frame of the clip; decode it to a PNG sequence, or place its inputs without gaps")
        w = StreamWriter()
        try w.write(h.record); try w.write(clip.frame(0).record); try w.write(clip.frame(1).record); try w.finish()
        XCTAssertEqual(message { _ = try patchify(w.bytes, .standard) }, "clip 0's header announces 3 frames but the stream has 2")
        XCTAssertEqual(message { _ = try patchify(try patchify(try makeStream([clip]), .standard), .standard) },
                       "record 5: clip 0 is already cut into patches (PTCH/TOKS records): run reel-unpatchify first")
    }

    /// Builds a patchified stream by hand: tokens in any order, split over blocks.
    func handPatched(order: [(Int32, Int32, Int32)], blocks: Int, frames: Int = 2) throws -> (original: [UInt8], patched: [UInt8]) {
        let h = ClipHeader(clip: 5, kind: .latents, dtype: .f32, channels: 3, width: 4, height: 4, frameCount: frames)
        let clip = TestClip(header: h, frames: frames)
        let original = try makeStream([clip], ancillary: false)
        let canonical = try StreamReader(bytes: try patchify(original, .standard)).readAll()
        var state = StreamState()
        var byGroup: [Int32: TokenBlock] = [:]
        var g: PatchGeometry?
        for (i, r) in canonical.enumerated() {
            switch try state.decode(r, index: i + 1) {
            case let .patchGeometry(x): g = x
            case let .tokens(b): byGroup[b.position(0).t] = b
            default: break
            }
        }
        let geometry = try XCTUnwrap(g)
        let w = StreamWriter()
        try w.write(h.record); try w.write(geometry.record)
        let per = (order.count + blocks - 1) / blocks
        for start in stride(from: 0, to: order.count, by: per) {
            let part = Array(order[start..<min(start + per, order.count)])
            let out = TokenBlock(clip: 5, count: part.count, dim: geometry.tokenDim, dtype: .f32)
            for (i, (t, hh, ww)) in part.enumerated() {
                out.setPosition(i, t: t, h: hh, w: ww)
                let src = try XCTUnwrap(byGroup[t])
                let j = Int(hh) * geometry.gridW + Int(ww)
                (out.mutableData.baseAddress! + i * geometry.tokenDim * 4)
                    .copyMemory(from: src.data.baseAddress! + j * geometry.tokenDim * 4, byteCount: geometry.tokenDim * 4)
            }
            try w.write(out.record)
        }
        try w.finish()
        return (original, w.bytes)
    }

    func testTokensInAnyOrderAndBlocking() throws {
        var all: [(Int32, Int32, Int32)] = []
        for t in 0..<2 { for h in 0..<2 { for w in 0..<2 { all.append((Int32(t), Int32(h), Int32(w))) } } }
        var rng = SystemRandomNumberGenerator()
        for blocks in [1, 2, 3, 8] {
            let order = all.shuffled(using: &rng)
            let (original, patched) = try handPatched(order: order, blocks: blocks)
            let back = try records(try unpatchify(patched)).filter { $0.0 != "prov" }
            let want = try records(original)
            XCTAssertEqual(back.map(\.0), want.map(\.0))
            for (x, y) in zip(back, want) { XCTAssertTrue(x.1 == y.1, "order \(order) in \(blocks) blocks") }
        }
        // The whole clip in one block, in grid order: the fast path for several groups.
        let (original, patched) = try handPatched(order: all, blocks: 1)
        XCTAssertTrue(try records(try unpatchify(patched)).filter { $0.0 != "prov" }.elementsEqual(try records(original)) { $0.0 == $1.0 && $0.1 == $1.1 })
    }

    func testMissingAndDuplicateTokensAreNamed() throws {
        var all: [(Int32, Int32, Int32)] = []
        for t in 0..<2 { for h in 0..<2 { for w in 0..<2 { all.append((Int32(t), Int32(h), Int32(w))) } } }
        var missing = all
        missing.remove(at: 6)  // (1, 1, 0)
        XCTAssertEqual(message { _ = try unpatchify(try handPatched(order: missing, blocks: 2).patched) },
                       "the token at (t 1, h 1, w 0) of clip 5 is missing: the stream ended without it")
        XCTAssertEqual(message { _ = try unpatchify(try handPatched(order: Array(all[0..<4]), blocks: 1).patched) },
                       "the token at (t 1, h 0, w 0) of clip 5 is missing: the stream ended without it")
        var twice = all
        twice.insert((0, 1, 1), at: 5)
        XCTAssertEqual(message { _ = try unpatchify(try handPatched(order: twice, blocks: 3).patched) },
                       "record 4: the token at (t 0, h 1, w 1) of clip 5 arrives a second time")
        var again = all
        again.insert((0, 0, 1), at: 2)
        XCTAssertEqual(message { _ = try unpatchify(try handPatched(order: again, blocks: 1).patched) },
                       "record 3: the token at (t 0, h 0, w 1) of clip 5 arrives a second time")
    }

    func testPatchSizeParsing() {
        XCTAssertEqual(PatchSize(parsing: "1x2x2"), .standard)
        XCTAssertEqual(PatchSize(parsing: "2X4x8"), PatchSize(pt: 2, ph: 4, pw: 8))
        for bad in ["", "2x2", "0x2x2", "1x2x65", "1x2x2x2", "axbxc", "1x-2x2"] { XCTAssertNil(PatchSize(parsing: bad), bad) }
    }
}
