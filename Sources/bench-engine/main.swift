// bench-engine: speed of the neural engine (run by `make bench`; never part of the tests).
//
// Prints GEMM GFLOP/s beside the machine's fp32 peak, and the default model's
// transformer block (320 tokens, width 192, 6 heads, MLP x4, adaLN, cross-attention
// to 16 text tokens of width 384) forward and forward+backward times beside PyTorch
// on the CPU with 2 threads on the same shapes (when `import torch` works).
//
// Environment: REEL_PEAK_GFLOPS overrides the peak used for ratios (default: measured);
// REEL_BENCH_SKIP_TORCH=1 skips PyTorch and REEL_BENCH_SKIP_GEMM=1 the GEMM table
// (for profiling reel's block alone); REEL_BENCH_BLOCK_ONLY=1 also skips the kernel,
// convolution and attention figures.
// PyTorch runs twice: at its default settings (the headline ratio) and with
// OMP_WAIT_POLICY=PASSIVE (its spinning OpenMP workers collapse when the other core is busy;
// on an idle machine PASSIVE made it 2.2-2.5x slower): both are printed.

import Foundation
import ReelNumerics
import ReelDiT
import ReelSystem

// The peak every ratio is a share of: measured here (an FMA loop on every core), unless
// REEL_PEAK_GFLOPS names one.
let measuredPeak = MachinePeak.measure()
let peak = Double(ProcessInfo.processInfo.environment["REEL_PEAK_GFLOPS"] ?? "") ?? measuredPeak.gflops

/// Best (minimum) seconds of `body` over enough repetitions to run ~`budget` seconds, after
/// a warm-up run. The minimum, not the median: the cores are shared with other work, and
/// the fastest run is the one least disturbed by it. PyTorch is timed the same way.
func timeBest(budget: Double = 1.5, minRuns: Int = 5, _ body: () -> Void) -> Double {
    body()
    var times: [Double] = []
    let start = DispatchTime.now().uptimeNanoseconds
    while times.count < minRuns || (Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 < budget && times.count < 1000) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
    }
    times.sort()
    return times[0]
}

print("bench-engine: \(Engine.description)")
print("CPU AVX-512: \(Gemm.cpuHasAVX512 ? "yes" : "no"); measured fp32 peak (\(measuredPeak.vectorBits)-bit FMA loop on \(ProcessInfo.processInfo.activeProcessorCount) cores): \(Int(measuredPeak.gflops)) GFLOP/s; peak used for ratios: \(Int(peak)) GFLOP/s")
if let w = Gemm.coretypeWarning { print("warning: \(w)") }
print("")
print("GEMM (C = A B, row-major, fp32)            GFLOP/s   of peak")
var rng = Xoshiro256StarStar(seed: 1)
let blockOnly = ProcessInfo.processInfo.environment["REEL_BENCH_BLOCK_ONLY"] != nil
let gemmShapes = ProcessInfo.processInfo.environment["REEL_BENCH_SKIP_GEMM"] != nil || blockOnly ? []
    : [(1024, 1024, 1024), (320, 192, 576), (320, 192, 768), (320, 768, 192)]
for (m, k, n) in gemmShapes {
    let a = Tensor(randomNormal: [m, k], using: &rng), b = Tensor(randomNormal: [k, n], using: &rng)
    let c = Tensor(zeros: [m, n])
    let s = timeBest(budget: m == 1024 ? 2 : 1) {
        Gemm.sgemm(m: m, n: n, k: k, a: a.data, lda: k, b: b.data, ldb: n, c: c.data, ldc: n)
    }
    let gflops = 2 * Double(m * n * k) / s * 1e-9
    print(String(format: "  %4d x %4d x %4d (M x K x N)           %7.1f   %5.1f%%", m, k, n, gflops, 100 * gflops / peak))
}

