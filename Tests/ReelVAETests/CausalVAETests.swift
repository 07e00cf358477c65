// ReelVAE: shapes, causality, chunked == whole, a tiny VAE that overfits, weight files,
// and the shipped model's reconstruction quality on clips rendered here by ReelWorld.

import Foundation
import ReelNumerics
import ReelOptim
import ReelVAE
import ReelWorld
import XCTest
import ReelSystem

/// A small network for fast tests (the shipped one is wider).
func tinyVAE(spatialFactor: Int = 8, seed: UInt64 = 1, channels: Int = 8, latent: Int = 4) throws -> CausalVideoVAE {
    try CausalVideoVAE(config: VAEConfig(spatialFactor: spatialFactor, latentChannels: latent, baseChannels: channels,
                                         baseBlocks: 1, deepChannels: channels, deepBlocks: 1), seed: seed)
}

func randomClip(frames: Int, width: Int, height: Int, seed: UInt64) -> Tensor {
    var rng = Xoshiro256StarStar(seed: seed)
    return Tensor(randomUniform: [1, 3, frames, height, width], bound: 1, using: &rng)  // (1,3,T,H,W)
}

/// A shapes-world clip rendered here, (1,3,T,H,W) in [-1,1].
func worldClip(seed: UInt64, index: Int, width: Int = 64, height: Int = 64, frames: Int = 9) throws -> Tensor {
    let clip = try SynthClip(datasetSeed: seed, index: index, width: width, height: height, frames: frames)
    let renderer = try SceneRenderer(clip.scene)
    let x = Tensor(uninitialized: [1, 3, frames, height, width])
    for t in 0..<frames {
        let rgb = renderer.renderFrame(t)  // (H,W,3)
        for y in 0..<height { for q in 0..<width { for c in 0..<3 {
            x.data[((c * frames + t) * height + y) * width + q] = Float(rgb[(y * width + q) * 3 + c]) * (2.0 / 255.0) - 1
        } } }
    }
    return x
}

func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// (1,C,T,H,W) -> T frames of (C,H,W).
func frames(_ x: Tensor) -> [[Float]] {
    let c = x.shape[1], t = x.shape[2], plane = x.shape[3] * x.shape[4]
    let v = x.scalars
    var out: [[Float]] = []
    for i in 0..<t {
        var f: [Float] = []
        f.reserveCapacity(c * plane)
        for ch in 0..<c {
            let start: Int = (ch * t + i) * plane
            f.append(contentsOf: v[start..<(start + plane)])
        }
        out.append(f)
    }
    return out
}

final class CausalVAETests: XCTestCase {
    func testLatentShapesAndFrameCounts() throws {
        for s in [8, 4] {
            let vae = try tinyVAE(spatialFactor: s)
            for (w, h) in [(32, 32), (64, 48), (48, 64), (8 * 3, 8 * 5)] {
                for t in [1, 5, 9, 13] {
                    let x = randomClip(frames: t, width: w, height: h, seed: 3)
                    let (mean, logVariance) = GradMode.withoutGrad { vae.encode(x) }
                    let n = CausalVideoVAE.latentFrames(forVideoFrames: t)
                    XCTAssertEqual(n, 1 + (t - 1) / 4)
                    XCTAssertEqual(mean.shape, [1, 4, n, h / s, w / s], "s=\(s) \(w)x\(h) T=\(t)")
                    XCTAssertEqual(logVariance.shape, mean.shape)
                    let y = GradMode.withoutGrad { vae.decode(mean) }
                    XCTAssertEqual(y.shape, [1, 3, t, h, w], "s=\(s) \(w)x\(h) T=\(t)")
                    XCTAssertEqual(CausalVideoVAE.videoFrames(forLatentFrames: n), t)
                }
            }
        }
        XCTAssertEqual(CausalVideoVAE.latentFrames(forVideoFrames: 6), 3)  // a partial last group still needs a latent frame
        XCTAssertEqual(CausalVideoVAE.latentFrames(forVideoFrames: 0), 0)
    }

    func testSingleImageIsAOneFrameVideo() throws {
        let vae = try tinyVAE()
        let clip = randomClip(frames: 5, width: 32, height: 32, seed: 7)
        let image = split(clip, sizes: [1, 4], axis: 2)[0]  // (1,3,1,32,32)
        let imageLatent = GradMode.withoutGrad { vae.encode(image).mean }
        XCTAssertEqual(imageLatent.shape, [1, 4, 1, 4, 4])
        // The first latent frame of a video is the latent of its first frame alone.
        let videoLatent = GradMode.withoutGrad { vae.encode(clip).mean }
        let first = split(videoLatent, sizes: [1, 1], axis: 2)[0]
        let d = maxDifference(first.scalars, imageLatent.scalars)
        print("image vs first video latent: max difference \(d)")
        XCTAssertLessThan(d, 1e-5)
        let decoded = GradMode.withoutGrad { vae.decode(imageLatent) }
        XCTAssertEqual(decoded.shape, [1, 3, 1, 32, 32])
    }

