import Foundation
import XCTest
import ReelStream
import ReelImage
import ReelPatch
@testable import ReelInspect

/// A u8 pixel clip whose statistics are known exactly: channel 0 is all 10,
/// channel 1 counts 0, 1, 2, ... (mod 256) along the frame, channel 2 is 0 or 255.
func knownStream(frames: Int = 2, extra: (StreamWriter) throws -> Void = { _ in }) throws -> [UInt8] {
    let w = StreamWriter()
    try w.write(Provenance(tool: "reel-encode", args: ["--pixels", "a.png"], model: "", seed: 42).record)
    let h = ClipHeader(clip: 0, kind: .pixels, dtype: .u8, channels: 3, width: 16, height: 16, fps: Rational(24000, 1001), frameCount: frames)
    try w.write(h.record)
    try w.write(TextSegment(segment: 3, clip: 0, start: 0, end: 12, role: .caption, text: "a red \"ball\"").record)
    try w.write(TextEmbedding(segment: 3, kind: .tokens, count: 2, dim: 3, values: [1, 2, 3, 4, 5, 6]).record)
    try w.write(NoiseLevels(clip: 0, levels: (0..<frames).map { $0 == 0 ? 0 : 1 }).record)
    try w.write(Metadata(key: "source", value: "test").record)
    for t in 0..<frames {
        let f = Frame(clip: 0, index: t, byteCount: h.frameBytes)
        let d = f.mutableData
        for i in 0..<256 {
            d[i] = 10
            d[256 + i] = UInt8(i)
            d[512 + i] = i % 2 == 0 ? 0 : 255
        }
        try w.write(f.record)
    }
    try extra(w)
    try w.finish()
    return w.bytes
}

func inspect(_ bytes: [UInt8], _ options: InspectOptions = InspectOptions()) -> (lines: [String], error: String?) {
    var lines: [String] = []
    let inspector = StreamInspector(options: options) { lines.append($0) }
    do { try inspector.inspect(StreamReader(bytes: bytes)) } catch { return (lines, String(describing: error)) }
    return (lines, nil)
}

final class StatisticsTests: XCTestCase {
    func testChannelStatisticsMatchDoublePrecision() {
        var rng = SystemRandomNumberGenerator()
        for (offset, scale) in [(0.0, 1.0), (1000.0, 0.01), (-5.0, 100.0)] {
            for n in [1, 7, 16, 4095, 4096, 10_001] {
                let xs = (0..<n).map { _ in Float(offset + scale * Double.random(in: -1...1, using: &rng)) }
                var s = ChannelStatistics()
                xs.withUnsafeBufferPointer { s.add($0.baseAddress!, count: n) }
                let mean = xs.reduce(0.0) { $0 + Double($1) } / Double(n)
                let std = (xs.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(n)).squareRoot()
                XCTAssertEqual(s.count, n)
                // Blocks are summed in f32: figures hold to about 1e-6 of the data's range.
                XCTAssertEqual(s.mean, mean, accuracy: 1e-6 * (abs(offset) + scale), "n \(n) offset \(offset)")
                XCTAssertEqual(s.std, std, accuracy: 1e-5 * std, "n \(n) offset \(offset) scale \(scale)")
                XCTAssertEqual(s.min, xs.min())
                XCTAssertEqual(s.max, xs.max())
            }
        }
    }

    func testNonFiniteValuesAreSetApart() {
        var xs = [Float](repeating: 2, count: 100)
        xs[3] = .nan; xs[50] = .infinity; xs[99] = -.infinity; xs[7] = 4
        var s = ChannelStatistics()
        xs.withUnsafeBufferPointer { s.add($0.baseAddress!, count: xs.count) }
        XCTAssertEqual(s.nonFinite, 3)
        XCTAssertEqual(s.count, 97)
        XCTAssertEqual(s.max, 4)
        XCTAssertEqual(s.min, 2)
        XCTAssertEqual(s.mean, (96 * 2 + 4) / 97, accuracy: 1e-9)
    }