// Elementwise kernels: ReelKernels' clone for this CPU vs the same polynomial GELU written
// as a Swift loop, which Swift compiles for baseline x86-64 (SSE2, 4 lanes at best).
@inline(__always) func polynomialExp(_ x: Float) -> Float {
    let xc = min(max(x, -87.3), 88.3)
    let t = xc * 1.44269504088896341
    let n = Float(Int32(t + (t >= 0 ? 0.5 : -0.5)))
    let r = (xc - n * 0.693145751953125) - n * 1.428606765330187e-06
    var p: Float = 1.9875691500e-4
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * r * r + r + 1
    return x < -87.3 ? 0 : p * Float(bitPattern: UInt32(bitPattern: (Int32(n) + 127) << 23))
}
if !blockOnly {
    let n = 1 << 20
    let xs = Tensor(randomNormal: [n], using: &rng), ys = Tensor(zeros: [n])
    let kernel = timeBest(budget: 0.5) { GradMode.withoutGrad { _ = gelu(xs, approximation: .tanh) } }
    let px = xs.data, py = ys.data
    let plain = timeBest(budget: 0.5) {
        for i in 0..<n {
            let v = px[i]
            let u = 2 * 0.7978845608 * (v + 0.044715 * v * v * v)
            py[i] = 0.5 * v * (1 + (2 / (1 + polynomialExp(-u)) - 1))
        }
    }
    let rows = Tensor(randomNormal: [4096, 256], using: &rng)
    let ln = timeBest(budget: 0.5) { GradMode.withoutGrad { _ = layerNorm(rows, weight: nil, bias: nil) } }
    let sm = timeBest(budget: 0.5) { GradMode.withoutGrad { _ = softmax(rows) } }
    print("")
    print("Elementwise kernels (\(Gemm.kernelVectorBits)-bit clone, \(Parallel.threads) threads), 1M floats:")
    print(String(format: "  GELU(tanh)  %6.2f Gelem/s   same math as a Swift loop, 1 core %6.2f Gelem/s   ratio %.1fx",
                 Double(n) / kernel * 1e-9, Double(n) / plain * 1e-9, plain / kernel))
    print(String(format: "  LayerNorm   %6.2f Gelem/s   softmax %6.2f Gelem/s (rows of 256)",
                 Double(n) / ln * 1e-9, Double(n) / sm * 1e-9))
}

// A video VAE convolution: causal 3x3x3, 64 -> 64 channels, 8 frames of 32x32.
if !blockOnly {
    let conv = Conv3d(causal: 64, 64, kernel: (3, 3, 3), rng: &rng)
    let xc = Tensor(randomNormal: [1, 64, 8, 32, 32], using: &rng, requiresGrad: true)
    let flops = 2.0 * 64 * 64 * 27 * 8 * 32 * 32
    let f = timeBest(budget: 1) { GradMode.withoutGrad { _ = conv(xc) } }
    let fb = timeBest(budget: 1) {
        conv.zeroGrad()
        xc.zeroGrad()
        sum(conv(xc)).backward()
    }
    print("")
    print("CausalConv3d 64->64, 3x3x3, x (1,64,8,32,32) (im2col + sgemm):")
    print(String(format: "  forward %7.2f ms (%5.1f GFLOP/s)   forward+backward %7.2f ms (%5.1f GFLOP/s)",
                 f * 1e3, flops / f * 1e-9, fb * 1e3, 3 * flops / fb * 1e-9))
}

// Fused attention alone: the block's self-attention (320 tokens, 6 heads of 32).
if !blockOnly {
    let q = Tensor(randomNormal: [1, 320, 192], using: &rng, requiresGrad: true)
    let k = Tensor(randomNormal: [1, 320, 192], using: &rng, requiresGrad: true)
    let v = Tensor(randomNormal: [1, 320, 192], using: &rng, requiresGrad: true)
    let flops = 4.0 * 320 * 320 * 192
    let f = timeBest(budget: 1) { GradMode.withoutGrad { _ = scaledDotProductAttention(query: q, key: k, value: v, heads: 6) } }
    let fb = timeBest(budget: 1) {
        sum(scaledDotProductAttention(query: q, key: k, value: v, heads: 6)).backward()
    }
    print("")
    print("Fused attention, 320 tokens, 6 heads of 32:")
    print(String(format: "  forward %6.3f ms (%5.1f GFLOP/s)   forward+backward %6.3f ms (%5.1f GFLOP/s)",
                 f * 1e3, flops / f * 1e-9, fb * 1e3, 3.5 * flops / fb * 1e-9))
}

