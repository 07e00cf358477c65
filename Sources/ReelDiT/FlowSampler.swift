// Sampling the rectified flow with a noise level per latent frame.
//
// Training pairs x_t = (1 - t) x_0 + t e with the velocity v = e - x_0; the network predicts v.
// The sampler walks a global schedule 1 = t_0 > t_1 > ... > t_S = 0 (shifted:
// t' = s t / (1 + (s - 1) t), s the config's timestepShift). Frame f, given at level s_f
// (0 keep, 1 generate, between: remix strength), starts at (1 - s_f) x_0 + s_f e and is at
// level min(t_k, s_f) at step k, so it is only moved once the schedule reaches its level:
// x_f += (min(t_{k+1}, s_f) - min(t_k, s_f)) v_f (Euler). Level-0 frames never move and come
// out as given, bit for bit. Classifier-free guidance: v = v_null + g (v_text - v_null), the
// two passes in one batch.
//
// Legend: F latent frames, N tokens per frame, T = F N, D token values, L text tokens.

import Foundation
import ReelNumerics

/// A text segment as the model reads it: token states (L x Ct), pooled vector (Ct), and the
/// latent frames it covers.
public struct TextCondition: Sendable {
    public var tokenStates: [Float]
    public var tokenCount: Int
    public var pooled: [Float]
    public var frames: Range<Int>

    public init(tokenStates: [Float], tokenCount: Int, pooled: [Float], frames: Range<Int>) {
        self.tokenStates = tokenStates; self.tokenCount = tokenCount; self.pooled = pooled; self.frames = frames
    }
}

/// Builds the text part of a DiTBatch for samples each given as segments (frames no segment
/// covers read `null`, the encoding of the empty text). Returns (text, valid, textSegment,
/// frameSegment, pooled).
public func textInputs(_ samples: [[TextCondition]], null: TextCondition, frames f: Int, width ct: Int)
    -> (text: Tensor, valid: [Bool], textSegment: [Int32], frameSegment: [Int32], pooled: Tensor) {
    let b = samples.count
    // Each sample's context: its segments, then the null text (segment id = index; null last).
    let lengths = samples.map { $0.reduce(0) { $0 + $1.tokenCount } + null.tokenCount }
    let l = max(1, lengths.max() ?? 1)
    let text = Tensor(zeros: [b, l, ct])
    var valid = [Bool](repeating: false, count: b * l)
    var textSegment = [Int32](repeating: -1, count: b * l)
    var frameSegment = [Int32](repeating: 0, count: b * f)
    let pooled = Tensor(uninitialized: [b, f, ct])
    for (s, segs) in samples.enumerated() {
        var row = 0
        for (k, seg) in (segs + [null]).enumerated() {
            for i in 0..<seg.tokenCount {
                seg.tokenStates.withUnsafeBufferPointer { src in
                    (text.data + (s * l + row) * ct).update(from: src.baseAddress! + i * ct, count: ct)
                }
                valid[s * l + row] = true
                textSegment[s * l + row] = Int32(k)
                row += 1
            }
        }
        for fi in 0..<f {
            let k = segs.firstIndex { $0.frames.contains(fi) } ?? segs.count
            frameSegment[s * f + fi] = Int32(k)
            let p = k < segs.count ? segs[k].pooled : null.pooled
            p.withUnsafeBufferPointer { (pooled.data + (s * f + fi) * ct).update(from: $0.baseAddress!, count: ct) }
        }
    }
    return (text, valid, textSegment, frameSegment, pooled)
}

public struct FlowSampler {
    public let model: DiffusionTransformer
    public var steps: Int
    public var guidance: Float
    public var shift: Float
    /// Guidance applies at levels at or below this one; above it the text-conditioned velocity alone.
    public var guidanceBelow: Float

    public init(model: DiffusionTransformer, steps: Int, guidance: Float, shift: Float? = nil, guidanceBelow: Float? = nil) {
        self.model = model; self.steps = steps; self.guidance = guidance; self.shift = shift ?? model.config.timestepShift
        self.guidanceBelow = guidanceBelow ?? model.config.defaultGuidanceBelow ?? 1
    }

    /// The global schedule t_0 = 1 > ... > t_steps = 0.
    public func schedule() -> [Float] {
        (0...steps).map { k in
            let u = 1 - Float(k) / Float(steps)
            return shift * u / (1 + (shift - 1) * u)
        }
    }

