#!/usr/bin/env python3
"""Writes the golden forward pass and gradients of the whole diffusion transformer
(Swift: Sources/ReelDiT/DiffusionTransformer.swift) for Tests/ReelDiTTests.

Usage: python3 Scripts/make_dit_fixtures.py [output-directory]
       (default Tests/ReelDiTTests/Fixtures)

The file format is make_engine_fixtures.py's (RFX1). Names: "param.<name>" every parameter
(the Swift model's names), "aux.*" the batch (tokens, levels, text, masks, target, weights),
"out" the predicted velocity, "loss" the masked MSE of one training step, "grad.<name>" its
gradient for every parameter, "grad.tokens" for the input tokens. The reference runs in float64.
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_reference as R  # noqa: E402
from make_engine_fixtures import write_fixture  # noqa: E402

# A tiny config: 8 latent channels, patch 2x2 (D = 32), width 24, 2 blocks, 2 heads (head 12: rope 4+4+4).
CH, PH, PW, C, DEPTH, HEADS, MLP, CT, FREQ = 8, 2, 2, 24, 2, 2, 2, 6, 256
ROPE = (4, 4, 4)
D = CH * PH * PW


def params(gen):
    p = {}

    def lin(name, i, o):
        p[name + ".weight"] = torch.randn(o, i, generator=gen) / math.sqrt(i)
        p[name + ".bias"] = torch.randn(o, generator=gen) * 0.1

    lin("in_proj", D, C)
    lin("time.fc1", FREQ, C); lin("time.fc2", C, C)
    lin("text.fc1", CT, C); lin("text.fc2", C, C)
    for b in range(DEPTH):
        pre = "blocks.%d." % b
        lin(pre + "attn.qkv", C, 3 * C); lin(pre + "attn.proj", C, C)
        p[pre + "norm2.weight"] = 1 + 0.1 * torch.randn(C, generator=gen)
        p[pre + "norm2.bias"] = 0.1 * torch.randn(C, generator=gen)
        lin(pre + "cross.q", C, C); lin(pre + "cross.kv", CT, 2 * C); lin(pre + "cross.proj", C, C)
        lin(pre + "mlp.fc1", C, MLP * C); lin(pre + "mlp.fc2", MLP * C, C)
        lin(pre + "adaLN", C, 6 * C)
    lin("final.adaLN", C, 2 * C)
    lin("out_proj", C, D)
    return {k: v.float() for k, v in p.items()}


def timestep_features(levels):
    half = FREQ // 2
    i = torch.arange(half, dtype=torch.float64)
    freq = torch.exp(-math.log(10000.0) * i / half)
    a = levels.double()[:, None] * 1000 * freq[None]
    return torch.cat([torch.cos(a), torch.sin(a)], dim=1).to(levels.dtype)


def forward(p, tokens, levels, frames, gh, gw, text, text_valid, text_seg, frame_seg, pooled):
    b, t, _ = tokens.shape
    n = gh * gw
    lin = lambda x, name: R.linear(x, p[name + ".weight"], p[name + ".bias"])  # noqa: E731
    te = lin(F.silu(lin(timestep_features(levels.reshape(-1)), "time.fc1")), "time.fc2")
    pe = lin(F.silu(lin(pooled.reshape(b * frames, CT), "text.fc1")), "text.fc2")
    cond = (te + pe).reshape(b, frames, C)
    pos = torch.tensor([[f, y, x] for f in range(frames) for y in range(gh) for x in range(gw)])
    rope = R.rope3d_tables(C // HEADS, ROPE, pos, dtype=tokens.dtype)
    qseg = frame_seg.repeat_interleave(n, dim=1)
    mask = R.attention_mask(b, t, text.shape[1], key_valid=text_valid, query_segment=qseg, key_segment=text_seg)
    h = lin(tokens, "in_proj")

    def framed(v):
        return v.reshape(b, frames, n, C)

    for blk in range(DEPTH):
        pre = "blocks.%d." % blk
        mod = [m[:, :, None, :] for m in lin(F.silu(cond), pre + "adaLN").chunk(6, dim=2)]
        x = h
        a = (framed(R.layer_norm(x, None, None, 1e-6)) * (1 + mod[1]) + mod[0]).reshape(b, t, C)
        a = R.self_attention(p, pre + "attn.", a, HEADS, rope)
        y = x + (framed(a) * mod[2]).reshape(b, t, C)
        y = y + R.cross_attention(p, pre + "cross.", R.layer_norm(y, p[pre + "norm2.weight"], p[pre + "norm2.bias"], 1e-6),
                                  text, HEADS, mask)
        m = (framed(R.layer_norm(y, None, None, 1e-6)) * (1 + mod[4]) + mod[3]).reshape(b, t, C)
        m = lin(R.gelu(lin(m, pre + "mlp.fc1"), "tanh"), pre + "mlp.fc2")
        h = y + (framed(m) * mod[5]).reshape(b, t, C)
    mod = [m[:, :, None, :] for m in lin(F.silu(cond), "final.adaLN").chunk(2, dim=2)]
    y = (framed(R.layer_norm(h, None, None, 1e-6)) * (1 + mod[1]) + mod[0]).reshape(b, t, C)
    return lin(y, "out_proj")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "ReelDiTTests", "Fixtures")
    os.makedirs(out_dir, exist_ok=True)
    gen = torch.Generator().manual_seed(20261204)
    p = params(gen)
    b, frames, gh, gw, l = 2, 3, 2, 2, 5
    t = frames * gh * gw
    tokens = torch.randn(b, t, D, generator=gen).float()
    levels = torch.tensor([[0.0, 0.5, 1.0], [0.9, 0.9, 0.25]]).float()
    text = torch.randn(b, l, CT, generator=gen).float()
    text_valid = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]).float()
    text_seg = torch.tensor([[0, 0, 1, 1, 2], [0, 0, 1, -1, -1]]).float()   # sample 0: two segments + null
    frame_seg = torch.tensor([[0, 1, 2], [0, 0, 1]]).float()                 # sample 0 frame 2: the null text
    pooled = torch.randn(b, frames, CT, generator=gen).float()
    target = torch.randn(b, t, D, generator=gen).float()
    weight = (levels > 0).float().repeat_interleave(gh * gw, dim=1)[:, :, None]

    leaves = {k: v.double().requires_grad_(True) for k, v in p.items()}
    tok = tokens.double().requires_grad_(True)
    out = forward(leaves, tok, levels.double(), frames, gh, gw, text.double(), text_valid, text_seg.long(),
                  frame_seg.long(), pooled.double())
    counted = weight.sum() * D
    loss = (((out - target.double()) ** 2) * weight.double()).sum() / counted
    loss.backward()
    tensors = {"param." + k: v for k, v in p.items()}
    tensors.update({"aux.tokens": tokens, "aux.levels": levels, "aux.text": text, "aux.text_valid": text_valid,
                    "aux.text_segment": text_seg, "aux.frame_segment": frame_seg, "aux.pooled": pooled,
                    "aux.target": target, "aux.weight": weight, "out": out, "loss": loss.reshape(1)})
    for k, v in leaves.items():
        tensors["grad." + k] = v.grad
    tensors["grad.tokens"] = tok.grad
    write_fixture(os.path.join(out_dir, "dit_forward_step.bin"), tensors)
    print("wrote dit_forward_step.bin: loss %.6f, out[0,0,:4] %s" % (loss.item(), out[0, 0, :4].tolist()))


if __name__ == "__main__":
    main()
