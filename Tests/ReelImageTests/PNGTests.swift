import XCTest
@testable import ReelImage

final class PNGTests: XCTestCase {
    /// An IHDR of the wrong length is malformed, named as such (its sides were read past the chunk).
    func testShortIHDRIsMalformed() throws {
        var png = PNGBuilder.png(width: 8, height: 8, bitDepth: 8, colorType: 0, rows: [[UInt8]](repeating: [UInt8](repeating: 1, count: 8), count: 8))
        png[11] = 6  // IHDR length 13 -> 6
        XCTAssertThrowsError(try PNGCodec.decode(png, name: "short.png")) { e in
            XCTAssertTrue("\(e)".contains("IHDR chunk is 6 bytes, expected 13"), "\(e)")
        }
    }

    /// A decompression bomb (a PNG claiming 16384x16384 over a tiny IDAT) is refused from its
    /// header, before libpng inflates anything; the limit is a setting (reel-encode --max-pixels).
    func testPixelLimitIsCheckedBeforeDecoding() throws {
        let bomb = PNGBuilder.png(width: 16384, height: 16384, bitDepth: 8, colorType: 2, rows: [[0, 0, 0]])
        XCTAssertThrowsError(try PNGCodec.decode(bomb, name: "bomb.png")) { e in
            XCTAssertTrue("\(e)".contains("268435456 pixels") && "\(e)".contains("40000000"), "\(e)")
        }
        let small = PNGBuilder.png(width: 16, height: 16, bitDepth: 8, colorType: 0, rows: [[UInt8]](repeating: [UInt8](repeating: 7, count: 16), count: 16))
        XCTAssertEqual(try PNGCodec.decode(small, name: "small.png").width, 16)
        let saved = PNGCodec.maxPixels
        defer { PNGCodec.maxPixels = saved }
        PNGCodec.maxPixels = 255
        XCTAssertThrowsError(try PNGCodec.decode(small, name: "small.png")) { e in XCTAssertTrue("\(e)".contains("256 pixels"), "\(e)") }
        PNGCodec.maxPixels = 256
        XCTAssertEqual(try PNGCodec.decode(small, name: "small.png").height, 16)
    }

    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "reel-image-tests-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    func randomImage(_ w: Int, _ h: Int, _ c: Int, _ depth: SampleDepth, seed: UInt64) throws -> PixelImage {
        var g = SplitMix(seed)
        switch depth {
        case .u8: return try PixelImage(width: w, height: h, channels: c, samples: .u8((0..<(w * h * c)).map { _ in UInt8(truncatingIfNeeded: g.next()) }))
        case .u16: return try PixelImage(width: w, height: h, channels: c, samples: .u16((0..<(w * h * c)).map { _ in UInt16(truncatingIfNeeded: g.next()) }))
        }
    }

    func testRoundTripEveryColourTypeAndDepth() throws {
        for depth in SampleDepth.allCases {
            for channels in 1...4 {
                let img = try randomImage(37, 23, channels, depth, seed: UInt64(channels * 100 + depth.rawValue))
                let path = dir + "/rt_\(channels)_\(depth).png"
                try PNGCodec.write(img, to: path)
                let back = try PNGCodec.read(path: path)
                XCTAssertEqual(back.channels, channels)
                XCTAssertEqual(back.depth, depth)
                XCTAssertEqual(back, img, "round trip \(channels) channels \(depth)")
            }
        }
    }

    func testPlanarLayout() throws {
        // 2x1 RGB: pixel 0 red, pixel 1 blue. Planar: R plane, G plane, B plane.
        let bytes: [UInt8] = [255, 0, 0, 0, 0, 255]
        let img = try bytes.withUnsafeBufferPointer { try PixelImage(interleaved8: $0, width: 2, height: 1, channels: 3) }
        XCTAssertEqual(img.samples, .u8([255, 0, 0, 0, 0, 255]))
        XCTAssertEqual(img.sample(0, 0, 0), 255)
        XCTAssertEqual(img.sample(2, 0, 1), 255)
        XCTAssertEqual(img.interleaved8(), bytes)
    }

    func testPlanarLittleEndianBytes() throws {
        let img = try PixelImage(width: 2, height: 1, channels: 2, samples: .u16([0x0102, 0x0304, 0x0506, 0xFFFE]))
        var raw = [UInt8](repeating: 0, count: 8)
        raw.withUnsafeMutableBytes { img.copyPlanarLittleEndian(into: $0) }
        XCTAssertEqual(raw, [0x02, 0x01, 0x04, 0x03, 0x06, 0x05, 0xFE, 0xFF])
        let back = try raw.withUnsafeBytes { try PixelImage(planarLittleEndian: $0, width: 2, height: 1, channels: 2, depth: .u16) }
        XCTAssertEqual(back, img)
        XCTAssertThrowsError(try raw.withUnsafeBytes { try PixelImage(planarLittleEndian: $0, width: 3, height: 1, channels: 2, depth: .u16) })
    }

    func testDepthConversion() throws {
        let img = try PixelImage(width: 3, height: 1, channels: 1, samples: .u8([0, 128, 255]))
        let wide = img.converted(to: .u16)
        XCTAssertEqual(wide.samples, .u16([0, 32896, 65535]))
        XCTAssertEqual(wide.converted(to: .u8), img)
    }

    func testChannelConversion() throws {
        // Gray+alpha: gray 200 at alpha 255 and at alpha 0.
        let ga = try PixelImage(width: 2, height: 1, channels: 2, samples: .u8([200, 200, 255, 0]))
        let rgb = try ga.converted(channels: 3)
        XCTAssertEqual(rgb.samples, .u8([200, 0, 200, 0, 200, 0]))
        let rgba = try ga.converted(channels: 4)
        XCTAssertEqual(rgba.samples, .u8([200, 200, 200, 200, 200, 200, 255, 0]))
    }

    func testPaletteAndLowBitDepthFiles() throws {
        // 2x2 palette image with 3 entries, 2 bits per index, and tRNS on entry 1.
        let plte = PNGBuilder.chunk("PLTE", [255, 0, 0, 0, 255, 0, 0, 0, 255])
        let pal = PNGBuilder.png(width: 2, height: 2, bitDepth: 2, colorType: 3,
                                 rows: [[0b0001_0000], [0b1000_0000]], extra: [plte])
        let img = try PNGCodec.decode(pal, name: "palette.png")
        XCTAssertEqual(img.channels, 3)
        XCTAssertEqual(img.samples, .u8([255, 0, 0, 255, /* G */ 0, 255, 0, 0, /* B */ 0, 0, 255, 0]))

        let trns = PNGBuilder.chunk("tRNS", [255, 128])
        let palA = PNGBuilder.png(width: 2, height: 1, bitDepth: 8, colorType: 3, rows: [[0, 1]], extra: [plte, trns])
        let imgA = try PNGCodec.decode(palA, name: "palette-alpha.png")
        XCTAssertEqual(imgA.channels, 4)
        XCTAssertEqual(imgA.samples, .u8([255, 0, 0, 255, 0, 0, 255, 128]))

        // 1-bit gray widens to 0/255.
        let g1 = PNGBuilder.png(width: 8, height: 1, bitDepth: 1, colorType: 0, rows: [[0b1010_0001]])
        let img1 = try PNGCodec.decode(g1, name: "gray1.png")
        XCTAssertEqual(img1.samples, .u8([255, 0, 255, 0, 0, 0, 0, 255]))

        // 16-bit RGB big-endian in the file, host order in memory.
        let rgb16 = PNGBuilder.png(width: 1, height: 1, bitDepth: 16, colorType: 2, rows: [[0x12, 0x34, 0xAB, 0xCD, 0xFF, 0x00]])
        let img16 = try PNGCodec.decode(rgb16, name: "rgb16.png")
        XCTAssertEqual(img16.samples, .u16([0x1234, 0xABCD, 0xFF00]))
    }

    func testRealPhotos() throws {
        let data = "/usr/share/doc/opencv-doc/examples/data/"
        guard FileManager.default.fileExists(atPath: data + "graf1.png") else { throw XCTSkip("opencv-doc examples not installed") }
        // Sums computed independently with `ffmpeg -i FILE -f rawvideo -pix_fmt rgb24|gray|ya8`.
        let cases: [(String, Int, Int, Int, Int)] = [
            ("graf1.png", 800, 640, 3, 174_413_762),
            ("imageTextN.png", 556, 257, 3, 99_731_864),  // palette
            ("mask.png", 128, 128, 2, 5_100_782),          // gray + alpha
            ("basketball1.png", 640, 480, 1, 36_959_280),  // gray
        ]
        for (name, w, h, c, sum) in cases {
            let img = try PNGCodec.read(path: data + name)
            XCTAssertEqual([img.width, img.height, img.channels], [w, h, c], name)
            guard case .u8(let s) = img.samples else { return XCTFail("\(name) should be 8-bit") }
            XCTAssertEqual(s.reduce(0) { $0 + Int($1) }, sum, name)
        }
    }

    // MARK: malformed input: each a thrown error, never a crash

    func assertThrows(_ bytes: [UInt8], _ name: String, contains: String, file: StaticString = #filePath, line: UInt = #line) {
        let path = dir + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        XCTAssertThrowsError(try PNGCodec.read(path: path), name, file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(contains), "\(name): '\(text)' should mention '\(contains)'", file: file, line: line)
            XCTAssertTrue(text.contains(name), "\(name): '\(text)' should name the file", file: file, line: line)
        }
    }

    func validPNG() -> [UInt8] {
        PNGBuilder.png(width: 4, height: 4, bitDepth: 8, colorType: 2, rows: Array(repeating: [UInt8](repeating: 7, count: 12), count: 4))
    }

    func testMalformedFiles() throws {
        let good = validPNG()
        XCTAssertNoThrow(try PNGCodec.decode(good, name: "good.png"))
        assertThrows([], "empty.png", contains: "empty")
        assertThrows(Array("this is not an image at all\n".utf8), "garbage.png", contains: "signature")
        assertThrows(Array(good[0..<8]), "signature-only.png", contains: "truncated")
        assertThrows(Array(good[0..<(good.count - 30)]), "truncated.png", contains: "truncated")
        var badIHDR = good
        badIHDR[29] ^= 0xFF  // IHDR CRC
        assertThrows(badIHDR, "bad-ihdr-crc.png", contains: "CRC")
        var badIDAT = good
        badIDAT[good.count - 12 - 1] ^= 0xFF  // last byte of IDAT's CRC
        assertThrows(badIDAT, "bad-idat-crc.png", contains: "CRC")
        let huge = PNGBuilder.png(width: 100_000, height: 100_000, bitDepth: 8, colorType: 2, rows: [[0, 0, 0]])
        assertThrows(huge, "huge.png", contains: "too large")
        let zero = PNGBuilder.png(width: 0, height: 4, bitDepth: 8, colorType: 2, rows: [])
        assertThrows(zero, "zero-width.png", contains: "width")
        let badDepth = PNGBuilder.png(width: 1, height: 1, bitDepth: 3, colorType: 2, rows: [[0]])
        assertThrows(badDepth, "bad-depth.png", contains: "bit depth")
        let noPalette = PNGBuilder.png(width: 1, height: 1, bitDepth: 8, colorType: 3, rows: [[0]])
        assertThrows(noPalette, "missing-plte.png", contains: "PLTE")
        let shortRows = PNGBuilder.png(width: 4, height: 4, bitDepth: 8, colorType: 2, rows: [[1, 2, 3]])
        assertThrows(shortRows, "short-idat.png", contains: "data")
    }

    func testMissingFileAndDirectory() {
        XCTAssertThrowsError(try PNGCodec.read(path: dir + "/nope.png")) { error in
            XCTAssertEqual(error as? MediaError, .cannotOpen(path: dir + "/nope.png", reason: "No such file or directory"))
        }
        XCTAssertThrowsError(try PNGCodec.read(path: dir)) { error in
            XCTAssertTrue("\(error)".contains("is a directory"), "\(error)")
        }
    }

    func testAtomicWriteLeavesNothingOnFailure() throws {
        let img = try randomImage(4, 4, 3, .u8, seed: 1)
        XCTAssertThrowsError(try PNGCodec.write(img, to: dir + "/no/such/dir/out.png")) { error in
            XCTAssertTrue("\(error)".contains("out.png"), "\(error)")
        }
        let path = dir + "/keep.png"
        try PNGCodec.write(img, to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        // A destination that is a directory cannot be replaced: the old file set is untouched.
        XCTAssertThrowsError(try PNGCodec.write(img, to: dir))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir)
        XCTAssertEqual(names, ["keep.png"], "no temporary files are left behind")
    }
}

/// A small deterministic generator for test data.
struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
