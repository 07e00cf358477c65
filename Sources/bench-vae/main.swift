// bench-vae: throughput of the video VAE (streaming encode + decode at 64x64), as
// frames per second against the 100 frames/s target and as a fraction of the
// machine's measured fp32 peak; the whole-clip encode+decode beside the same
// network in PyTorch on the CPU with 2 threads (when `import torch` works;
// REEL_BENCH_SKIP_TORCH=1 skips it); and a long streaming run whose peak memory
// can be read with /usr/bin/time -v (bench-vae --stream FRAMES).
//
//   bench-vae                 throughput at 64x64 (and 128x128, 112x64)
//   bench-vae --stream 4800   encode and decode 4800 frames (10 min at 8 fps) in a stream

import Foundation
import ReelNumerics
import ReelVAE
import ReelSystem

// The machine's fp32 peak, measured (an FMA loop on every core), unless REEL_PEAK_GFLOPS names one.
let peakGFLOPS = Double(ProcessInfo.processInfo.environment["REEL_PEAK_GFLOPS"] ?? "") ?? MachinePeak.measure().gflops

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

/// The same network in PyTorch (as Scripts/make_vae_fixtures.py), random weights of
/// the given sizes; prints the best of 3 whole-clip encode+decode times in seconds.
func torchScript(_ c: VAEConfig, width: Int, height: Int, frames: Int) -> String {
    """
    import time, torch, torch.nn.functional as F
    torch.set_num_threads(2); torch.manual_seed(0)
    Z, C1, C2, MID, NB, ND = \(c.latentChannels), \(c.baseChannels), \(c.deepChannels), \(c.spatialFactor / 4), \(c.baseBlocks), \(c.deepBlocks)
    P = {}
    def conv(n, ci, co): P[n] = (torch.randn(co, ci, 3, 3, 3) * (ci * 27) ** -0.5, torch.zeros(co))
    conv("ei", 192, C1); [conv(f"eb{i}{j}", C1, C1) for i in range(NB) for j in (1, 2)]
    conv("em", C1 * MID * MID, C2); [conv(f"ed{i}{j}", C2, C2) for i in range(ND) for j in (1, 2)]
    conv("eo", C2, 2 * Z); conv("di", Z, C2); [conv(f"dd{i}{j}", C2, C2) for i in range(ND) for j in (1, 2)]
    conv("dm", C2, C1 * MID * MID); [conv(f"db{i}{j}", C1, C1) for i in range(NB) for j in (1, 2)]
    conv("do", C1, 192)
    def cc(x, n): return F.conv3d(F.pad(x, (1, 1, 1, 1, 2, 0)), *P[n])
    def fold(x, ft, f):
        b, c, t, h, w = x.shape
        return x.reshape(b, c, t // ft, ft, h // f, f, w // f, f).permute(0, 1, 3, 5, 7, 2, 4, 6).reshape(b, c * ft * f * f, t // ft, h // f, w // f)
    def unfold(x, ft, f):
        b, cc_, n, h, w = x.shape; c = cc_ // (ft * f * f)
        return x.reshape(b, c, ft, f, f, n, h, w).permute(0, 1, 5, 2, 6, 3, 7, 4).reshape(b, c, ft * n, h * f, w * f)
    def sc(x, out):
        b, c = x.shape[:2]
        if c == out: return x
        if c > out and c % out == 0: return x.reshape(b, out, c // out, *x.shape[2:]).mean(2)
        if out > c and out % c == 0: return x.repeat_interleave(out // c, dim=1)
    def ws(x, y):
        s = sc(x, y.shape[1]); return y if s is None else y + s
    def blk(x, n): return x + cc(F.silu(cc(F.silu(x), n + "1")), n + "2")
    def enc(x):
        f = x[:, :, :1]; h = fold(torch.cat([f, f, f, x], 2), 4, 4); h = ws(h, cc(h, "ei"))
        for i in range(NB): h = blk(h, f"eb{i}")
        if MID > 1: h = fold(h, 1, MID)
        h = ws(h, cc(F.silu(h), "em"))
        for i in range(ND): h = blk(h, f"ed{i}")
        m = cc(F.silu(h), "eo"); s = sc(h, Z)
        return m[:, :Z] if s is None else m[:, :Z] + s
    def dec(z):
        h = ws(z, cc(z, "di"))
        for i in range(ND): h = blk(h, f"dd{i}")
        h = ws(h, cc(F.silu(h), "dm"))
        if MID > 1: h = unfold(h, 1, MID)
        for i in range(NB): h = blk(h, f"db{i}")
        return unfold(ws(h, cc(F.silu(h), "do")), 4, 4)[:, :, 3:]
    x = torch.rand(1, 3, \(frames), \(height), \(width)) * 2 - 1
    best = 1e9
    with torch.no_grad():
        dec(enc(x))
        for _ in range(3):
            t = time.perf_counter(); dec(enc(x)); best = min(best, time.perf_counter() - t)
    print("%.6f" % best)
    """
}

