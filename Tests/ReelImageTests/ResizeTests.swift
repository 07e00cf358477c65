import XCTest
@testable import ReelImage

final class ResizeTests: XCTestCase {
    func testFitGeometry() {
        let t = ImageSize(width: 64, height: 64)
        let crop = FitLayout.compute(sourceWidth: 640, sourceHeight: 480, target: t, mode: .crop)
        XCTAssertEqual(crop, FitLayout(sourceX: 80, sourceY: 0, sourceWidth: 480, sourceHeight: 480,
                                       destX: 0, destY: 0, destWidth: 64, destHeight: 64))
        let pad = FitLayout.compute(sourceWidth: 640, sourceHeight: 480, target: t, mode: .pad)
        XCTAssertEqual(pad, FitLayout(sourceX: 0, sourceY: 0, sourceWidth: 640, sourceHeight: 480,
                                      destX: 0, destY: 8, destWidth: 64, destHeight: 48))
        let tall = FitLayout.compute(sourceWidth: 100, sourceHeight: 400, target: ImageSize(width: 50, height: 50), mode: .pad)
        XCTAssertEqual([tall.destX, tall.destY, tall.destWidth, tall.destHeight], [18, 0, 13, 50])
        let cropTall = FitLayout.compute(sourceWidth: 100, sourceHeight: 400, target: ImageSize(width: 50, height: 50), mode: .crop)
        XCTAssertEqual([cropTall.sourceX, cropTall.sourceY, cropTall.sourceWidth, cropTall.sourceHeight], [0, 150, 100, 100])
        let stretch = FitLayout.compute(sourceWidth: 640, sourceHeight: 480, target: t, mode: .stretch)
        XCTAssertEqual([stretch.destWidth, stretch.destHeight], [64, 64])
        XCTAssertEqual(stretch.sourceWidth, 640)
    }

