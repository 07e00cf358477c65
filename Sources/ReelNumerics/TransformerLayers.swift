// Attention layers: self-attention, cross-attention and the feed-forward MLP of a
// transformer block (the blocks themselves live with their models, e.g. ReelDiT's DiTBlock).
//
// Legend: B batch, T video tokens, L text tokens, C width, Ct text width, H heads, D = C/H.
import ReelSystem

/// Multi-head self-attention with a fused qkv projection and optional 3-D rotary embedding.
public final class SelfAttention: Layer {
    public let heads: Int
    public let qkv: Linear
    public let proj: Linear

    public init(width: Int, heads: Int, rng: inout Xoshiro256StarStar) {
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

    public init(width: Int, contextWidth: Int, heads: Int, rng: inout Xoshiro256StarStar) {
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

    public init(width: Int, hidden: Int, approximation: GELUApproximation = .tanh, rng: inout Xoshiro256StarStar) {
        fc1 = Linear(width, hidden, rng: &rng)
        fc2 = Linear(hidden, width, rng: &rng)
        self.approximation = approximation
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { fc2(gelu(fc1(x), approximation: approximation)) }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        prefixed("fc1", fc1.namedParameters()) + prefixed("fc2", fc2.namedParameters())
    }
}
