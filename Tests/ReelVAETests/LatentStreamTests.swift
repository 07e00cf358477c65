// Pixel clips to latent clips and back through reel(5) streams.

import ReelStream
import ReelVAE
import XCTest

final class LatentStreamTests: XCTestCase {
    /// A pixel stream: prov, HEAD, a text record, `frames` frames of w x h u8 RGB.
    func pixelStream(width w: Int, height h: Int, frames: Int, frameCount: Int) throws -> [UInt8] {
        let writer = StreamWriter()
        try writer.write(Provenance(tool: "test", args: []).record)
        try writer.write(ClipHeader(clip: 3, kind: .pixels, dtype: .u8, channels: 3, width: w, height: h, frameCount: frameCount).record)
        try writer.write(TextSegment(segment: 0, clip: 3, role: .prompt, text: "red ball").record)
        for t in 0..<frames {
            let f = Frame(clip: 3, index: t, byteCount: 3 * w * h)
            let d = f.mutableData
            for i in 0..<(3 * w * h) { d[i] = UInt8((i * 7 + t * 13) % 256) }
            try writer.write(f.record)
        }
        try writer.finish()
        return writer.bytes
    }

    func records(_ bytes: [UInt8]) throws -> [DecodedRecord] {
        let reader = StreamReader(bytes: bytes)
        var state = StreamState()
        var out: [DecodedRecord] = []
        while let r = try reader.next() { out.append(try state.decode(r, index: reader.recordIndex - 1)) }
        return out
    }

    func testPixelsToLatentsAndBackAtAnySizeAndLength() throws {
        var config = try tinyVAE().config
        config.id = "test-vae"
        let vae = try CausalVideoVAE(config: config, seed: 4)
        // The frame count known up front (HEAD) and not (0): either way the clip comes back whole, no padding frames.
        for (w, h, t, announced) in [(30, 20, 7, 7), (64, 48, 9, 9), (8, 8, 1, 1), (41, 17, 2, 2), (30, 20, 7, 0), (16, 16, 6, 0)] {
            let input = try pixelStream(width: w, height: h, frames: t, frameCount: announced)
            let latentWriter = StreamWriter()
            try LatentClipEncoder(model: vae, chunkLatents: 2).run(StreamReader(bytes: input), to: latentWriter)
            try latentWriter.finish()
            let latentRecords = try records(latentWriter.bytes)
            guard case .header(let lh)? = latentRecords.first(where: { if case .header = $0 { true } else { false } }) else {
                return XCTFail("no HEAD")
            }
            let n = CausalVideoVAE.latentFrames(forVideoFrames: t)
            XCTAssertEqual(lh.kind, .latents)
            XCTAssertEqual(lh.channels, 4)
            XCTAssertEqual([lh.width, lh.height], [(w + 7) / 8, (h + 7) / 8])
            XCTAssertEqual([lh.sourceWidth, lh.sourceHeight], [w, h])
            XCTAssertEqual([lh.spatialFactor, lh.temporalFactor], [8, 4])
            XCTAssertTrue(lh.firstFrameAlone)
            XCTAssertEqual(lh.model, "test-vae")
            XCTAssertEqual(lh.frameCount, announced == 0 ? 0 : n)
            let counts = latentRecords.compactMap { if case .metadata(let m) = $0, m.key == SourceFrames.key { m.value } else { nil } }
            XCTAssertEqual(counts, ["3 \(t)"], "the source frame count travels in one meta record")
            let latentFrames = latentRecords.compactMap { if case .frame(let f) = $0 { f } else { nil } }
            XCTAssertEqual(latentFrames.map(\.index), Array(0..<n), "\(w)x\(h) T=\(t)")
            XCTAssertTrue(latentRecords.contains { if case .text(let s) = $0 { s.text == "red ball" } else { false } })

            let pixelWriter = StreamWriter()
            try LatentClipDecoder { _ in vae }.run(StreamReader(bytes: latentWriter.bytes), to: pixelWriter)
            try pixelWriter.finish()
            let back = try records(pixelWriter.bytes)
            guard case .header(let ph)? = back.first(where: { if case .header = $0 { true } else { false } }) else {
                return XCTFail("no HEAD")
            }
            XCTAssertEqual([ph.width, ph.height, ph.channels], [w, h, 3])
            XCTAssertEqual(ph.kind, .pixels)
            let frames = back.compactMap { if case .frame(let f) = $0 { f } else { nil } }
            XCTAssertEqual(frames.count, t, "\(w)x\(h): \(t) frames in, \(t) out (padding to 1 + 4k dropped)")
            XCTAssertEqual(frames.map(\.index), Array(0..<t))
            XCTAssertEqual(ph.frameCount, announced == 0 ? 0 : t)
            XCTAssertFalse(back.contains { if case .metadata(let m) = $0 { m.key == SourceFrames.key } else { false } })
            XCTAssertEqual(frames.first?.data.count, 3 * w * h)
        }
    }

    func testGapsAndMismatchedLatentsAreRefused() throws {
        let vae = try tinyVAE()
        let writer = StreamWriter()
        try writer.write(ClipHeader(clip: 0, kind: .pixels, dtype: .u8, channels: 3, width: 16, height: 16).record)
        try writer.write(Frame(clip: 0, index: 4, byteCount: 3 * 16 * 16).record)
        try writer.finish()
        XCTAssertThrowsError(try LatentClipEncoder(model: vae).run(StreamReader(bytes: writer.bytes), to: StreamWriter())) { e in
            XCTAssertTrue("\(e)".contains("every frame from 0"), "\(e)")
        }
        let latents = StreamWriter()
        try latents.write(ClipHeader(clip: 0, kind: .latents, dtype: .f32, channels: 5, width: 2, height: 2,
                                     spatialFactor: 8, temporalFactor: 4, sourceWidth: 16, sourceHeight: 16,
                                     firstFrameAlone: true, model: "x").record)
        try latents.finish()
        XCTAssertThrowsError(try LatentClipDecoder { _ in vae }.run(StreamReader(bytes: latents.bytes), to: StreamWriter())) { e in
            XCTAssertTrue("\(e)".contains("5 channels"), "\(e)")
        }
    }
}