    /// Bilinear (antialiased triangle) against PyTorch's F.interpolate(antialias=True);
    /// golden files from make_resize_golden.py.
    func testBilinearMatchesPyTorch() throws {
        let (cN, h, w) = (3, 37, 53)
        var planes = [Float](repeating: 0, count: cN * h * w)  // (C,H,W)
        for c in 0..<cN {
            for y in 0..<h {
                for x in 0..<w { planes[(c * h + y) * w + x] = Float((c * 97 + y * 31 + x * 17 + (x * y) % 13) % 256) }
            }
        }
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        for (oh, ow) in [(16, 20), (70, 90), (37, 11)] {
            let data = try Data(contentsOf: fixtures.appendingPathComponent("resize_bilinear_\(oh)x\(ow).f32"))
            let golden = data.withUnsafeBytes { raw in (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) } }
            let size = ImageSize(width: ow, height: oh)
            let layout = FitLayout.compute(sourceWidth: w, sourceHeight: h, target: size, mode: .stretch)
            let out = Resampler.resample(planes: planes, width: w, height: h, channels: cN, layout: layout, canvas: size, filter: .bilinear)
            XCTAssertEqual(out.count, golden.count)
            let maxDiff = zip(out, golden).map { abs($0 - $1) }.max() ?? .infinity
            print("bilinear \(w)x\(h) -> \(ow)x\(oh) vs PyTorch: first \(out.prefix(3)) vs \(golden.prefix(3)), max |diff| \(maxDiff)")
            XCTAssertLessThan(maxDiff, 1e-3)
        }
    }

    func testSizeParsing() throws {
        XCTAssertEqual(try ImageSize(parsing: "64x48"), ImageSize(width: 64, height: 48))
        for bad in ["64", "x64", "64x", "0x10", "-1x5", "a x b", "20000x10", "64x64x3"] {
            XCTAssertThrowsError(try ImageSize(parsing: bad), bad)
        }
    }

    func testConstantImageStaysConstant() throws {
        let img = try PixelImage(width: 37, height: 29, channels: 3, samples: .u8([UInt8](repeating: 93, count: 37 * 29 * 3)))
        for filter in ResampleFilter.allCases {
            for size in [ImageSize(width: 8, height: 5), ImageSize(width: 100, height: 71), ImageSize(width: 37, height: 3)] {
                let out = try Resampler.fit(img, to: size, mode: .stretch, filter: filter)
                XCTAssertEqual([out.width, out.height, out.channels], [size.width, size.height, 3])
                XCTAssertEqual(out.samples, .u8([UInt8](repeating: 93, count: size.width * size.height * 3)), "\(filter) \(size)")
            }
        }
    }

    func testAreaDownscaleAveragesCheckerboard() throws {
        // A 1-pixel checkerboard halved is mid gray with every filter that averages.
        let w = 64
        let s = (0..<(w * w)).map { i in UInt16(((i % w) + (i / w)) % 2 == 0 ? 65535 : 0) }
        let img = try PixelImage(width: w, height: w, channels: 1, samples: .u16(s))
        let box = try Resampler.fit(img, to: ImageSize(width: 32, height: 32), mode: .stretch, filter: .box)
        guard case .u16(let o) = box.samples else { return XCTFail() }
        XCTAssertEqual(o.min(), 32768)
        XCTAssertEqual(o.max(), 32768)
        // The triangle reaches 2 source pixels each side; away from the border (where taps are cut) it averages exactly.
        let tri = try Resampler.fit(img, to: ImageSize(width: 32, height: 32), mode: .stretch, filter: .bilinear)
        for y in 1..<31 {
            for x in 1..<31 { XCTAssertEqual(tri.sample(0, y, x), 32768, "bilinear at \(x),\(y)") }
        }
        let l = try Resampler.fit(img, to: ImageSize(width: 16, height: 16), mode: .stretch, filter: .lanczos3)
        guard case .u16(let lo) = l.samples else { return XCTFail() }
        let worst = lo.map { abs(Int($0) - 32768) }.max() ?? 0
        XCTAssertLessThan(worst, 2000, "Lanczos suppresses the checkerboard (max deviation \(worst))")
    }

    func testPadFillsWithZeroAndCropKeepsCentre() throws {
        // 4x2 image: left half 10, right half 200.
        let s: [UInt8] = [10, 10, 200, 200, 10, 10, 200, 200]
        let img = try PixelImage(width: 4, height: 2, channels: 1, samples: .u8(s))
        let pad = try Resampler.fit(img, to: ImageSize(width: 4, height: 4), mode: .pad, filter: .box)
        XCTAssertEqual(pad.samples, .u8([0, 0, 0, 0, 10, 10, 200, 200, 10, 10, 200, 200, 0, 0, 0, 0]))
        let crop = try Resampler.fit(img, to: ImageSize(width: 2, height: 2), mode: .crop, filter: .box)
        XCTAssertEqual(crop.samples, .u8([10, 200, 10, 200]))
        let stretch = try Resampler.fit(img, to: ImageSize(width: 2, height: 1), mode: .stretch, filter: .box)
        XCTAssertEqual(stretch.samples, .u8([10, 200]))
    }

    func testUpscaleBilinearInterpolates() throws {
        let img = try PixelImage(width: 2, height: 1, channels: 1, samples: .u8([0, 200]))
        let out = try Resampler.fit(img, to: ImageSize(width: 4, height: 1), mode: .stretch, filter: .bilinear)
        // Centres at 0.25, 0.75, 1.25, 1.75 source pixels → 0, 50, 150, 200.
        XCTAssertEqual(out.samples, .u8([0, 50, 150, 200]))
    }
}

