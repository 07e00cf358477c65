#!/usr/bin/env python3
"""Writes golden inputs, outputs and gradients for Tests/ReelNumericsTests.

Usage: python3 Scripts/make_engine_fixtures.py [output-directory]
       (default Tests/ReelNumericsTests/Fixtures)

One file per case, <case>.bin, in this format (all little-endian):
    magic   4 bytes  "RFX1"
    count   u32      number of tensors
    then per tensor:
      name_length u32, name (UTF-8), rank u32, dims u32[rank], data f32[prod(dims)]
Integer data (ids, masks, positions) is stored as f32 (exact for these sizes).

Names: "in.<x>" differentiable inputs and parameters, "aux.<x>" non-differentiable
inputs, "out" the output, "grad_out" the upstream gradient dL/dout (random),
"grad.<x>" dL/d<x> for each "in.<x>". Inputs are float32; the reference runs in
float64 from those float32 values, so the goldens carry no float32 rounding of their own.
"""
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_reference as R  # noqa: E402


def write_fixture(path, tensors):
    with open(path, "wb") as f:
        f.write(b"RFX1")
        f.write(struct.pack("<I", len(tensors)))
        for name, t in tensors.items():
            t = t.detach().to(torch.float32).contiguous()
            nb = name.encode()
            f.write(struct.pack("<I", len(nb)))
            f.write(nb)
            f.write(struct.pack("<I", t.dim()))
            f.write(struct.pack("<%dI" % t.dim(), *t.shape))
            f.write(t.numpy().astype("<f4").tobytes())


def randn(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).float()


