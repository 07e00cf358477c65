// bench-dit: the shipped diffusion transformer's size (width 192, 6 blocks, 1x2x2 patches)
// on a 64x64, 17-frame clip (5 latent frames, 320 tokens): forward (one sampling pass, batch 2
// for guidance) and a training step's forward + backward (batch 12, ~3840 tokens), as time and
// GFLOP/s. Compare with Scripts/bench_dit_torch.py (the same model in PyTorch) in the same run.
// Never part of the tests.

import Foundation
import ReelDiT
import ReelNumerics
import ReelSystem

let cfg = DiTConfig()
let model = try DiffusionTransformer(config: cfg, seed: 1)
var rng = Xoshiro256StarStar(seed: 2)
for (_, t) in model.namedParameters() { for i in 0..<t.count where t.data[i] == 0 { t.data[i] = (rng.nextFloat() - 0.5) * 0.02 } }
let frames = 5, gh = 8, gw = 8, n = frames * gh * gw, l = 40

@MainActor func batch(_ b: Int) -> DiTBatch {
    let text = textCondition(l)
    let t = textInputs(Array(repeating: [text], count: b), null: textCondition(2), frames: frames, width: cfg.textWidth)
    return DiTBatch(tokens: Tensor(randomNormal: [b, n, cfg.tokenDim], using: &rng), levels: (0..<(b * frames)).map { _ in rng.nextFloat() },
                    frames: frames, gridH: gh, gridW: gw, text: t.text, textValid: t.valid, textSegment: t.textSegment,
                    frameSegment: t.frameSegment, pooled: t.pooled)
}
@MainActor func textCondition(_ count: Int) -> TextCondition {
    TextCondition(tokenStates: (0..<(count * cfg.textWidth)).map { _ in rng.nextNormal() }, tokenCount: count,
                  pooled: (0..<cfg.textWidth).map { _ in rng.nextNormal() }, frames: 0..<frames)
}
func time(_ label: String, repeats: Int, flops: Double, _ body: () -> Void) {
    body()  // warm-up
    var best = Double.infinity
    for _ in 0..<repeats {
        let t0 = Date()
        body()
        best = min(best, Date().timeIntervalSince(t0))
    }
    print(String(format: "%@: %.2f ms (best of %d), %.1f GFLOP/s", label, best * 1000, repeats, flops / best / 1e9))
}
print("bench-dit: \(Gemm.backend), \(Parallel.threads) threads; model \(model.parameterCount) parameters, \(n) tokens per clip")
let sampling = batch(2)
let fwdFlops = 2.0 * Double(model.multiplyAdds(tokens: n, frames: frames, textTokens: l + 2)) * 2
time("sampling pass (batch 2: text + empty text)", repeats: 10, flops: fwdFlops) {
    _ = GradMode.withoutGrad { model(sampling) }
}
let training = batch(12)
let refs = model.parameters()
time("training step forward+backward (batch 12)", repeats: 5, flops: 3 * fwdFlops * 6) {
    for p in refs { p.zeroGrad() }
    let out = model(training)
    mean(out * out).backward()
}
