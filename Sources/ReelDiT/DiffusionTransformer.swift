// The diffusion transformer: a DiT over spacetime patch tokens of a latent video, with a
// noise level per latent frame, 3-D rotary positions, and cross-attention to text.
//
// Legend: B batch, F latent frames, N tokens per frame (gh x gw), T = F N tokens,
// D token values (latent channels x ph x pw), C width, L text tokens, Ct text width.
//
//   h      = inProj(x)                                          // (B,T,C)
//   c_f    = tEmbed(level_f) + textEmbed(pooled text of f's segment)   // (B,F,C): one condition per frame
//   block: (shift1, scale1, gate1, shift2, scale2, gate2) = adaLN(silu(c_f))  // each (B,F,C), broadcast to f's tokens
//          h = h + gate1 * SelfAttention(modulate(LN(h)), RoPE(t, h, w))
//          h = h + CrossAttention(LN_affine(h), text tokens, each frame's tokens see only their segment's text)
//          h = h + gate2 * MLP(modulate(LN(h)))
//   v      = outProj(modulate(LN(h), final adaLN(silu(c_f))))  // (B,T,D): the flow's velocity
//            (config.prediction .sample: that is x0, and v = (x_t - x0) / max(t_f, 0.05))
//
// adaLN-Zero: every adaLN, the cross-attention's output projection and outProj start at zero,
// so an untrained model is the identity on h and predicts v = 0 (x0 = 0 with .sample). A frame at level 0 is
// context: its tokens are read by every other frame's attention, and the loss skips them.
// Mirrored by Scripts/make_dit_fixtures.py (the PyTorch reference of a whole forward pass).

import Foundation
import ReelNumerics
import ReelSystem

/// One batch for the network. Every sample of a batch has the same latent geometry.
public struct DiTBatch {
    /// Noisy tokens (B,T,D), T = frames x gridH x gridW, in the model's normalized latent space.
    public var tokens: Tensor
    /// Noise level of every frame of every sample, B x F values in [0, 1].
    public var levels: [Float]
    public var frames: Int, gridH: Int, gridW: Int
    /// Text token states (B,L,Ct), padded; `textValid` (B x L) marks real tokens.
    public var text: Tensor
    public var textValid: [Bool]
    /// Which text segment each text token belongs to (B x L), and each frame's segment (B x F).
    public var textSegment: [Int32]
    public var frameSegment: [Int32]
    /// Pooled text of each frame's segment (B,F,Ct).
    public var pooled: Tensor

    public init(tokens: Tensor, levels: [Float], frames: Int, gridH: Int, gridW: Int, text: Tensor,
                textValid: [Bool], textSegment: [Int32], frameSegment: [Int32], pooled: Tensor) {
        self.tokens = tokens; self.levels = levels; self.frames = frames; self.gridH = gridH; self.gridW = gridW
        self.text = text; self.textValid = textValid; self.textSegment = textSegment
        self.frameSegment = frameSegment; self.pooled = pooled
    }

    public var batchSize: Int { tokens.shape[0] }
    public var tokensPerFrame: Int { gridH * gridW }
}

/// Sinusoidal features of a level in [0, 1] (scaled by 1000, as DiT's timestep embedding):
/// [cos(1000 t f_i), sin(1000 t f_i)], f_i = 10000^(-i / (dim/2)). levels (n) -> (n, dim).
public func timestepFeatures(_ levels: [Float], dim: Int) -> Tensor {
    let half = dim / 2
    let out = Tensor(uninitialized: [levels.count, dim])
    for (n, t) in levels.enumerated() {
        for i in 0..<half {
            let freq = Foundation.exp(-Foundation.log(10000.0) * Double(i) / Double(half))
            let a = Double(t) * 1000 * freq
            out.data[n * dim + i] = Float(Foundation.cos(a))
            out.data[n * dim + half + i] = Float(Foundation.sin(a))
        }
    }
    return out
}

/// A DiT block whose adaLN modulation comes per latent frame (one condition per frame, shared by its tokens).
public final class FrameConditionedBlock: Layer {
    public let width: Int
    public let norm1: LayerNorm
    public let attn: SelfAttention
    public let norm2: LayerNorm
    public let cross: CrossAttention
    public let norm3: LayerNorm
    public let mlp: FeedForward
    public let adaLN: Linear

