// ReelNumerics: reel's neural engine: tensors, reverse-mode autograd, layers.
//
// API summary
//   Tensor            contiguous row-major Float32 with `shape: [Int]`; `data`/`grad`
//                     pointers, `scalars`, `gradScalars`, `valueBuffer`/`gradBuffer`.
//                     Tensor(zeros:), Tensor(_:shape:), Tensor(randomNormal:std:using:),
//                     `requiresGrad: true` marks a leaf to differentiate.
//   Autograd          ops record a graph when an input requiresGrad; `loss.backward()`
//                     (or `y.backward(seed:)`) ADDS into every leaf's `grad`; `zeroGrad()`.
//                     The graph and intermediate gradients are freed as backward runs.
//   Inference         `GradMode.withoutGrad { ... }`: no graph, nothing kept.
//   Xoshiro256StarStar       seeded generator for init, noise and dropout.
//   Layer protocol    namedParameters() ("attn.qkv.weight", tensor); parameters();
//                     parameterViews() -> [ParameterView(name, shape, value, grad, decay)]
//                     for optimizers (ReelOptim's ParameterRef) and checkpoints.
//   Ops (forward + backward), shapes in each file's legend:
//     + - * (broadcasting), affine/scalar ops, sum/mean (all or one axis)     Elementwise.swift
//     reshaped (view), permuted, transposedLastTwo, concat, split, chunk      Shape.swift
//     matmul (batched), linear, Gemm.sgemm (OpenBLAS, loaded at run time)     Gemm.swift
//     silu, gelu(.tanh/.erf), softmax (last axis), dropout                   Activations.swift
//     layerNorm (affine or not), rmsNorm, groupNorm, modulate (adaLN)         Normalization.swift
//     scaledDotProductAttention(query:key:value:heads:mask:) fused flash-style,
//       AttentionMask(keyValid:querySegment:keySegment:causal:)               Attention.swift
//     RotaryEmbedding3D(headDim:axisDims:positions:)(x, heads:)               Rotary.swift
//     embedding(table, ids:, shape:)                                          Embedding.swift
//     conv3d (stride, padding, ConvPadding.causal), conv2d, upsampleNearest,
//       subsample                                                             Convolution.swift
//     mseLoss, l1Loss, klDiagonalGaussian                                     Losses.swift
//   Layers: Linear, LayerNorm, RMSNorm, GroupNorm, Embedding, Conv3d (causal:),
//     Conv2d (each also init(weight:bias:...) for loaded weights), SelfAttention,
//     CrossAttention, FeedForward                                             TransformerLayers.swift
//   Model blocks are built from these in their models (ReelDiT's DiTBlock).
//   Parallel.forEach / Parallel.threads (REEL_NUM_THREADS) use every core; large
//   products, activations, norms and im2col are split across them, attention by head.
//   Tensor buffers are recycled (BufferPool), so repeated passes do not page-fault.
//
// Example (inference):
//   var rng = Xoshiro256StarStar(seed: 1)
//   let attn = SelfAttention(width: 192, heads: 6, rng: &rng)
//   let y = GradMode.withoutGrad { attn(x, rope: rope) }  // x (B,T,192) -> (B,T,192)
//
// Shape errors are programming errors: ops stop with a message naming the shapes.
// Validate user data (files, options) before calling into the engine.
//
// Speed: OpenBLAS sgemm with its AVX-512 kernels on CPUs that have them (selected by
// cpuid before OpenBLAS loads, see COpenBLAS), the elementwise, normalization and
// softmax kernels of ReelKernels in AVX-512 / AVX2 / SSE clones picked at load time.
import ReelSystem

/// A one-line description of the engine's backends, for benchmarks and `--version` output.
public enum Engine {
    public static var description: String {
        "ReelNumerics: GEMM \(Gemm.backend); kernels \(Gemm.kernelVectorBits)-bit vectors; \(Parallel.threads) threads"
    }
}