    func testMergeEqualsOnePass() {
        let a = (0..<1000).map { Float($0) * 0.5 }, b = (0..<300).map { Float($0) - 1000 }
        var sa = ChannelStatistics(), sb = ChannelStatistics(), all = ChannelStatistics()
        a.withUnsafeBufferPointer { sa.add($0.baseAddress!, count: a.count); all.add($0.baseAddress!, count: a.count) }
        b.withUnsafeBufferPointer { sb.add($0.baseAddress!, count: b.count); all.add($0.baseAddress!, count: b.count) }
        sa.merge(sb)
        XCTAssertEqual(sa.count, all.count)
        XCTAssertEqual(sa.mean, all.mean, accuracy: 1e-6 * abs(all.mean))
        XCTAssertEqual(sa.std, all.std, accuracy: 1e-6 * all.std)
        XCTAssertEqual(sa.min, all.min); XCTAssertEqual(sa.max, all.max)
    }

    func testHalfPrecisionWidening() {
        XCTAssertEqual(float(fromHalf: 0x3C00), 1)
        XCTAssertEqual(float(fromHalf: 0xC000), -2)
        XCTAssertEqual(float(fromHalf: 0x3555), 0.333251953125)
        XCTAssertEqual(float(fromHalf: 0x0001), 5.960464477539063e-08)
        XCTAssertEqual(float(fromHalf: 0x7C00), .infinity)
        XCTAssertTrue(float(fromHalf: 0x7E00).isNaN)
    }

    /// Token statistics per channel equal frame statistics of the same clip.
    func testTokenStatisticsEqualFrameStatistics() throws {
        let h = ClipHeader(clip: 0, kind: .latents, dtype: .f32, channels: 4, width: 8, height: 6, frameCount: 4)
        let w = StreamWriter()
        try w.write(h.record)
        for t in 0..<4 {
            let f = Frame(clip: 0, index: t, byteCount: h.frameBytes)
            let v = f.mutableData.bindMemory(to: Float.self)  // (C,H,W)
            for i in 0..<v.count { v[i] = Float((i * 37 + t * 11) % 101) / 10 + Float(i / 48) * 100 }
            try w.write(f.record)
        }
        try w.finish()
        let frames = inspect(w.bytes)
        let pw = StreamWriter()
        try SpacetimePatcher(patch: PatchSize(pt: 2, ph: 3, pw: 2)).patchifyStream(from: StreamReader(bytes: w.bytes), to: pw,
                                                                                    provenance: Provenance(tool: "t", args: []).record)
        let tokens = inspect(pw.bytes)
        XCTAssertNil(frames.error); XCTAssertNil(tokens.error)
        let table = { (lines: [String]) in lines.drop { !$0.contains("values by channel") }.dropFirst(2).prefix(4).map { Array($0.split(separator: " ")) } }
        let a = table(frames.lines), b = table(tokens.lines)
        XCTAssertEqual(a.count, 4)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x[0], y[0])
            for k in 1..<5 { XCTAssertEqual(Double(x[k])!, Double(y[k])!, accuracy: 1e-4 * max(1, abs(Double(x[k])!)), "channel \(x[0])") }
        }
        var sum = 0.0
        for t in 0..<4 { for i in 144..<192 { sum += Double(Float((i * 37 + t * 11) % 101) / 10 + 300) } }
        XCTAssertEqual(Double(a[3][1])!, sum / 192, accuracy: 1e-3, "channel 3's mean against a direct sum")
    }
}