    func testCausality() throws {
        let vae = try tinyVAE(seed: 5)
        let a = randomClip(frames: 13, width: 32, height: 24, seed: 11)
        let b = a.copy()
        for i in 0..<b.count where (i / (32 * 24)) % 13 >= 9 { b.data[i] = -b.data[i] }  // change frames 9...12
        let la = GradMode.withoutGrad { vae.encode(a).mean }, lb = GradMode.withoutGrad { vae.encode(b).mean }
        let fa = frames(la), fb = frames(lb)
        XCTAssertEqual(maxDifference(fa[0] + fa[1] + fa[2], fb[0] + fb[1] + fb[2]), 0, "latents of frames 0...8 moved")
        XCTAssertGreaterThan(maxDifference(fa[3], fb[3]), 1e-4)
        // Decoding: video frames 0...8 depend on latent frames 0...2 only.
        let da = frames(GradMode.withoutGrad { vae.decode(la) }), db = frames(GradMode.withoutGrad { vae.decode(lb) })
        XCTAssertEqual(maxDifference(Array(da[0..<9].joined()), Array(db[0..<9].joined())), 0)
    }

    func testChunkedEqualsWholeClip() throws {
        for s in [8, 4] {
            let vae = try tinyVAE(spatialFactor: s, seed: 9)
            let x = randomClip(frames: 21, width: 40, height: 32, seed: 13)  // 6 latent frames
            let whole = GradMode.withoutGrad { vae.encode(x).mean }
            let wholeDecoded = GradMode.withoutGrad { vae.decode(whole) }
            for chunk in [1, 2, 4] {
                let encoder = try VAEStreamEncoder(model: vae, width: 40, height: 32, chunkLatents: chunk)
                var latents: [[Float]] = []
                for f in frames(x) { latents += encoder.push(f) }
                latents += encoder.finish()
                XCTAssertEqual(encoder.paddedFrames, 0)
                XCTAssertEqual(latents.count, 6)
                let de = maxDifference(Array(latents.joined()), Array(frames(whole).joined()))
                print("s=\(s) chunk \(chunk): encoder max difference chunked vs whole \(de)")
                XCTAssertLessThan(de, 1e-4)

                let decoder = VAEStreamDecoder(model: vae, latentWidth: 40 / s, latentHeight: 32 / s, chunkLatents: chunk)
                var out: [[Float]] = []
                for l in frames(whole) { out += decoder.push(l) }
                out += decoder.finish()
                XCTAssertEqual(out.count, 21)
                let dd = maxDifference(Array(out.joined()), Array(frames(wholeDecoded).joined()))
                print("s=\(s) chunk \(chunk): decoder max difference chunked vs whole \(dd)")
                XCTAssertLessThan(dd, 1e-4)
            }
        }
    }

    func testStreamEncoderPadsAPartialLastGroup() throws {
        let vae = try tinyVAE()
        let x = randomClip(frames: 7, width: 32, height: 32, seed: 2)  // 1 + 4 + 2
        let encoder = try VAEStreamEncoder(model: vae, width: 32, height: 32)
        var latents: [[Float]] = []
        for f in frames(x) { latents += encoder.push(f) }
        latents += encoder.finish()
        XCTAssertEqual(latents.count, 3)
        XCTAssertEqual(encoder.paddedFrames, 2)
        XCTAssertThrowsError(try VAEStreamEncoder(model: vae, width: 36, height: 32))
    }

    func testTinyVAEOverfitsOneClip() throws {
        let vae = try tinyVAE(seed: 3, channels: 16, latent: 8)
        let x = try worldClip(seed: 4, index: 0, width: 32, height: 32, frames: 5)
        let refs = vae.parameterViews().map { ParameterRef(name: $0.name, shape: $0.shape, value: $0.value, grad: $0.grad, decay: $0.decay) }
        let optimizer = try AdamW(parameters: refs, config: AdamWConfig(learningRate: 2e-3, weightDecay: 0))
        var rng = Xoshiro256StarStar(seed: 1)
        var first: Float = 0, last: Float = 0
        for step in 0..<150 {
            zeroGradients(refs)
            let (mse, _) = vaeLossAndGradients(vae, x, klWeight: 1e-6, rng: &rng)
            if step == 0 { first = mse }
            last = mse
            _ = clipGradientNorm(refs, maxNorm: 1)
            try optimizer.step(refs)
        }
        let p = GradMode.withoutGrad { psnr(x, vae.decode(vae.encode(x).mean)) }
        print("overfit one clip: MSE \(first) -> \(last), PSNR \(p) dB")
        XCTAssertLessThan(last, 0.02)
        XCTAssertLessThan(last, first / 5)
    }

    func testWeightsRoundTripThroughF16Files() throws {
        let vae = try tinyVAE(seed: 21)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reel-vae-test-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("v.safetensors").path
        var config = vae.config
        config.id = vae.weightsID()
        try vae.save(weightsPath: path, config: config)
        let loaded = try CausalVideoVAE.load(weightsPath: path)
        XCTAssertEqual(loaded.config, config)
        for ((n, a), (_, b)) in zip(vae.namedParameters(), loaded.namedParameters()) {
            for i in 0..<a.count { XCTAssertEqual(Float(Float16(a.data[i])), b.data[i], n) }
        }
        XCTAssertTrue(config.id.hasPrefix("reel-vae-s8t4z4-"))
        // A config that does not match the weights is refused with the tensor named.
        var other = config
        other.latentChannels = 5
        try other.jsonData().write(to: URL(fileURLWithPath: CausalVideoVAE.configPath(forWeights: path)))
        XCTAssertThrowsError(try CausalVideoVAE.load(weightsPath: path)) { e in
            XCTAssertTrue("\(e)".contains("encoder.conv_out.weight"), "\(e)")
        }
        XCTAssertThrowsError(try CausalVideoVAE.load(weightsPath: dir.appendingPathComponent("none.safetensors").path))
        XCTAssertThrowsError(try VAEConfig.decode(Data("{\"spatialFactor\": 3}".utf8), name: "x.json"))
    }
}