// The default model's block.
let (batch, frames, height, width) = (1, 5, 8, 8)
let tokens = frames * height * width  // 320
let (c, heads, textTokens, textWidth) = (192, 6, 16, 384)
let block = DiTBlock(width: c, heads: heads, contextWidth: textWidth, conditionWidth: c, rng: &rng)
let rope = RotaryEmbedding3D(headDim: c / heads, axisDims: (8, 12, 12),
                             positions: RotaryEmbedding3D.gridPositions(frames: frames, height: height, width: width))
let x = Tensor(randomNormal: [batch, tokens, c], using: &rng)
let cond = Tensor(randomNormal: [batch, c], using: &rng)
let text = Tensor(randomNormal: [batch, textTokens, textWidth], using: &rng)
// 2 caption segments; frames 0-2 see segment 0, frames 3-4 segment 1; the last 3 text tokens are padding.
let crossMask = AttentionMask(keyValid: (0..<textTokens).map { $0 < 13 },
                              querySegment: (0..<tokens).map { Int32($0 / (height * width) < 3 ? 0 : 1) },
                              keySegment: (0..<textTokens).map { Int32($0 < 8 ? 0 : 1) })

let xg = Tensor(randomNormal: [batch, tokens, c], using: &rng, requiresGrad: true)
let seed = Tensor(randomNormal: [batch, tokens, c], using: &rng)
@MainActor func measureBlock() -> (forward: Double, forwardBackward: Double) {
    let fwd = timeBest {
        GradMode.withoutGrad { _ = block(x, condition: cond, context: text, rope: rope, crossMask: crossMask) }
    }
    let fwdBwd = timeBest {
        block.zeroGrad()
        let y = block(xg, condition: cond, context: text, rope: rope, crossMask: crossMask)
        y.backward(seed: seed)
    }
    return (fwd, fwdBwd)
}
let first = measureBlock()

print("")
print("DiT block: \(tokens) tokens, width \(c), \(heads) heads, MLP x4, adaLN, cross-attention to \(textTokens) x \(textWidth)")

let torchScript = #"""
import time, math, torch, torch.nn.functional as F
torch.set_num_threads(2)
torch.manual_seed(0)
T, C, H, L, CT = 320, 192, 6, 16, 384
D = C // H
def lin(o, i): return torch.nn.Linear(i, o)
m = torch.nn.ModuleDict(dict(qkv=lin(3*C, C), proj=lin(C, C), q=lin(C, C), kv=lin(2*C, CT), cproj=lin(C, C),
    fc1=lin(4*C, C), fc2=lin(C, 4*C), ada=lin(6*C, C), norm2=torch.nn.LayerNorm(C, eps=1e-6)))