    public init(width: Int, heads: Int, textWidth: Int, mlpRatio: Int, rng: inout Xoshiro256StarStar) {
        self.width = width
        norm1 = LayerNorm(width, eps: 1e-6, elementwiseAffine: false)
        attn = SelfAttention(width: width, heads: heads, rng: &rng)
        norm2 = LayerNorm(width, eps: 1e-6)
        cross = CrossAttention(width: width, contextWidth: textWidth, heads: heads, rng: &rng)
        norm3 = LayerNorm(width, eps: 1e-6, elementwiseAffine: false)
        mlp = FeedForward(width: width, hidden: mlpRatio * width, rng: &rng)
        adaLN = Linear(width, 6 * width, rng: &rng)
        zeroed(adaLN)
        zeroed(cross.proj)
    }

    /// x (B,T,C), condition (B,F,C), text (B,L,Ct) -> (B,T,C); T = F x perFrame.
    public func callAsFunction(_ x: Tensor, condition: Tensor, perFrame: Int, text: Tensor, rope: RotaryEmbedding3D,
                               crossMask: AttentionMask?) -> Tensor {
        let b = x.shape[0], t = x.shape[1], f = condition.shape[1], c = width
        let mod = chunk(adaLN(silu(condition)), 6, axis: 2).map { $0.reshaped([b, f, 1, c]) }  // 6 x (B,F,1,C)
        func framed(_ v: Tensor) -> Tensor { v.reshaped([b, f, perFrame, c]) }
        func flat(_ v: Tensor) -> Tensor { v.reshaped([b, t, c]) }
        var h = flat(framed(norm1(x)) * (mod[1] + 1) + mod[0])
        h = attn(h, rope: rope)
        var y = x + flat(framed(h) * mod[2])
        y = y + cross(norm2(y), context: text, mask: crossMask)
        h = mlp(flat(framed(norm3(y)) * (mod[4] + 1) + mod[3]))
        return y + flat(framed(h) * mod[5])
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        prefixed("attn", attn.namedParameters()) + prefixed("norm2", norm2.namedParameters()) +
            prefixed("cross", cross.namedParameters()) + prefixed("mlp", mlp.namedParameters()) +
            prefixed("adaLN", adaLN.namedParameters())
    }
}

func zeroed(_ l: Linear) {
    l.weight.data.update(repeating: 0, count: l.weight.count)
    if let b = l.bias { b.data.update(repeating: 0, count: b.count) }
}

public final class DiffusionTransformer: Layer {
    public let config: DiTConfig
    public static let frequencyDim = 256
    public let inProj: Linear
    public let timeFC1: Linear, timeFC2: Linear
    public let textFC1: Linear, textFC2: Linear
    public let blocks: [FrameConditionedBlock]
    public let finalNorm: LayerNorm
    public let finalAdaLN: Linear
    public let outProj: Linear

    public init(config: DiTConfig, seed: UInt64) throws(DiTError) {
        try config.validate()
        self.config = config
        var rng = Xoshiro256StarStar(seed: seed)
        let c = config.width
        inProj = Linear(config.tokenDim, c, rng: &rng)
        timeFC1 = Linear(Self.frequencyDim, c, rng: &rng)
        timeFC2 = Linear(c, c, rng: &rng)
        textFC1 = Linear(config.textWidth, c, rng: &rng)
        textFC2 = Linear(c, c, rng: &rng)
        blocks = (0..<config.depth).map { _ in
            FrameConditionedBlock(width: c, heads: config.heads, textWidth: config.textWidth, mlpRatio: config.mlpRatio, rng: &rng)
        }
        finalNorm = LayerNorm(c, eps: 1e-6, elementwiseAffine: false)
        finalAdaLN = Linear(c, 2 * c, rng: &rng)
        outProj = Linear(c, config.tokenDim, rng: &rng)
        zeroed(finalAdaLN)
        zeroed(outProj)
    }

    /// Rotary positions of a frames x gridH x gridW token grid (t slowest, as reel-patchify orders tokens).
    public func rope(frames: Int, gridH: Int, gridW: Int) -> RotaryEmbedding3D {
        RotaryEmbedding3D(headDim: config.headDim, axisDims: (config.ropeT, config.ropeH, config.ropeW),
                          positions: RotaryEmbedding3D.gridPositions(frames: frames, height: gridH, width: gridW))
    }

    /// The per-frame condition (B,F,C).
    func condition(_ batch: DiTBatch) -> Tensor {
        let b = batch.batchSize, f = batch.frames, c = config.width
        let te = timeFC2(silu(timeFC1(timestepFeatures(batch.levels, dim: Self.frequencyDim))))  // (B*F,C)
        let pe = textFC2(silu(textFC1(batch.pooled.reshaped([b * f, config.textWidth]))))     // (B*F,C)
        return (te + pe).reshaped([b, f, c])
    }