final class SequenceTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "reel-seq-tests-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func frame(_ v: UInt8) throws -> PixelImage {
        try PixelImage(width: 3, height: 2, channels: 3, samples: .u8([UInt8](repeating: v, count: 18)))
    }

    func testPatternParsing() throws {
        let p = try XCTUnwrap(try SequencePattern("out/frame_%04d.png"))
        XCTAssertEqual(p.path(7), "out/frame_0007.png")
        XCTAssertEqual(p.path(12345), "out/frame_12345.png")
        XCTAssertEqual(try SequencePattern("a%d%%.png")?.path(3), "a3%.png")
        XCTAssertNil(try SequencePattern("plain.png"))
        XCTAssertThrowsError(try SequencePattern("a%s.png"))
        XCTAssertThrowsError(try SequencePattern("a%d_%d.png"))
    }

    func testWriteAndReadPatternAndDirectory() throws {
        let w = try PNGSequenceWriter(target: dir + "/f_%03d.png", startIndex: 1)
        for v: UInt8 in [10, 20, 30] { try w.append(try frame(v)) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/f_001.png"), "nothing visible before commit")
        try w.commit()
        let seq = try PNGSequence.open(pattern: XCTUnwrap(try SequencePattern(dir + "/f_%03d.png")), text: "f_%03d.png")
        XCTAssertEqual(seq.paths.map { ($0 as NSString).lastPathComponent }, ["f_001.png", "f_002.png", "f_003.png"])
        XCTAssertEqual(try seq.paths.map { try PNGCodec.read(path: $0) }, try [10, 20, 30].map(frame))
        let byDir = try PNGSequence.open(directory: dir)
        XCTAssertEqual(byDir.paths, seq.paths)
    }

    func testDirectoryWriterAndAbort() throws {
        let out = dir + "/frames"
        let w = try PNGSequenceWriter(target: out)
        try w.append(try frame(1))
        try w.append(try frame(2))
        w.abort()
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "abort removes the directory it made")
        let w2 = try PNGSequenceWriter(target: out, depth: .u16)
        try w2.append(try frame(1))
        try w2.commit()
        let back = try PNGCodec.read(path: out + "/frame_0000.png")
        XCTAssertEqual(back.depth, .u16)
        XCTAssertEqual(back.converted(to: .u8), try frame(1))
    }

    func testNaturalOrderAndMissing() throws {
        XCTAssertEqual(["f10.png", "f2.png", "f1.png", "f02.png"].sorted(by: PNGSequence.naturalOrder),
                       ["f1.png", "f02.png", "f2.png", "f10.png"])
        XCTAssertThrowsError(try PNGSequence.open(directory: dir)) { XCTAssertTrue("\($0)".contains("no .png files"), "\($0)") }
        XCTAssertThrowsError(try PNGSequence.open(pattern: XCTUnwrap(try SequencePattern(dir + "/x%d.png")), text: "x%d.png")) {
            XCTAssertTrue("\($0)".contains("no file matches"), "\($0)")
        }
    }
}

final class FrameSelectionTests: XCTestCase {
    func run(_ times: [Double], source: FrameRate, _ sel: FrameSelection) -> [Int] {
        var r = FrameResampler<Int>(selection: sel, sourceRate: source)
        var out: [Int] = []
        for (i, t) in times.enumerated() {
            if r.isFinished { break }
            out += r.push(i, time: t)
        }
        return out + r.finish()
    }

    func testRates() throws {
        let ten = try FrameRate(10)
        let times = (0..<10).map { Double($0) / 10 }
        XCTAssertEqual(run(times, source: ten, try FrameSelection()), Array(0..<10))
        XCTAssertEqual(run(times, source: ten, try FrameSelection(rate: FrameRate(5))), [0, 2, 4, 6, 8])
        XCTAssertEqual(run(times, source: ten, try FrameSelection(rate: FrameRate(20))),
                       [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9])
        XCTAssertEqual(run(times, source: ten, try FrameSelection(start: 0.5)), [5, 6, 7, 8, 9])
        XCTAssertEqual(run(times, source: ten, try FrameSelection(start: 0.3, frameLimit: 3)), [3, 4, 5])
        XCTAssertEqual(run(times, source: ten, try FrameSelection(start: 2)), [])
        // 30000/1001 to 24: 4 of every 5 frames kept.
        let ntsc = try FrameRate(30000, 1001)
        let t2 = (0..<10).map { ntsc.time(ofFrame: $0) }
        // Nearest source frame to each k/24 (source frame i at i × 0.03337 s); frames 3 and 8 fall between.
        // 10 frames last 0.3337 s = 8.008 frames at 24 fps: 8 frames.
        XCTAssertEqual(run(t2, source: ntsc, try FrameSelection(rate: FrameRate(24))), [0, 1, 2, 4, 5, 6, 7, 9])
        // Timestamps rounded to whole milliseconds (as WebM stores them) give the same count.
        let ms = t2.map { ($0 * 1000).rounded() / 1000 }
        XCTAssertEqual(run(ms, source: ntsc, try FrameSelection()), Array(0..<10))
    }

    func testRateParsing() throws {
        XCTAssertEqual(try FrameRate(parsing: "24"), try FrameRate(24))
        XCTAssertEqual(try FrameRate(parsing: "29.97"), try FrameRate(2997, 100))
        XCTAssertEqual(try FrameRate(parsing: "30000/1001").description, "30000/1001")
        XCTAssertEqual(try FrameRate(parsing: "50/2").description, "25")
        for bad in ["0", "-5", "abc", "1/0", "2000", "1.2.3", "", "1e3"] {
            XCTAssertThrowsError(try FrameRate(parsing: bad), bad)
        }
        XCTAssertThrowsError(try FrameSelection(start: -1))
        XCTAssertThrowsError(try FrameSelection(frameLimit: 0))
    }
}