    /// The starting state: (1 - s_f) x0_f + s_f e_f per frame. x0 and noise (T x D), levels (F).
    public static func initialState(clean x0: [Float], noise: [Float], levels: [Float], tokensPerFrame n: Int, dim d: Int) -> [Float] {
        var x = x0
        for (f, s) in levels.enumerated() where s > 0 {
            for i in (f * n * d)..<((f + 1) * n * d) { x[i] = (1 - s) * x0[i] + s * noise[i] }
        }
        return x
    }

    /// The first step k whose schedule level t_k is at or below `level` (stopping there leaves
    /// every generated frame at min(t_k, its level)); `steps` when none is.
    public func stopIndex(atLevel level: Float) -> Int {
        schedule().firstIndex { $0 <= level } ?? steps
    }

    /// Runs steps `from..<to` of the schedule on state x (T x D) whose frames were given at
    /// `levels`; `progress(k)` after each step. x holds normalized latent tokens, or with
    /// `rawUnits` the latent values themselves (token order, as reel-patchify writes them): the
    /// sampler then normalizes the model's input and scales its steps back every step, so that a
    /// state written to a stream as f32 and read back continues bit for bit.
    public func run(_ x: inout [Float], levels: [Float], gridH: Int, gridW: Int, text: [TextCondition],
                    null: TextCondition, from: Int = 0, to: Int? = nil, rawUnits: Bool = false,
                    estimateEvery: Int = 0, estimate: (Int, [Float]) -> Void = { _, _ in },
                    progress: (Int) -> Void = { _ in }) {
        let f = levels.count, n = gridH * gridW, d = model.config.tokenDim, ct = model.config.textWidth
        let cfg = model.config, pp = cfg.patchHeight * cfg.patchWidth
        let scale: [Float] = (0..<d).map { rawUnits ? cfg.latentScale[$0 / pp] : 1 }
        let offset: [Float] = (0..<d).map { rawUnits ? cfg.latentShift[$0 / pp] : 0 }
        let ts = schedule()
        let end = min(to ?? steps, steps)
        let rope = model.rope(frames: f, gridH: gridH, gridW: gridW)
        let guided = guidance != 1
        let samples: [[TextCondition]] = guided ? [text, []] : [text]
        let t = textInputs(samples, null: null, frames: f, width: ct)
        guard from < end else { return }
        for k in from..<end {
            let now = levels.map { min(ts[k], $0) }, next = levels.map { min(ts[k + 1], $0) }
            if now == next { progress(k + 1); continue }
            let b = samples.count
            let tokens = Tensor(uninitialized: [b, f * n, d])
            if rawUnits {
                for i in 0..<(f * n * d) { tokens.data[i] = (x[i] - offset[i % d]) / scale[i % d] }
                for s in 1..<max(b, 1) { (tokens.data + s * f * n * d).update(from: tokens.data, count: f * n * d) }
            } else {
                for s in 0..<b { x.withUnsafeBufferPointer { (tokens.data + s * f * n * d).update(from: $0.baseAddress!, count: f * n * d) } }
            }
            let batch = DiTBatch(tokens: tokens, levels: Array((0..<b).map { _ in now }.joined()), frames: f, gridH: gridH,
                                 gridW: gridW, text: t.text, textValid: t.valid, textSegment: t.textSegment,
                                 frameSegment: t.frameSegment, pooled: t.pooled)
            let v = GradMode.withoutGrad { model(batch, rope: rope) }  // (b,T,D)
            let guidance = ts[k] <= guidanceBelow ? self.guidance : 1
            let pv = v.data
            // The clean estimate x0 = x_t - t v, in x's units (a preview), before x moves.
            if estimateEvery > 0 && ((k + 1) % estimateEvery == 0 || k + 1 == end) {
                var x0 = x
                for fi in 0..<f where now[fi] > 0 {
                    for i in (fi * n * d)..<((fi + 1) * n * d) {
                        let vel = guided ? pv[f * n * d + i] + guidance * (pv[i] - pv[f * n * d + i]) : pv[i]
                        x0[i] -= now[fi] * vel * scale[i % d]
                    }
                }
                estimate(k + 1, x0)
            }
            for fi in 0..<f where next[fi] != now[fi] {
                let dt = next[fi] - now[fi]
                for i in (fi * n * d)..<((fi + 1) * n * d) {
                    let vel = guided ? pv[f * n * d + i] + guidance * (pv[i] - pv[f * n * d + i]) : pv[i]
                    x[i] += rawUnits ? dt * vel * scale[i % d] : dt * vel
                }
            }
            progress(k + 1)
        }
    }
}