    /// The predicted velocity (B,T,D) of a batch.
    public func callAsFunction(_ batch: DiTBatch, rope precomputed: RotaryEmbedding3D? = nil) -> Tensor {
        let b = batch.batchSize, f = batch.frames, n = batch.tokensPerFrame, c = config.width
        let rope = precomputed ?? rope(frames: f, gridH: batch.gridH, gridW: batch.gridW)
        let cond = condition(batch)
        // Each video token sees only its frame's segment; padding text tokens are never seen.
        var querySegment = [Int32](repeating: 0, count: b * f * n)
        for s in 0..<b { for fi in 0..<f { for i in 0..<n { querySegment[(s * f + fi) * n + i] = batch.frameSegment[s * f + fi] } } }
        let mask = AttentionMask(keyValid: batch.textValid, querySegment: querySegment, keySegment: batch.textSegment)
        var h = inProj(batch.tokens)  // (B,T,C)
        for block in blocks {
            h = block(h, condition: cond, perFrame: n, text: batch.text, rope: rope, crossMask: mask)
        }
        let mod = chunk(finalAdaLN(silu(cond)), 2, axis: 2).map { $0.reshaped([b, f, 1, c]) }
        let y = (finalNorm(h).reshaped([b, f, n, c]) * (mod[1] + 1) + mod[0]).reshaped([b, f * n, c])
        let out = outProj(y)  // (B,T,D)
        guard config.prediction == .sample else { return out }
        // x0 prediction: v = (x_t - x0) / max(t_f, minimum), each token by its frame's level.
        let inv = Tensor(uninitialized: [b, f * n, 1])
        for s in 0..<b { for fi in 0..<f {
            let r = 1 / max(batch.levels[s * f + fi], DiTPrediction.minimumLevel)
            for i in 0..<n { inv.data[(s * f + fi) * n + i] = r }
        } }
        return (batch.tokens - out) * inv
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        var out = prefixed("in_proj", inProj.namedParameters())
        out += prefixed("time.fc1", timeFC1.namedParameters()) + prefixed("time.fc2", timeFC2.namedParameters())
        out += prefixed("text.fc1", textFC1.namedParameters()) + prefixed("text.fc2", textFC2.namedParameters())
        for (i, blk) in blocks.enumerated() { out += prefixed("blocks.\(i)", blk.namedParameters()) }
        out += prefixed("final.adaLN", finalAdaLN.namedParameters()) + prefixed("out_proj", outProj.namedParameters())
        return out
    }

    /// Copies every weight of `source` into `target`, of the same architecture or one that is deeper:
    /// the blocks `source` lacks keep their initial weights, which make each of them the identity
    /// (adaLN-Zero), so the grown model computes exactly what `source` does.
    public static func copyWeights(from source: DiffusionTransformer, into target: DiffusionTransformer) throws(DiTError) {
        let from = Dictionary(uniqueKeysWithValues: source.namedParameters().map { ($0.name, $0.tensor) })
        for (name, t) in target.namedParameters() {
            guard let f = from[name] else {
                if let block = Int(name.split(separator: ".").dropFirst().first ?? ""), name.hasPrefix("blocks."),
                   block >= source.config.depth { continue }
                throw DiTError.badWeights("--init: tensor \"\(name)\" is missing")
            }
            guard f.count == t.count else { throw DiTError.badWeights("--init: tensor \"\(name)\" has \(f.count) values, expected \(t.count)") }
            for i in 0..<t.count { t.data[i] = f.data[i] }
        }
    }

    /// Multiply-adds of one forward pass of one sample over `tokens` tokens in `frames` frames with
    /// `textTokens` text tokens: projections, MLP, attention products (elementwise work left out).
    public func multiplyAdds(tokens t: Int, frames f: Int, textTokens l: Int) -> Int {
        let c = config.width, d = config.tokenDim, hid = config.mlpRatio * c
        var perBlock = t * (3 * c * c + c * c)        // self-attention qkv and output projections
        perBlock += t * (c * c + c * c) + l * config.textWidth * 2 * c  // cross-attention q, output; k and v
        perBlock += t * 2 * c * hid                    // MLP
        perBlock += 2 * t * t * c + 2 * t * l * c       // attention scores and weighted sums
        perBlock += f * c * 6 * c                      // adaLN, per frame
        let embed = f * (DiffusionTransformer.frequencyDim * c + c * c + config.textWidth * c + c * c)
        return config.depth * perBlock + 2 * t * d * c + f * c * 2 * c + embed
    }
}
