import XCTest
import ReelImage
@testable import ReelVideo

final class VideoTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "reel-video-tests-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// A smooth moving scene: gradients plus a bright square that moves 2 px per frame.
    func scene(_ t: Int, _ w: Int = 64, _ h: Int = 48) throws -> PixelImage {
        var s = [UInt8](repeating: 0, count: 3 * w * h)  // (C,H,W)
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                var r = 40 + 150 * x / w, g = 30 + 160 * y / h, b = 100 + (x + y + 3 * t) % 60
                if x >= 8 + 2 * t && x < 24 + 2 * t && y >= 12 && y < 28 { r = 230; g = 220; b = 40 }
                s[i] = UInt8(r)
                s[w * h + i] = UInt8(g)
                s[2 * w * h + i] = UInt8(b)
            }
        }
        return try PixelImage(width: w, height: h, channels: 3, samples: .u8(s))
    }

    func meanAbsError(_ a: PixelImage, _ b: PixelImage) -> Double {
        guard case .u8(let x) = a.samples, case .u8(let y) = b.samples, x.count == y.count else { return .infinity }
        var total = 0
        for i in 0..<x.count { total += abs(Int(x[i]) - Int(y[i])) }
        return Double(total) / Double(x.count)
    }

    /// Writes `n` frames, reads them back, returns the worst per-frame mean abs error (0-255 scale).
    func roundTrip(_ container: VideoContainer, fps: FrameRate, n: Int = 12) throws -> (mae: Double, reader: VideoReader, frames: Int) {
        let path = dir + "/clip." + container.rawValue
        let writer = try VideoWriter(path: path, container: container, width: 64, height: 48, frameRate: fps)
        for t in 0..<n { try writer.append(try scene(t)) }
        try writer.finish()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["clip." + container.rawValue], "no temporary files left")
        let reader = try VideoReader(path: path)
        XCTAssertEqual([reader.width, reader.height], [64, 48])
        var worst = 0.0, count = 0
        while let f = try reader.nextFrame() {
            worst = max(worst, meanAbsError(f.image, try scene(count)))
            count += 1
        }
        print("\(container.rawValue) round trip at 64x48: \(count) frames, worst frame mean abs error \(String(format: "%.3f", worst))/255")
        return (worst, reader, count)
    }

    func testMP4RoundTrip() throws {
        let r = try roundTrip(.mp4, fps: try FrameRate(24))
        XCTAssertEqual(r.frames, 12)
        XCTAssertEqual(r.reader.frameRate, try FrameRate(24))
        XCTAssertEqual(r.reader.codecName, "h264")
        XCTAssertLessThan(r.mae, 6)
    }

    func testWebMRoundTrip() throws {
        let r = try roundTrip(.webm, fps: try FrameRate(30000, 1001))
        XCTAssertEqual(r.frames, 12)
        XCTAssertEqual(r.reader.frameRate, try FrameRate(30000, 1001))
        XCTAssertEqual(r.reader.codecName, "vp9")
        XCTAssertLessThan(r.mae, 6)
    }

    func testGIFRoundTrip() throws {
        let r = try roundTrip(.gif, fps: try FrameRate(25))
        XCTAssertEqual(r.frames, 12)
        XCTAssertEqual(r.reader.frameRate.value, 25, accuracy: 0.01)
        // 256 colours per frame, no dithering: within a few levels on this scene.
        XCTAssertLessThan(r.mae, 4)
    }

    func testQuantizerIsExactForFewColours() throws {
        let img = try scene(0, 16, 16)
        let few = try PixelImage(width: 4, height: 1, channels: 3, samples: .u8([0, 255, 10, 200, 0, 255, 20, 100, 0, 255, 30, 50]))
        let q = PaletteQuantizer.quantize(few)
        let back = q.indices.map { q.palette[Int($0)] }
        XCTAssertEqual(back.map { [$0.0, $0.1, $0.2] }, [[0, 0, 0], [255, 255, 255], [10, 20, 30], [200, 100, 50]])
        XCTAssertLessThanOrEqual(PaletteQuantizer.quantize(img).palette.count, 256)
    }

    func testSelectionOnDecodedVideo() throws {
        let path = dir + "/sel.mp4"
        let writer = try VideoWriter(path: path, container: .mp4, width: 64, height: 48, frameRate: try FrameRate(10))
        for t in 0..<10 { try writer.append(try scene(t)) }
        try writer.finish()
        // Half the rate from 0.2 s: source frames 2, 4, 6.
        var got: [PixelImage] = []
        let n = try VideoReader(path: path).forEachFrame(try FrameSelection(start: 0.2, frameLimit: 3, rate: FrameRate(5))) { got.append($0) }
        XCTAssertEqual(n, 3)
        for (k, src) in [2, 4, 6].enumerated() {
            let errs = try (0..<10).map { meanAbsError(got[k], try scene($0)) }
            XCTAssertEqual(errs.firstIndex(of: errs.min() ?? 0), src, "output frame \(k) is source frame \(src)")
        }
        // Double rate: every frame twice.
        var count = 0
        try VideoReader(path: path).forEachFrame(try FrameSelection(rate: FrameRate(20))) { _ in count += 1 }
        XCTAssertEqual(count, 20)
    }

    func testOpenCVSampleVideo() throws {
        let path = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("opencv-doc examples not installed") }
        let reader = try VideoReader(path: path)
        XCTAssertEqual([reader.width, reader.height], [768, 576])
        XCTAssertEqual(reader.frameRate, try FrameRate(10))
        XCTAssertEqual(reader.statedFrameCount, 795)
        var count = 0
        var first: PixelImage?
        while let f = try reader.nextFrame() {
            if count == 0 { first = f.image }
            count += 1
        }
        XCTAssertEqual(count, 795, "ffprobe -count_frames reports 795")
        // A street scene: mid-range brightness, not a blank or garbled frame.
        let mean = try XCTUnwrap(first).floatPlanes().reduce(0, +) / Float(768 * 576 * 3)
        XCTAssertGreaterThan(mean, 60)
        XCTAssertLessThan(mean, 200)
    }

    func testConstantRateFromRealFiles() throws {
        let data = "/usr/share/doc/opencv-doc/examples/data/"
        guard FileManager.default.fileExists(atPath: data + "tree.avi") else { throw XCTSkip("opencv-doc examples not installed") }
        // Megamind.avi's first frame is stamped 1 and its last has no timestamp: still 270 frames at 2997/125.
        let mega = try VideoReader(path: data + "Megamind.avi")
        XCTAssertEqual(mega.frameRate, try FrameRate(2997, 125))
        XCTAssertEqual(try mega.forEachFrame(try FrameSelection()) { _ in }, 270)
        // tree.avi holds 68 frames spread over 444 slots of 1/15 s (29.6 s): a constant-rate clip repeats
        // each frame until the next, giving 444 frames; at 5 fps, 148.
        let tree = try VideoReader(path: data + "tree.avi")
        XCTAssertEqual(try tree.forEachFrame(try FrameSelection()) { _ in }, 444)
        XCTAssertEqual(tree.decodedFrames, 68)
        XCTAssertEqual(try VideoReader(path: data + "tree.avi").forEachFrame(try FrameSelection(rate: FrameRate(5))) { _ in }, 148)
    }

    // MARK: malformed and impossible inputs: thrown errors naming the file

    func assertOpenFails(_ name: String, _ bytes: [UInt8]?, contains: String, file: StaticString = #filePath, line: UInt = #line) {
        let path = dir + "/" + name
        if let bytes { _ = FileManager.default.createFile(atPath: path, contents: Data(bytes)) }
        XCTAssertThrowsError(try { let r = try VideoReader(path: path); while try r.nextFrame() != nil {} }(), name, file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(name), "'\(text)' should name \(name)", file: file, line: line)
            XCTAssertTrue(text.lowercased().contains(contains.lowercased()), "'\(text)' should say '\(contains)'", file: file, line: line)
        }
    }

    func testMalformedVideos() throws {
        assertOpenFails("empty.mp4", [], contains: "invalid data")
        assertOpenFails("garbage.mp4", Array(repeating: "not a video, just words. ", count: 40).joined().utf8.map { $0 }, contains: "invalid data")
        assertOpenFails("noise.webm", (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) }, contains: "not a valid")
        assertOpenFails("text.gif", Array("GIF89a but then nothing sensible".utf8), contains: "not a valid")
        assertOpenFails("missing.mp4", nil, contains: "No such file")
        // A real MP4 cut in half loses its index (moov is written at the end).
        let path = dir + "/whole.mp4"
        let w = try VideoWriter(path: path, container: .mp4, width: 64, height: 48, frameRate: try FrameRate(24))
        for t in 0..<6 { try w.append(try scene(t)) }
        try w.finish()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        assertOpenFails("truncated.mp4", Array(bytes[0..<(bytes.count / 2)]), contains: "not a valid")
        XCTAssertThrowsError(try VideoReader(path: dir)) { XCTAssertTrue("\($0)".contains(dir), "\($0)") }
        // Absurd dimensions are refused before any frame is allocated.
        let y4m = Array("YUV4MPEG2 W40000 H30 F25:1 Ip A1:1 C420jpeg\nFRAME\n".utf8) + [UInt8](repeating: 128, count: 64)
        assertOpenFails("huge.y4m", y4m, contains: "too large")
        // A GIF whose logical screen is 65535x65535 (FFmpeg reports no usable size).
        let gif: [UInt8] = Array("GIF89a".utf8) + [0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00,
                                                     0x2C, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B]
        assertOpenFails("huge.gif", gif, contains: "size")
        // An audio-only WAV: a valid file with no video.
        var wav: [UInt8] = Array("RIFF".utf8) + le32(36 + 800) + Array("WAVEfmt ".utf8) + le32(16)
        wav += [1, 0, 1, 0] + le32(8000) + le32(16000) + [2, 0, 16, 0] + Array("data".utf8) + le32(800)
        wav += [UInt8](repeating: 0, count: 800)
        assertOpenFails("audio.wav", wav, contains: "no video stream")
    }

    func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }

    func testWriterRejectsBadRequestsAndLeavesNothing() throws {
        XCTAssertThrowsError(try VideoWriter(path: dir + "/odd.mp4", container: .mp4, width: 63, height: 48, frameRate: try FrameRate(24))) {
            XCTAssertTrue("\($0)".contains("even width and height"), "\($0)")
        }
        let w = try VideoWriter(path: dir + "/a.webm", container: .webm, width: 64, height: 48, frameRate: try FrameRate(24))
        try w.append(try scene(0))
        XCTAssertThrowsError(try w.append(try scene(0, 32, 32))) { XCTAssertTrue("\($0)".contains("32x32"), "\($0)") }
        w.abort()
        XCTAssertThrowsError(try VideoWriter(path: dir + "/no/such/dir/a.gif", container: .gif, width: 8, height: 8, frameRate: try FrameRate(10))) {
            XCTAssertTrue("\($0)".contains("a.gif"), "\($0)")
        }
        let empty = try VideoWriter(path: dir + "/empty.gif", container: .gif, width: 8, height: 8, frameRate: try FrameRate(10))
        XCTAssertThrowsError(try empty.finish()) { XCTAssertTrue("\($0)".contains("no frames"), "\($0)") }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [], "nothing written, nothing left")
    }

    func testContainerFromExtension() {
        XCTAssertEqual(VideoContainer(path: "a/B.MP4"), .mp4)
        XCTAssertEqual(VideoContainer(path: "x.webm"), .webm)
        XCTAssertEqual(VideoContainer(path: "x.gif"), .gif)
        XCTAssertNil(VideoContainer(path: "x.png"))
    }
}