final class InspectorTests: XCTestCase {
    func testSummaryOfKnownStream() throws {
        let (lines, error) = inspect(try knownStream())
        XCTAssertNil(error)
        let text = lines.joined(separator: "\n")
        for want in [
            "#1          prov       107 B  reel-encode 0.1.0 --pixels a.png (seed 42)",
            "#2          HEAD        48 B  clip 0: pixels u8 3x16x16 (CxHxW), 24000/1001 fps, 2 frames",
            "#3          text        32 B  segment 3 caption, clip 0, frames 0-11: \"a red \\\"ball\\\"\"",
            "#4          embd        40 B  segment 3: token states 2x3 f32",
            "#5          nois        24 B  clip 0: noise levels of frames 0-1: 0 1",
            "#6          meta        14 B  source = \"test\"",
            "#7-8        FRAM          x2  clip 0 frames 0-1, 776 B each",
            "stream: 9 records, 1.9 KiB, 1 clip",
            "clip 0: pixels u8 3x16x16 (CxHxW), 24000/1001 fps, 2 frames announced; 2 frames read",
            "  frame values by channel:",
            "   channel         mean          std          min          max",
            "         0           10            0           10           10",
            "         1        127.5      73.9003            0          255",
            "         2        127.5        127.5            0          255",
            "  noise levels, frames 0-1: 0 1",
            "  segment 3: token states, 2x3 (NxD) f32",
            "  source = \"test\"",
            "  1. reel-encode 0.1.0 --pixels a.png (seed 42)",
        ] {
            XCTAssertTrue(lines.contains(want), "missing line:\n\(want)\nin:\n\(text)")
        }
        let each = inspect(try knownStream(), InspectOptions(eachRecord: true)).lines
        XCTAssertTrue(each.contains("#7          FRAM       776 B  clip 0 frame 0"), each.joined(separator: "\n"))
        XCTAssertTrue(each.contains("#8          FRAM       776 B  clip 0 frame 1"))
        XCTAssertEqual(inspect(try knownStream(), InspectOptions(checkOnly: true)).lines, [])
    }

    func testErrorsComeAfterTheSummarySoFar() throws {
        let good = try knownStream()
        // Truncated inside the last frame.
        var (lines, error) = inspect(Array(good[0..<(good.count - 300)]))
        XCTAssertEqual(error, "record 8 (FRAM) is truncated: 492 of 776 payload bytes")
        XCTAssertTrue(lines.contains("stream (read up to the error): 8 records, 1.6 KiB, 1 clip"), lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains("clip 0: pixels u8 3x16x16 (CxHxW), 24000/1001 fps, 2 frames announced; 1 frame read"))
        // Fewer frames than announced is valid (reel(5): the count bounds indices, it promises nothing).
        (lines, error) = inspect(try knownStream(frames: 2, extra: { _ in }).replacingFrameCount(3))
        XCTAssertNil(error)
        XCTAssertTrue(lines.contains { $0.contains("3 frames announced; 2 frames read") }, lines.joined(separator: "\n"))
        // Embeddings of a segment that has no text.
        (_, error) = inspect(try knownStream(extra: { try $0.write(TextEmbedding(segment: 9, kind: .pooled, count: 1, dim: 1, values: [1]).record) }))
        XCTAssertEqual(error, "record 9: embeddings of text segment 9, but the stream has no text record for that segment")
        // prov that is not JSON.
        (_, error) = inspect(try knownStream(extra: { try $0.write(Record(type: .provenance, bytes: Array("{\"tool\": oops}".utf8))) }))
        XCTAssertEqual(error, "record 9 (prov) is malformed: not JSON: expected a value, found 'o' at byte 9")
        // Skipped indices are valid (reel(5): a canvas stores the frames it keeps) and listed.
        (lines, error) = inspect(try knownStream(extra: { w in
            let f = Frame(clip: 0, index: 5, byteCount: 768)
            try w.write(f.record)
        }).replacingFrameCount(0))
        XCTAssertNil(error)
        XCTAssertTrue(lines.contains { $0.contains("3 frames read (not stored: 2-4)") }, lines.joined(separator: "\n"))
        // A frame that goes back (here a repeated index) is not.
        (_, error) = inspect(try knownStream(extra: { w in
            let f = Frame(clip: 0, index: 1, byteCount: 768)
            try w.write(f.record)
        }).replacingFrameCount(0))
        XCTAssertEqual(error, "record 9: frame 1 of clip 0 arrived after frame 1 (a clip's frame indices increase along the stream)")
    }