pos = torch.tensor([[t, h, w] for t in range(5) for h in range(8) for w in range(8)], dtype=torch.float32)
ang = torch.cat([pos[:, a:a+1] * 10000 ** (-2 * torch.arange(d // 2) / d) for a, d in enumerate((8, 12, 12))], 1)
cos, sin = ang.cos()[None, :, None, :], ang.sin()[None, :, None, :]
def rope(x):
    xr = x.view(1, T, H, D // 2, 2); x0, x1 = xr[..., 0], xr[..., 1]
    return torch.stack([x0 * cos - x1 * sin, x0 * sin + x1 * cos], -1).reshape(1, T, C)
qseg = torch.tensor([0 if t // 64 < 3 else 1 for t in range(T)]); kseg = torch.tensor([0 if j < 8 else 1 for j in range(L)])
mask = ((qseg[:, None] == kseg[None, :]) & (torch.arange(L) < 13)[None, :])[None, None]
def attn(q, k, v, tk, mask=None):
    q, k, v = (t.view(1, -1, H, D).transpose(1, 2) for t in (q, k, v))
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask).transpose(1, 2).reshape(1, -1, C)
def block(x, c, ctx):
    s1, sc1, g1, s2, sc2, g2 = m["ada"](F.silu(c)).chunk(6, 1)
    h = F.layer_norm(x, (C,), eps=1e-6) * (1 + sc1[:, None]) + s1[:, None]
    q, k, v = m["qkv"](h).split(C, -1)
    x = x + g1[:, None] * m["proj"](attn(rope(q), rope(k), v, T))
    k, v = m["kv"](ctx).split(C, -1)
    x = x + m["cproj"](attn(m["q"](m["norm2"](x)), k, v, L, mask))
    h = F.layer_norm(x, (C,), eps=1e-6) * (1 + sc2[:, None]) + s2[:, None]
    return x + g2[:, None] * m["fc2"](F.gelu(m["fc1"](h), approximate="tanh"))
x = torch.randn(1, T, C); c = torch.randn(1, C); ctx = torch.randn(1, L, CT)
def best(f, budget=1.5):
    f(); ts = []; t0 = time.perf_counter()
    while len(ts) < 5 or (time.perf_counter() - t0 < budget and len(ts) < 1000):
        a = time.perf_counter(); f(); ts.append(time.perf_counter() - a)
    return min(ts)
with torch.no_grad():
    fwd = best(lambda: block(x, c, ctx))
xg = x.clone().requires_grad_(True); g = torch.randn(1, T, C)
def fb():
    m.zero_grad(set_to_none=False); xg.grad = None
    block(xg, c, ctx).backward(g)
print("%.6f %.6f" % (fwd, best(fb)))
"""#

enum TorchTiming {
    case measured(forward: Double, forwardBackward: Double)
    case notInstalled, failed, skipped
}

func runTorch(passive: Bool) -> TorchTiming {
    func run(_ args: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + args
        var env = ProcessInfo.processInfo.environment
        if passive { env["OMP_WAIT_POLICY"] = "PASSIVE" }
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }
    if ProcessInfo.processInfo.environment["REEL_BENCH_SKIP_TORCH"] != nil { return .skipped }
    guard run(["-c", "import torch"]) != nil else { return .notInstalled }
    guard let line = run(["-c", torchScript]) else { return .failed }
    let v = line.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Double($0) }
    return v.count == 2 ? .measured(forward: v[0], forwardBackward: v[1]) : .failed
}

let torch = runTorch(passive: false)
let torchPassive: TorchTiming = { if case .measured = torch { return runTorch(passive: true) } else { return torch } }()
// reel is timed before and after PyTorch and keeps its best, so a change in the
// machine's load during the run does not favour either side.
var second = first
if case .measured = torch { second = measureBlock() }
let fwd = min(first.forward, second.forward), fwdBwd = min(first.forwardBackward, second.forwardBackward)
func padded(_ s: String) -> String { s + String(repeating: " ", count: max(0, 17 - s.count)) }
func row(_ label: String, _ reel: Double, _ torchSeconds: Double?, passive: Double? = nil) {
    if let torchSeconds {
        let p = passive.map { String(format: "   (PyTorch with OMP_WAIT_POLICY=PASSIVE %.2f ms: %.2fx)", $0 * 1e3, reel / $0) } ?? ""
        print(String(format: "  %@ reel %7.2f ms   PyTorch (CPU, 2 threads, defaults) %7.2f ms   reel/PyTorch %.2fx%@",
                     padded(label), reel * 1e3, torchSeconds * 1e3, reel / torchSeconds, p))
        return
    }
    let why: String
    switch torch {
    case .failed: why = "PyTorch is installed but its benchmark script failed"
    case .skipped: why = "PyTorch skipped (REEL_BENCH_SKIP_TORCH)"
    default: why = "PyTorch not installed"
    }
    print(String(format: "  %@ reel %7.2f ms   %@", padded(label), reel * 1e3, why))
}
if case let .measured(torchForward, torchForwardBackward) = torch {
    var pf: Double?, pfb: Double?
    if case let .measured(a, b) = torchPassive { pf = a; pfb = b }
    row("forward", fwd, torchForward, passive: pf)
    row("forward+backward", fwdBwd, torchForwardBackward, passive: pfb)
} else {
    row("forward", fwd, nil)
    row("forward+backward", fwdBwd, nil)
}
