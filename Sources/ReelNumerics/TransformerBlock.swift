// Attention layers and the DiT-style transformer block.
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

/// Multi-head self-attention with a fused qkv projection and optional 3-D rotary embedding.
public final class SelfAttention: Layer {
    public let heads: Int
    public let qkv: Linear
    public let proj: Linear

    public init(width: Int, heads: Int, rng: inout RandomState) {
        self.heads = heads
        qkv = Linear(width, 3 * width, rng: &rng)
        proj = Linear(width, width, rng: &rng)
    }

    /// x (B,T,C) -> (B,T,C).
    public func callAsFunction(_ x: Tensor, rope: RotaryEmbedding3D? = nil, mask: AttentionMask? = nil) -> Tensor {
        let c = x.shape[2]
        let parts = split(qkv(x), sizes: [c, c, c], axis: 2)  // 3 x (B,T,C)
        var q = parts[0], k = parts[1]
        if let rope {
            q = rope(q, heads: heads)
            k = rope(k, heads: heads)
        }
        let o = scaledDotProductAttention(query: q, key: k, value: parts[2], heads: heads, mask: mask)  // (B,T,C)
        return proj(o)
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        prefixed("qkv", qkv.namedParameters()) + prefixed("proj", proj.namedParameters())
    }
}

/// Multi-head cross-attention from x to a context (e.g. text tokens).
public final class CrossAttention: Layer {
    public let heads: Int
    public let q: Linear
    public let kv: Linear
    public let proj: Linear

    public init(width: Int, contextWidth: Int, heads: Int, rng: inout RandomState) {
        self.heads = heads
        q = Linear(width, width, rng: &rng)
        kv = Linear(contextWidth, 2 * width, rng: &rng)
        proj = Linear(width, width, rng: &rng)
    }

    /// x (B,T,C), context (B,L,Ct) -> (B,T,C).
    public func callAsFunction(_ x: Tensor, context: Tensor, mask: AttentionMask? = nil) -> Tensor {
        let c = x.shape[2]
        let kvParts = split(kv(context), sizes: [c, c], axis: 2)  // 2 x (B,L,C)
        let o = scaledDotProductAttention(query: q(x), key: kvParts[0], value: kvParts[1], heads: heads, mask: mask)
        return proj(o)
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        prefixed("q", q.namedParameters()) + prefixed("kv", kv.namedParameters()) + prefixed("proj", proj.namedParameters())
    }
}

/// Two linear layers with GELU between: C -> hidden -> C.
public final class FeedForward: Layer {
    public let fc1: Linear
    public let fc2: Linear
    public let approximation: GELUApproximation

    public init(width: Int, hidden: Int, approximation: GELUApproximation = .tanh, rng: inout RandomState) {
        fc1 = Linear(width, hidden, rng: &rng)
        fc2 = Linear(hidden, width, rng: &rng)
        self.approximation = approximation
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { fc2(gelu(fc1(x), approximation: approximation)) }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        prefixed("fc1", fc1.namedParameters()) + prefixed("fc2", fc2.namedParameters())
    }
}

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
                rng: inout RandomState) {
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

/// A residual block of causal 3-D convolutions (as in causal video VAEs):
///   h = CausalConv3d(silu(GroupNorm(x))); h = CausalConv3d(silu(GroupNorm(h)))
///   out = skip(x) + h, skip a 1x1x1 convolution when the widths differ.
/// x (B,Ci,T,H,W) -> (B,Co,T,H,W).
public final class ResidualConvBlock3d: Layer {
    public let norm1: GroupNorm
    public let conv1: Conv3d
    public let norm2: GroupNorm
    public let conv2: Conv3d
    public let skip: Conv3d?

    public init(inChannels: Int, outChannels: Int, groups: Int, kernel: Int = 3, rng: inout RandomState) {
        norm1 = GroupNorm(groups: groups, channels: inChannels)
        conv1 = Conv3d(causal: inChannels, outChannels, kernel: (kernel, kernel, kernel), rng: &rng)
        norm2 = GroupNorm(groups: groups, channels: outChannels)
        conv2 = Conv3d(causal: outChannels, outChannels, kernel: (kernel, kernel, kernel), rng: &rng)
        skip = inChannels == outChannels ? nil
            : Conv3d(inChannels, outChannels, kernel: (1, 1, 1), padding: .same(0), rng: &rng)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = conv1(silu(norm1(x)))  // (B,Co,T,H,W)
        h = conv2(silu(norm2(h)))
        return (skip.map { $0(x) } ?? x) + h
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        prefixed("norm1", norm1.namedParameters()) + prefixed("conv1", conv1.namedParameters()) +
            prefixed("norm2", norm2.namedParameters()) + prefixed("conv2", conv2.namedParameters()) +
            (skip.map { prefixed("skip", $0.namedParameters()) } ?? [])
    }
}
