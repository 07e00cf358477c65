// The DiT-style transformer block: one block of the engine's layers with adaLN-Zero
// conditioning (the model's own FrameConditionedBlock is in DiffusionTransformer.swift).
//
// Legend: B batch, T video tokens, L text tokens, C width, Cc conditioning width,
// Ct text width, H heads, D = C/H.
//
// DiTBlock (adaLN-Zero style, PixArt-like cross-attention; mirrored exactly by
// Scripts/torch_reference.py):
//   (shift1, scale1, gate1, shift2, scale2, gate2) = adaLN(silu(c))  // each (B,C)
//   x = x + gate1 * SelfAttention(modulate(LN(x), shift1, scale1), RoPE 3-D, selfMask)
//   x = x + CrossAttention(LN_affine(x), text, crossMask)
//   x = x + gate2 * MLP(modulate(LN(x), shift2, scale2))       // MLP: C -> 4C, GELU(tanh) -> C
// LayerNorms use eps 1e-6.

import ReelNumerics
import ReelSystem

/// The DiT-style block described at the top of this file.
public final class DiTBlock: Layer {
    public let width: Int
    public let heads: Int
    public let norm1: LayerNorm
    public let attn: SelfAttention
    public let norm2: LayerNorm
    public let cross: CrossAttention
    public let norm3: LayerNorm
    public let mlp: FeedForward
    public let adaLN: Linear

    public init(width: Int, heads: Int, contextWidth: Int, conditionWidth: Int, mlpRatio: Int = 4,
                rng: inout Xoshiro256StarStar) {
        self.width = width
        self.heads = heads
        norm1 = LayerNorm(width, eps: 1e-6, elementwiseAffine: false)
        attn = SelfAttention(width: width, heads: heads, rng: &rng)
        norm2 = LayerNorm(width, eps: 1e-6)
        cross = CrossAttention(width: width, contextWidth: contextWidth, heads: heads, rng: &rng)
        norm3 = LayerNorm(width, eps: 1e-6, elementwiseAffine: false)
        mlp = FeedForward(width: width, hidden: mlpRatio * width, rng: &rng)
        adaLN = Linear(conditionWidth, 6 * width, rng: &rng)
    }

    /// x (B,T,C), condition (B,Cc), context (B,L,Ct) -> (B,T,C).
    public func callAsFunction(_ x: Tensor, condition: Tensor, context: Tensor, rope: RotaryEmbedding3D? = nil,
                               selfMask: AttentionMask? = nil, crossMask: AttentionMask? = nil) -> Tensor {
        let bsz = x.shape[0], c = width
        let mod = chunk(adaLN(silu(condition)), 6, axis: 1)  // 6 x (B,C)
        let gate1 = mod[2].reshaped([bsz, 1, c]), gate2 = mod[5].reshaped([bsz, 1, c])
        var h = attn(modulate(norm1(x), shift: mod[0], scale: mod[1]), rope: rope, mask: selfMask)
        var y = x + gate1 * h
        y = y + cross(norm2(y), context: context, mask: crossMask)
        h = mlp(modulate(norm3(y), shift: mod[3], scale: mod[4]))
        return y + gate2 * h
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        prefixed("attn", attn.namedParameters()) + prefixed("norm2", norm2.namedParameters()) +
            prefixed("cross", cross.namedParameters()) + prefixed("mlp", mlp.namedParameters()) +
            prefixed("adaLN", adaLN.namedParameters())
    }
}