def run_case(out_dir, name, inputs, fn, aux=None):
    """inputs: differentiable float32 tensors; fn(**inputs64, **aux) -> output (float64)."""
    aux = aux or {}
    leaves = {k: v.double().requires_grad_(True) for k, v in inputs.items()}
    out = fn(**leaves, **aux)
    grad_out = randn(*out.shape).double() if out.dim() > 0 else torch.tensor(1.0, dtype=torch.float64)
    out.backward(grad_out)
    tensors = {}
    for k, v in inputs.items():
        tensors["in." + k] = v
    for k, v in aux.items():
        if isinstance(v, torch.Tensor):
            tensors["aux." + k] = v.float()
    tensors["out"] = out
    tensors["grad_out"] = grad_out
    for k, v in leaves.items():
        tensors["grad." + k] = v.grad if v.grad is not None else torch.zeros_like(v)
    write_fixture(os.path.join(out_dir, name + ".bin"), tensors)
    return sum(t.numel() for t in tensors.values()) * 4


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "ReelNumericsTests", "Fixtures")
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(20261121)
    total = 0
    cases = []

    def case(name, inputs, fn, aux=None):
        cases.append((name, inputs, fn, aux))

    # Linear and matmul
    case("linear", {"x": randn(2, 3, 5), "weight": randn(4, 5), "bias": randn(4)},
         lambda x, weight, bias: R.linear(x, weight, bias))
    case("matmul", {"a": randn(2, 3, 4), "b": randn(2, 4, 5)}, lambda a, b: a @ b)
    case("matmul_transposed_b", {"a": randn(2, 3, 4), "b": randn(5, 4)}, lambda a, b: a @ b.t())

    # Convolutions, resampling
    case("conv3d_causal", {"x": randn(2, 3, 4, 5, 6), "weight": randn(4, 3, 3, 3, 3, scale=0.3), "bias": randn(4)},
         lambda x, weight, bias: R.conv3d(x, weight, bias, stride=(1, 1, 1), padding=(2, 0, 1, 1)))
    case("conv3d_strided", {"x": randn(1, 2, 5, 6, 7), "weight": randn(3, 2, 3, 3, 3, scale=0.3), "bias": randn(3)},
         lambda x, weight, bias: R.conv3d(x, weight, bias, stride=(2, 2, 2), padding=(1, 1, 1, 1)))
    # large enough (108 x 1200 columns) that im2col and col2im split the channels across cores
    case("conv3d_large", {"x": randn(1, 4, 3, 20, 20), "weight": randn(5, 4, 3, 3, 3, scale=0.3), "bias": randn(5)},
         lambda x, weight, bias: R.conv3d(x, weight, bias, stride=(1, 1, 1), padding=(2, 0, 1, 1)))
    case("conv2d", {"x": randn(2, 3, 7, 6), "weight": randn(4, 3, 3, 3, scale=0.3), "bias": randn(4)},
         lambda x, weight, bias: R.conv2d(x, weight, bias, stride=(2, 2), padding=(1, 1)))
    case("upsample_nearest", {"x": randn(1, 2, 2, 3, 3)}, lambda x: R.upsample_nearest(x, (2, 2, 2)))
    case("subsample", {"x": randn(1, 2, 3, 5, 4)}, lambda x: R.subsample(x, (1, 2, 2)))

    # Normalization
    case("group_norm", {"x": randn(2, 4, 3, 5, scale=2) + 1, "weight": randn(4), "bias": randn(4)},
         lambda x, weight, bias: R.group_norm(x, 2, weight, bias))
    case("layer_norm_affine", {"x": randn(3, 4, 16, scale=2) + 0.5, "weight": randn(16), "bias": randn(16)},
         lambda x, weight, bias: R.layer_norm(x, weight, bias))
    case("layer_norm_plain", {"x": randn(3, 4, 16, scale=2) - 0.5}, lambda x: R.layer_norm(x, None, None, 1e-6))
    case("rms_norm", {"x": randn(3, 4, 16), "weight": randn(16)}, lambda x, weight: R.rms_norm(x, weight))
    case("modulate", {"x": randn(2, 5, 8), "shift": randn(2, 8), "scale": randn(2, 8)},
         lambda x, shift, scale: R.modulate(x, shift, scale))

    # Activations
    case("silu", {"x": randn(4, 33, scale=4)}, lambda x: R.silu(x))
    case("gelu_tanh", {"x": randn(4, 33, scale=4)}, lambda x: R.gelu(x, "tanh"))
    case("gelu_erf", {"x": randn(4, 33, scale=4)}, lambda x: R.gelu(x, "none"))
    case("softmax", {"x": randn(5, 37, scale=3)}, lambda x: R.softmax(x))
    keep = (torch.rand(3, 20) > 0.3).float()
    case("dropout", {"x": randn(3, 20)}, lambda x, keep_mask: R.dropout_with_mask(x, keep_mask, 0.3),
         aux={"keep_mask": keep})

    # Attention: 2 batches, 4 heads of width 8
    b, tq, tk, heads, c = 2, 7, 9, 4, 32
    key_valid = torch.ones(b, tk)
    key_valid[1, 6:] = 0
    qseg = torch.tensor([[0, 0, 0, 1, 1, 1, 2], [0, 0, 1, 1, 1, 2, 3]])  # batch 1, query 6: no key of segment 3
    kseg = torch.tensor([[0, 0, 0, 1, 1, 1, 2, 2, 2], [0, 1, 1, 1, 2, 2, 5, 5, 5]])  # batch 1, segment 2 all padded
    mask_pad = R.attention_mask(b, tq, tk, key_valid=key_valid)
    mask_block = R.attention_mask(b, tq, tk, key_valid=key_valid, query_segment=qseg, key_segment=kseg)
    qkv = lambda: {"q": randn(b, tq, c), "k": randn(b, tk, c), "v": randn(b, tk, c)}  # noqa: E731
    case("attention_plain", qkv(), lambda q, k, v: R.sdpa(q, k, v, heads))
    case("attention_key_padding", qkv(), lambda q, k, v, key_valid: R.sdpa(q, k, v, heads, mask_pad),
         aux={"key_valid": key_valid})
    case("attention_block_mask", qkv(),
         lambda q, k, v, key_valid, query_segment, key_segment: R.sdpa(q, k, v, heads, mask_block),
         aux={"key_valid": key_valid, "query_segment": qseg, "key_segment": kseg})
    mask_causal = R.attention_mask(b, tq, tq, causal=True)
    case("attention_causal", {"q": randn(b, tq, c), "k": randn(b, tq, c), "v": randn(b, tq, c)},
         lambda q, k, v: R.sdpa(q, k, v, heads, mask_causal))
    # longer sequences, so the flash tiles (at most 512 keys, 256 queries here) take several
    # steps in both directions, with key padding in the second key tile
    long_valid = torch.ones(1, 600)
    long_valid[0, 550:] = 0
    case("attention_long", {"q": randn(1, 300, 8), "k": randn(1, 600, 8), "v": randn(1, 600, 8)},
         lambda q, k, v, key_valid: R.sdpa(q, k, v, 2, R.attention_mask(1, 300, 600, key_valid=long_valid)),
         aux={"key_valid": long_valid})

    # Rotary 3-D: 2 frames x 2 rows x 3 columns, heads of width 8 split (2, 2, 4)
    pos = torch.tensor([[t, h, w] for t in range(2) for h in range(2) for w in range(3)])
    cos, sin = R.rope3d_tables(8, (2, 2, 4), pos)
    case("rope3d", {"x": randn(2, 12, 16)}, lambda x: R.rope3d(x, 2, cos, sin))

    # Embedding, elementwise, shape, reductions
    ids = torch.tensor([[3, 0, 5, 3], [1, 1, 6, 2]])
    case("embedding", {"table": randn(7, 5)}, lambda table, ids: R.embedding(table, ids.long()), aux={"ids": ids})
    case("broadcast_add", {"a": randn(2, 3, 4), "b": randn(3, 1)}, lambda a, b: a + b)
    case("broadcast_mul", {"a": randn(2, 3, 4), "b": randn(2, 1, 4)}, lambda a, b: a * b)
    case("sub", {"a": randn(3, 4), "b": randn(3, 4)}, lambda a, b: a - b)
    case("sum_axis", {"x": randn(2, 3, 4)}, lambda x: x.sum(1))
    case("mean_axis", {"x": randn(2, 3, 4)}, lambda x: x.mean(-1, keepdim=True))
    case("permute", {"x": randn(2, 3, 4, 5)}, lambda x: x.permute(2, 0, 3, 1))
    case("concat", {"a": randn(2, 3, 4), "b": randn(2, 2, 4)}, lambda a, b: torch.cat([a, b], 1))
    case("split", {"x": randn(2, 5, 3)}, lambda x: x.split([2, 3], 1)[1] * 2 + x.split([2, 3], 1)[0].sum())

    # Losses
    case("mse_loss", {"a": randn(3, 7), "b": randn(3, 7)}, lambda a, b: R.mse_loss(a, b))
    case("l1_loss", {"a": randn(3, 7), "b": randn(3, 7)}, lambda a, b: R.l1_loss(a, b))
    case("kl_diagonal_gaussian", {"mean": randn(3, 7), "logvar": randn(3, 7)},
         lambda mean, logvar: R.kl_diagonal_gaussian(mean, logvar))

    # A whole DiT-style block: B=2, 2x2x3 video tokens, width 32, 4 heads, 6 text tokens of width 24.
    B, T, C, H, L, CT = 2, 12, 32, 4, 6, 24
    def lin(o, i, bias=True):
        s = 1 / i ** 0.5
        return {"weight": randn(o, i, scale=s), "bias": randn(o, scale=s)}
    params = {}
    for prefix, (o, i) in {"attn.qkv": (3 * C, C), "attn.proj": (C, C), "cross.q": (C, C),
                           "cross.kv": (2 * C, CT), "cross.proj": (C, C), "mlp.fc1": (4 * C, C),
                           "mlp.fc2": (C, 4 * C), "adaLN": (6 * C, C)}.items():
        for k, v in lin(o, i).items():
            params[prefix + "." + k] = v
    params["adaLN.weight"] *= 4  # larger modulations, so the gates matter
    params["norm2.weight"] = 1 + randn(C, scale=0.2)
    params["norm2.bias"] = randn(C, scale=0.2)
    text_valid = torch.ones(B, L)
    text_valid[1, 5:] = 0
    frame_of_token = torch.tensor([[t for t in range(2) for _ in range(6)]] * B)
    text_segment = torch.tensor([[0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 1]])
    cross_mask = R.attention_mask(B, T, L, key_valid=text_valid, query_segment=frame_of_token,
                                  key_segment=text_segment)
    inputs = {"x": randn(B, T, C), "condition": randn(B, C), "context": randn(B, L, CT)}
    inputs.update({"param." + k: v for k, v in params.items()})

    def block(x, condition, context, **kw):
        p = {k[len("param."):]: v for k, v in kw.items() if k.startswith("param.")}
        return R.dit_block(p, x, condition, context, H, rope=(cos, sin), cross_mask=cross_mask)
    case("dit_block", inputs, block,
         aux={"text_valid": text_valid, "frame_of_token": frame_of_token, "text_segment": text_segment})

    # A whole conv block: GroupNorm-SiLU-CausalConv3d twice, with a 1x1x1 skip (4 -> 8 channels).
    cp = {"norm1.weight": 1 + randn(4, scale=0.2), "norm1.bias": randn(4, scale=0.2),
          "conv1.weight": randn(8, 4, 3, 3, 3, scale=0.1), "conv1.bias": randn(8, scale=0.1),
          "norm2.weight": 1 + randn(8, scale=0.2), "norm2.bias": randn(8, scale=0.2),
          "conv2.weight": randn(8, 8, 3, 3, 3, scale=0.1), "conv2.bias": randn(8, scale=0.1),
          "skip.weight": randn(8, 4, 1, 1, 1, scale=0.5), "skip.bias": randn(8, scale=0.1)}
    cinputs = {"x": randn(1, 4, 3, 5, 4)}
    cinputs.update({"param." + k: v for k, v in cp.items()})

    def conv_block(x, **kw):
        return R.residual_conv_block3d({k[len("param."):]: v for k, v in kw.items()}, x, 2)
    case("conv_block", cinputs, conv_block)

    for name, inputs, fn, aux in cases:
        total += run_case(out_dir, name, inputs, fn, aux)
    print("wrote %d fixtures, %.1f KB, to %s" % (len(cases), total / 1024, out_dir))


if __name__ == "__main__":
    main()