/// Seconds PyTorch takes, or why there is no figure.
func runTorch(_ script: String, passive: Bool = false) -> Result<Double, TorchUnavailable> {
    if ProcessInfo.processInfo.environment["REEL_BENCH_SKIP_TORCH"] != nil { return .failure(.skipped) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script]
    var env = ProcessInfo.processInfo.environment
    if passive { env["OMP_WAIT_POLICY"] = "PASSIVE" }  // else PyTorch's defaults, the headline
    p.environment = env
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return .failure(.notInstalled) }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0, let v = Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
        return .failure(.failed)
    }
    return .success(v)
}

enum TorchUnavailable: Error, CustomStringConvertible {
    case skipped, notInstalled, failed
    var description: String {
        switch self {
        case .skipped: "PyTorch skipped (REEL_BENCH_SKIP_TORCH)"
        case .notInstalled: "python3 not found"
        case .failed: "PyTorch not installed or its script failed"
        }
    }
}

/// Best of 3 whole-clip encode+decode (no streaming) of a (1,3,T,H,W) clip, in seconds.
func wholeClip(_ vae: CausalVideoVAE, width: Int, height: Int, frames: Int) -> Double {
    var rng = Xoshiro256StarStar(seed: 1)
    let x = Tensor(randomUniform: [1, 3, frames, height, width], bound: 1, using: &rng)
    var best = Double.infinity
    for _ in 0..<4 {
        let start = Date()
        _ = GradMode.withoutGrad { vae.decode(vae.encode(x).mean) }
        best = min(best, Date().timeIntervalSince(start))
    }
    return best
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
    let (w, h, t) = (64, 64, 129)
    let reel = wholeClip(vae, width: w, height: h, frames: t)
    switch runTorch(torchScript(vae.config, width: w, height: h, frames: t)) {
    case .success(let torchSeconds):
        let reelAgain = min(reel, wholeClip(vae, width: w, height: h, frames: t))  // best of before and after PyTorch
        print(String(format: "whole clip %dx%d, %d frames, encode+decode: reel %.1f ms, PyTorch (CPU, 2 threads, defaults) %.1f ms, reel/PyTorch %.2fx",
                     w, h, t, reelAgain * 1e3, torchSeconds * 1e3, reelAgain / torchSeconds))
        if case .success(let passive) = runTorch(torchScript(vae.config, width: w, height: h, frames: t), passive: true) {
            print(String(format: "  PyTorch with OMP_WAIT_POLICY=PASSIVE: %.1f ms, reel/PyTorch %.2fx", passive * 1e3, reelAgain / passive))
        }
    case .failure(let why):
        print(String(format: "whole clip %dx%d, %d frames, encode+decode: reel %.1f ms; %@", w, h, t, reel * 1e3, why.description))
    }
}