    func testTokenCoverageIsChecked() throws {
        let h = ClipHeader(clip: 1, kind: .latents, dtype: .f32, channels: 1, width: 4, height: 2, frameCount: 1)
        let g = PatchGeometry(clip: 1, dtype: .f32, pt: 1, ph: 2, pw: 2, channels: 1, frames: 1, height: 2, width: 4)
        func stream(_ positions: [(Int32, Int32, Int32)]) throws -> [UInt8] {
            let w = StreamWriter()
            try w.write(h.record); try w.write(g.record)
            let b = TokenBlock(clip: 1, count: positions.count, dim: 4, dtype: .f32)
            for (i, p) in positions.enumerated() { b.setPosition(i, t: p.0, h: p.1, w: p.2) }
            for i in 0..<(positions.count * 4) { b.mutableData.storeBytes(of: Float(i), toByteOffset: 4 * i, as: Float.self) }
            try w.write(b.record)
            try w.finish()
            return w.bytes
        }
        XCTAssertNil(inspect(try stream([(0, 0, 1), (0, 0, 0)])).error)
        XCTAssertEqual(inspect(try stream([(0, 0, 1)])).error,
                       "the token at (t 0, h 0, w 0) of clip 1 is missing: the stream ended without it")
        XCTAssertEqual(inspect(try stream([(0, 0, 1), (0, 0, 1)])).error,
                       "record 3: the token at (t 0, h 0, w 1) of clip 1 arrives a second time")
        let ok = inspect(try stream([(0, 0, 0), (0, 0, 1)])).lines
        XCTAssertTrue(ok.contains("  patches 1x2x2, grid 1x1x2 (TxHxW), 2 tokens of 4 f32 values read"), ok.joined(separator: "\n"))
        XCTAssertTrue(ok.contains("         0          3.5      2.29129            0            7"), ok.joined(separator: "\n"))
    }

