// The default VAE shipped in ReelVAE's resources: found without a flag, intact, and
// reconstructing held-out shapes-world clips above a floor (a regression test: the
// clips are rendered here by ReelWorld from a seed no training dataset used).

import ReelNumerics
import ReelVAE
import XCTest

final class ShippedModelTests: XCTestCase {
    /// Measured for the shipped model on these clips: 31.3 dB (see the print); the floor leaves ~1 dB of slack.
    static let psnrFloor = 30.3
    /// Measured on the held-out real footage: 30.3 dB; the floor leaves ~1 dB (the target is 25).
    static let realFloor = 29.3

    func shipped() throws -> CausalVideoVAE {
        guard let path = DefaultVAE.path() else {
            XCTFail("no default VAE; looked in \(DefaultVAE.candidates())")
            throw VAEError.cannotOpen("no default VAE")
        }
        return try CausalVideoVAE.load(weightsPath: path)
    }

    func testShippedModelIsFoundAndIntact() throws {
        let vae = try shipped()
        XCTAssertEqual(vae.config.spatialFactor, 4)
        XCTAssertEqual(vae.config.latentChannels, 32)
        XCTAssertEqual(vae.config.temporalFactor, 4)
        XCTAssertEqual(vae.weightsID(), vae.config.id, "the config's id names other weights")
        XCTAssertGreaterThan(vae.config.latentScale, 0)
        XCTAssertEqual(try DefaultVAE.resolve(nil).config, vae.config)
    }

    func testShippedModelReconstructsHeldOutClips() throws {
        let vae = try shipped()
        var total = 0.0
        let clips = try (0..<4).map { try worldClip(seed: 777, index: $0, width: 64, height: 64, frames: 9) }
            + [try worldClip(seed: 778, index: 0, width: 112, height: 64, frames: 5)]
        for x in clips {
            let y = GradMode.withoutGrad { vae.decode(vae.encode(x).mean) }
            XCTAssertEqual(y.shape, x.shape)
            let p = psnr(x, y)
            print("shipped VAE on a held-out \(x.shape) clip: PSNR \(p) dB")
            total += p
        }
        let mean = total / Double(clips.count)
        print("shipped VAE: mean PSNR \(mean) dB on \(clips.count) held-out clips (floor \(Self.psnrFloor))")
        XCTAssertGreaterThan(mean, Self.psnrFloor)
    }

    /// The held-out real footage of training (opencv-doc's video tails and two photos, 128x128).
    func testShippedModelReconstructsHeldOutRealFootage() throws {
        let (real, missing) = RealFootage.load()
        let clips = real.heldOutEvaluationClips()
        guard missing.isEmpty, !clips.isEmpty else {
            throw XCTSkip("opencv-doc's sample data is not installed (make test installs it): \(missing)")
        }
        XCTAssertEqual(clips.count, 10, "4 windows of each of 2 video tails and 2 photos")
        let vae = try shipped()
        let mean = evaluatePSNR(vae, clips: clips)  // reel-train's held-out measure
        print("shipped VAE: mean PSNR \(mean) dB on \(clips.count) held-out real 128x128 clips (floor \(Self.realFloor))")
        XCTAssertGreaterThan(mean, Self.realFloor)
    }
}
