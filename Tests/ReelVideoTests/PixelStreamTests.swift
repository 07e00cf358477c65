import XCTest
import ReelImage
import ReelStream
@testable import ReelVideo

/// reel-encode --pixels and reel-decode logic, through in-memory streams.
final class PixelStreamTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "reel-pixel-tests-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    let prov = Provenance(tool: "test", args: [])

    func image(_ w: Int, _ h: Int, _ c: Int, _ depth: SampleDepth, seed: Int) throws -> PixelImage {
        let n = w * h * c
        switch depth {
        case .u8: return try PixelImage(width: w, height: h, channels: c, samples: .u8((0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed) }))
        case .u16: return try PixelImage(width: w, height: h, channels: c, samples: .u16((0..<n).map { UInt16(truncatingIfNeeded: $0 &* 7919 &+ seed) }))
        }
    }

    func encode(_ request: PixelEncodeRequest) throws -> (PixelEncodeSummary, [UInt8]) {
        let w = StreamWriter()
        let s = try PixelClipEncoder.encode(request, to: w, provenance: prov)
        try w.finish()
        return (s, w.bytes)
    }

    func testSixteenBitPNGRoundTripIsExact() throws {
        let img = try image(20, 10, 3, .u16, seed: 5)
        try PNGCodec.write(img, to: dir + "/in.png")
        let (summary, bytes) = try encode(PixelEncodeRequest(inputs: [dir + "/in.png"]))
        XCTAssertEqual(summary.header.dtype, .u16)
        XCTAssertEqual([summary.header.width, summary.header.height, summary.header.channels], [20, 10, 3])
        let out = dir + "/out.png"
        let d = try PixelClipDecoder.decode(StreamReader(bytes: bytes), PixelDecodeRequest(output: out, provenance: "{\"tool\":\"t\"}"))
        XCTAssertEqual(d.frames, 1)
        XCTAssertEqual(try PNGCodec.read(path: out), img)
        let text = try PNGCodec.text(try FileAccess.readAll(out), name: out)
        XCTAssertEqual(text, "[" + prov.json + ",{\"tool\":\"t\"}]", "provenance travels into the PNG")
    }

    func testPlacementSizeFitAndSequenceOutput() throws {
        // Gray 16x8 and RGBA 8x8 stills placed at frames 2 and 10 of one clip, 8x8, pad.
        let gray = try image(16, 8, 1, .u8, seed: 1)
        let rgba = try image(8, 8, 4, .u8, seed: 2)
        try PNGCodec.write(gray, to: dir + "/a.png")
        try PNGCodec.write(rgba, to: dir + "/b.png")
        let (summary, bytes) = try encode(PixelEncodeRequest(inputs: [dir + "/a.png", dir + "/b.png"], size: ImageSize(width: 8, height: 8),
                                                             fit: .pad, frameLimit: 2, placements: [2, 10]))
        XCTAssertEqual(summary.spans.map { [$0.first, $0.count] }, [[2, 2], [10, 2]])
        XCTAssertEqual(summary.header.fps, Rational(24))
        // Frame indices in the stream.
        var state = StreamState()
        var indices: [Int] = []
        let reader = StreamReader(bytes: bytes)
        while let r = try reader.next() {
            if case .frame(let f) = try state.decode(r, index: reader.recordIndex) { indices.append(f.index) }
        }
        XCTAssertEqual(indices, [2, 3, 10, 11])
        // Decoded as a sequence: files numbered by frame index.
        let d = try PixelClipDecoder.decode(StreamReader(bytes: bytes), PixelDecodeRequest(output: dir + "/seq_%02d.png"))
        XCTAssertEqual(d.files.map { ($0 as NSString).lastPathComponent }, ["seq_02.png", "seq_03.png", "seq_10.png", "seq_11.png"])
        let first = try PNGCodec.read(path: dir + "/seq_02.png")
        XCTAssertEqual(first.channels, 3)
        // Pad: rows 0-1 and 6-7 are black; gray is replicated into R, G and B.
        XCTAssertEqual(first.sample(0, 0, 3), 0)
        XCTAssertEqual(first.sample(1, 7, 5), 0)
        XCTAssertEqual(first.sample(0, 4, 4), first.sample(2, 4, 4))
        // Overlapping placements are refused.
        XCTAssertThrowsError(try encode(PixelEncodeRequest(inputs: [dir + "/a.png", dir + "/b.png"], frameLimit: 3, placements: [0, 2]))) {
            XCTAssertTrue("\($0)".contains("overlaps"), "\($0)")
        }
    }

    func testInputClassificationAndSequenceSelection() throws {
        for i in 0..<6 { try PNGCodec.write(try image(4, 4, 3, .u8, seed: i), to: dir + "/f_\(i + 1).png") }
        XCTAssertEqual(try MediaInput.classify(dir + "/f_1.png"), .still(path: dir + "/f_1.png"))
        guard case .sequence(let s, _) = try MediaInput.classify(dir + "/f_%d.png") else { return XCTFail("a pattern is a sequence") }
        XCTAssertEqual(s.paths.count, 6, "starts at index 1, the first that exists")
        guard case .sequence(let d, _) = try MediaInput.classify(dir) else { return XCTFail("a directory is a sequence") }
        XCTAssertEqual(d.paths, s.paths)
        XCTAssertThrowsError(try MediaInput.classify(dir + "/none.mp4")) { XCTAssertEqual($0 as? MediaError, .cannotOpen(path: dir + "/none.mp4", reason: "No such file or directory")) }
        // A sequence plays at the clip rate: at 2 fps, 1 s in is its third file; 3 frames from there.
        let (s1, b1) = try encode(PixelEncodeRequest(inputs: [dir + "/f_%d.png"], start: 1, frameLimit: 3, rate: try FrameRate(2)))
        XCTAssertEqual(s1.spans.map { $0.count }, [3])
        XCTAssertEqual(s1.header.fps, Rational(2))
        var state = StreamState()
        var got: [PixelImage] = []
        let reader = StreamReader(bytes: b1)
        while let r = try reader.next() {
            if case .frame(let f) = try state.decode(r, index: reader.recordIndex), let h = state.headers[f.clip] {
                got.append(try PixelFrames.image(f, header: h))
            }
        }
        XCTAssertEqual(got, try [2, 3, 4].map { try image(4, 4, 3, .u8, seed: $0) })
        // Without --frames, every file once, at 24 fps by default.
        let (s2, _) = try encode(PixelEncodeRequest(inputs: [dir]))
        XCTAssertEqual(s2.spans.map { $0.count }, [6])
        XCTAssertEqual(s2.header.fps, Rational(24))
    }

    func testVideoThroughStreamKeepsRate() throws {
        let path = dir + "/src.webm"
        let w = try VideoWriter(path: path, container: .webm, width: 32, height: 32, frameRate: try FrameRate(30000, 1001))
        for t in 0..<8 { try w.append(try image(32, 32, 3, .u8, seed: t)) }
        try w.finish()
        let (summary, bytes) = try encode(PixelEncodeRequest(inputs: [path], size: ImageSize(width: 16, height: 16)))
        XCTAssertEqual(summary.header.fps, Rational(30000, 1001))
        XCTAssertEqual(summary.spans.first?.count, 8)
        let out = dir + "/out.gif"
        XCTAssertEqual(try PixelClipDecoder.decode(StreamReader(bytes: bytes), PixelDecodeRequest(output: out)).frames, 8)
        let back = try VideoReader(path: out)
        XCTAssertEqual([back.width, back.height], [16, 16])
        var n = 0
        while try back.nextFrame() != nil { n += 1 }
        XCTAssertEqual(n, 8)
    }

    func testLatentStreamIsRefusedAndNothingWritten() throws {
        let w = StreamWriter()
        try w.write(ClipHeader(kind: .latents, dtype: .f32, channels: 4, width: 8, height: 8, spatialFactor: 8, model: "vae").record)
        try w.finish()
        XCTAssertThrowsError(try PixelClipDecoder.decode(StreamReader(bytes: w.bytes), PixelDecodeRequest(output: dir + "/x.mp4"))) {
            XCTAssertTrue("\($0)".contains("video compression network"), "\($0)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    func testFailedDecodeLeavesNoFiles() throws {
        let a = try image(8, 8, 3, .u8, seed: 1)
        try PNGCodec.write(a, to: dir + "/a.png")
        let (_, bytes) = try encode(PixelEncodeRequest(inputs: [dir + "/a.png"], frameLimit: 3))
        // Cut the stream inside the last frame: the sequence must not appear.
        let cut = Array(bytes[0..<(bytes.count - 40)])
        XCTAssertThrowsError(try PixelClipDecoder.decode(StreamReader(bytes: cut), PixelDecodeRequest(output: dir + "/frames/")))
        XCTAssertThrowsError(try PixelClipDecoder.decode(StreamReader(bytes: cut), PixelDecodeRequest(output: dir + "/v.mp4")))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["a.png"])
        // Several frames into one PNG is refused.
        XCTAssertThrowsError(try PixelClipDecoder.decode(StreamReader(bytes: bytes), PixelDecodeRequest(output: dir + "/one.png"))) {
            XCTAssertTrue("\($0)".contains("more than one frame"), "\($0)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["a.png"])
    }

    func testFloatPixelFramesBecomeSixteenBit() throws {
        let h = ClipHeader(dtype: .f32, channels: 1, width: 3, height: 1)
        let f = Frame(clip: 0, index: 0, byteCount: 12)
        for (i, v) in [Float(0), 0.5, 1.5].enumerated() { f.mutableData.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
        let img = try PixelFrames.image(f, header: h)
        XCTAssertEqual(img.samples, .u16([0, 32768, 65535]))
        XCTAssertEqual(PixelFrames.halfToFloat(0x3C00), 1)
        XCTAssertEqual(PixelFrames.halfToFloat(0xC000), -2)
        XCTAssertEqual(PixelFrames.halfToFloat(0x0001), Float(1) / 16_777_216)
    }
}
