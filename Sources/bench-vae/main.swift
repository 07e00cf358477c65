// bench-vae: throughput of the video VAE (streaming encode + decode at 64x64), as
// frames per second against the 100 frames/s target and as a fraction of the
// machine's fp32 peak (~470 GFLOP/s); and a long streaming run whose peak memory
// can be read with /usr/bin/time -v (bench-vae --stream FRAMES).
//
//   bench-vae                 throughput at 64x64 (and 128x128, 112x64)
//   bench-vae --stream 4800   encode and decode 4800 frames (10 min at 8 fps) in a stream

import Foundation
import ReelNumerics
import ReelVAE

let peakGFLOPS = 470.0

func model() -> CausalVideoVAE {
    if let path = DefaultVAE.path(), let m = try? CausalVideoVAE.load(weightsPath: path) {
        print("model: \(path) (\(m.config.id))")
        return m
    }
    print("model: no default VAE found; timing a freshly initialised network of the default config")
    return try! CausalVideoVAE(config: VAEConfig(), seed: 1)  // a valid built-in config: cannot throw
}

/// Streams `frames` frames of a moving gradient through encoder and decoder; returns seconds.
func stream(_ vae: CausalVideoVAE, width: Int, height: Int, frames: Int, chunk: Int = 4) -> (seconds: Double, checksum: Double) {
    let encoder = try! VAEStreamEncoder(model: vae, width: width, height: height, chunkLatents: chunk)  // sizes are multiples of 8
    let decoder = VAEStreamDecoder(model: vae, latentWidth: encoder.latentWidth, latentHeight: encoder.latentHeight,
                                   chunkLatents: chunk)
    var checksum = 0.0
    var frame = [Float](repeating: 0, count: 3 * width * height)
    let start = Date()
    func consume(_ out: [[Float]]) { for f in out { checksum += Double(f[f.count / 2]) } }
    for t in 0..<frames {
        for c in 0..<3 { for y in 0..<height { for x in 0..<width {
            frame[(c * height + y) * width + x] = sin(Float(x + 2 * t) * 0.2 + Float(c)) * cos(Float(y - t) * 0.15)
        } } }
        for l in encoder.push(frame) { consume(decoder.push(l)) }
    }
    for l in encoder.finish() { consume(decoder.push(l)) }
    consume(decoder.finish())
    return (Date().timeIntervalSince(start), checksum)
}

let args = CommandLine.arguments
let vae = model()
print(Engine.description)
if let i = args.firstIndex(of: "--stream"), i + 1 < args.count, let n = Int(args[i + 1]), n > 0 {
    let (seconds, checksum) = stream(vae, width: 64, height: 64, frames: n, chunk: 4)
    print(String(format: "streamed %d frames of 64x64 through encode+decode in %.1f s (%.0f frames/s; checksum %.3f)",
                 n, seconds, Double(n) / seconds, checksum))
    print("read the peak memory with: /usr/bin/time -v bench-vae --stream \(n)")
} else {
    for (w, h, frames) in [(64, 64, 129), (112, 64, 65), (128, 128, 33)] {
        _ = stream(vae, width: w, height: h, frames: 9)  // warm-up
        var best = Double.infinity
        for _ in 0..<3 { best = min(best, stream(vae, width: w, height: h, frames: frames).seconds) }
        let fps = Double(frames) / best
        let macs = vae.multiplyAdds(width: w, height: h, frames: frames)
        let gflops = 2 * Double(macs.encode + macs.decode) / best / 1e9
        print(String(format: "%dx%d, %d frames: encode+decode %.1f frames/s (%.2fx the 100 frames/s target at 64x64); %.1f GFLOP/s = %.3f of peak",
                     w, h, frames, fps, fps / 100, gflops, gflops / peakGFLOPS))
    }
}
