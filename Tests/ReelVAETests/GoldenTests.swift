// The VAE against the same network in PyTorch (Scripts/make_vae_fixtures.py):
// encoder moments, decoder output and the input gradient, within float32 tolerance.

import Foundation
import ReelNumerics
import ReelSafetensors
import ReelVAE
import XCTest

final class GoldenTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func tensor(_ file: SafetensorsFile, _ name: String) throws -> Tensor {
        Tensor(try file.floats(name), shape: try file.info(name).shape)
    }

    func compare(_ name: String, _ a: Tensor, _ b: Tensor, tolerance: Float) {
        XCTAssertEqual(a.shape, b.shape, name)
        let d = maxDifference(a.scalars, b.scalars)
        print("\(name): first values \(Array(a.scalars.prefix(3))) vs PyTorch \(Array(b.scalars.prefix(3))); max difference \(d)")
        XCTAssertLessThan(d, tolerance, name)
    }

    func testMatchesPyTorch() throws {
        let vae = try CausalVideoVAE.load(weightsPath: Self.fixtures.appendingPathComponent("vae-golden.safetensors").path)
        let io = try SafetensorsFile(path: Self.fixtures.appendingPathComponent("vae-golden-io.safetensors").path)
        let xData = try tensor(io, "x")
        let x = Tensor(xData.scalars, shape: xData.shape, requiresGrad: true)  // (1,3,9,16,24)
        let (mean, logVariance) = vae.encode(x)
        compare("mean", mean, try tensor(io, "mean"), tolerance: 1e-4)
        compare("logvar", logVariance, try tensor(io, "logvar"), tolerance: 1e-4)
        let y = vae.decode(mean)
        compare("decoded", y, try tensor(io, "decoded"), tolerance: 1e-4)
        y.backward(seed: try tensor(io, "probe"))
        compare("grad x", Tensor(x.gradScalars, shape: x.shape), try tensor(io, "grad_x"), tolerance: 1e-3)

        // The streaming path gives the same latents.
        let encoder = try VAEStreamEncoder(model: vae, width: 24, height: 16, chunkLatents: 1)
        var latents: [[Float]] = []
        for f in frames(xData) { latents += encoder.push(f) }
        latents += encoder.finish()
        let golden = try tensor(io, "mean")
        XCTAssertLessThan(maxDifference(Array(latents.joined()), Array(frames(golden).joined())), 1e-4)
    }
}