    func testNpyExport() throws {
        let dir = NSTemporaryDirectory() + "reel-npy-" + String(UInt32.random(in: 0...UInt32.max))
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertNil(inspect(try knownStream(), InspectOptions(checkOnly: true, npyDirectory: dir)).error)
        let frames = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/clip0-frames.npy")))
        XCTAssertEqual(Array(frames[0..<8]), [0x93] + Array("NUMPY".utf8) + [1, 0])
        XCTAssertEqual(Int(frames[8]) | Int(frames[9]) << 8, 118)
        let header = String(decoding: frames[10..<128], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 16, 16), }"), header)
        XCTAssertTrue(header.hasSuffix(" \n"))
        XCTAssertEqual(frames.count, 128 + 2 * 768)
        XCTAssertEqual(frames[128 + 256 + 7], 7, "channel 1 of frame 0 counts up")
        let emb = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/segment3-token-states.npy")))
        XCTAssertTrue(String(decoding: emb[10..<128], as: UTF8.self).hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"))
        XCTAssertEqual(emb[128..<152].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }, [1, 2, 3, 4, 5, 6])
        // A stream with an error leaves no files behind.
        let bad = dir + "/bad"
        try FileManager.default.createDirectory(atPath: bad, withIntermediateDirectories: true)
        let good = try knownStream()
        XCTAssertNotNil(inspect(Array(good[0..<(good.count - 300)]), InspectOptions(npyDirectory: bad)).error)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: bad), [])
    }

    /// The contact sheet shows pixels as they are, latent channels normalized,
    /// and patch tokens back in their places.
    func testContactSheet() throws {
        let dir = NSTemporaryDirectory() + "reel-png-" + String(UInt32.random(in: 0...UInt32.max))
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertNil(inspect(try knownStream(), InspectOptions(checkOnly: true, pngPath: dir + "/a.png")).error)
        let a = try PNGCodec.read(path: dir + "/a.png")
        XCTAssertEqual([a.width, a.height, a.channels], [136, 268, 3])
        // Frame 0 starts at (4, 4), each source pixel 8x8: pixel x = 1 of row 0 is (10, 1, 255).
        XCTAssertEqual([0, 1, 2].map { a.sample($0, 4, 4 + 8) }, [10, 1, 255])
        XCTAssertEqual([0, 1, 2].map { a.sample($0, 4 + 8 * 15, 4) }, [10, 240, 0])
        XCTAssertEqual([0, 1, 2].map { a.sample($0, 2, 2) }, [40, 40, 40], "background")
        // Patchified with a patch that leaves the frames whole: the same sheet.
        let pw = StreamWriter()
        try SpacetimePatcher(patch: PatchSize(pt: 2, ph: 4, pw: 8)).patchifyStream(from: StreamReader(bytes: try knownStream()), to: pw,
                                                                                    provenance: Provenance(tool: "t", args: []).record)
        XCTAssertNil(inspect(pw.bytes, InspectOptions(checkOnly: true, pngPath: dir + "/b.png")).error)
        XCTAssertEqual(try PNGCodec.read(path: dir + "/b.png"), a)
        // Latents: one tile per channel, min..max to 0..255.
        let h = ClipHeader(clip: 0, kind: .latents, dtype: .f32, channels: 2, width: 4, height: 4, frameCount: 1)
        let w = StreamWriter()
        try w.write(h.record)
        let f = Frame(clip: 0, index: 0, byteCount: h.frameBytes)
        let v = f.mutableData.bindMemory(to: Float.self)  // (2,4,4)
        for i in 0..<32 { v[i] = i < 16 ? Float(i) : -Float(i) }
        try w.write(f.record); try w.finish()
        XCTAssertNil(inspect(w.bytes, InspectOptions(checkOnly: true, pngPath: dir + "/c.png")).error)
        let c = try PNGCodec.read(path: dir + "/c.png")
        XCTAssertEqual([c.width, c.height], [4 + 2 * (128 + 4), 4 + 128 + 4])
        XCTAssertEqual(c.sample(0, 4, 4), 0, "channel 0's minimum")
        XCTAssertEqual(c.sample(1, 4 + 127, 4 + 127), 255, "channel 0's maximum")
        XCTAssertEqual(c.sample(2, 4, 4 + 132), 255, "channel 1: -16 is its maximum")
    }

    func testJSONSummary() throws {
        var (lines, error) = inspect(try knownStream(), InspectOptions(json: true))
        XCTAssertNil(error)
        XCTAssertEqual(lines.count, 1)
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        XCTAssertEqual(doc["valid"] as? Bool, true)
        XCTAssertTrue(doc["error"] is NSNull)
        let clip = try XCTUnwrap((doc["clips"] as? [[String: Any]])?.first)
        XCTAssertEqual(clip["kind"] as? String, "pixels")
        XCTAssertEqual(clip["fps"] as? [Int], [24000, 1001])
        XCTAssertEqual(clip["frames_read"] as? Int, 2)
        let stats = try XCTUnwrap(clip["statistics"] as? [[String: Any]])
        XCTAssertEqual(stats.map { $0["mean"] as? Double }, [10, 127.5, 127.5])
        XCTAssertEqual(stats[1]["std"] as? Double ?? 0, 73.9003383, accuracy: 1e-6 * 255, "f32 block sums: about 1e-6 of the range")
        XCTAssertEqual((doc["texts"] as? [[String: Any]])?.first?["text"] as? String, "a red \"ball\"")
        XCTAssertEqual((doc["provenance"] as? [[String: Any]])?.first?["seed"] as? Int, 42)
        let good = try knownStream()
        (lines, error) = inspect(Array(good[0..<(good.count - 300)]), InspectOptions(json: true))
        XCTAssertNotNil(error)
        let bad = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        XCTAssertEqual(bad["valid"] as? Bool, false)
        XCTAssertEqual(bad["error"] as? String, "record 8 (FRAM) is truncated: 492 of 776 payload bytes")
    }
}

extension Array where Element == UInt8 {
    /// The same stream with its HEAD's frame count replaced (record checksums redone).
    func replacingFrameCount(_ n: UInt32) throws -> [UInt8] {
        let w = StreamWriter()
        for r in try StreamReader(bytes: self).readAll() {
            if r.type == .head {
                var h = try ClipHeader(r, index: 0)
                h.frameCount = Int(n)
                try w.write(h.record)
            } else {
                try w.write(r)
            }
        }
        try w.finish()
        return w.bytes
    }
}
