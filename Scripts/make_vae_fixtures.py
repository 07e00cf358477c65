#!/usr/bin/env python3
"""Golden fixtures for ReelVAE: the same causal video VAE written in PyTorch (a dev
tool only), with seeded random weights, run on a seeded random clip.

Writes Tests/ReelVAETests/Fixtures/:
  vae-golden.safetensors  the weights (F32), named as ReelVAE names them
  vae-golden.json         its VAEConfig
  vae-golden-io.safetensors  x (1,3,T,H,W), mean and logvar (1,Z,N,h,w), decoded (1,3,T,H,W),
                          and the gradient of sum(decoded * probe) w.r.t. x (probe seeded too)
Run: python3 Scripts/make_vae_fixtures.py
"""
import json, os
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(0)
CFG = dict(spatialFactor=8, temporalFactor=4, latentChannels=4, baseChannels=8, baseBlocks=1,
           deepChannels=16, deepBlocks=1, latentShift=0.0, latentScale=1.0, id="golden", recipe="Scripts/make_vae_fixtures.py")
Z, C1, C2 = CFG["latentChannels"], CFG["baseChannels"], CFG["deepChannels"]
MID = CFG["spatialFactor"] // 4
FOLDED = 3 * 4 * 4 * 4

params = {}
def conv(name, ci, co):
    bound = 1 / (ci * 27) ** 0.5
    params[name + ".weight"] = (torch.rand(co, ci, 3, 3, 3, dtype=torch.float64) * 2 - 1) * bound
    params[name + ".bias"] = (torch.rand(co, dtype=torch.float64) * 2 - 1) * bound

conv("encoder.conv_in", FOLDED, C1)
for i in range(CFG["baseBlocks"]): conv(f"encoder.base.{i}.conv1", C1, C1); conv(f"encoder.base.{i}.conv2", C1, C1)
conv("encoder.conv_mid", C1 * MID * MID, C2)
for i in range(CFG["deepBlocks"]): conv(f"encoder.deep.{i}.conv1", C2, C2); conv(f"encoder.deep.{i}.conv2", C2, C2)
conv("encoder.conv_out", C2, 2 * Z)
conv("decoder.conv_in", Z, C2)
for i in range(CFG["deepBlocks"]): conv(f"decoder.deep.{i}.conv1", C2, C2); conv(f"decoder.deep.{i}.conv2", C2, C2)
conv("decoder.conv_mid", C2, C1 * MID * MID)
for i in range(CFG["baseBlocks"]): conv(f"decoder.base.{i}.conv1", C1, C1); conv(f"decoder.base.{i}.conv2", C1, C1)
conv("decoder.conv_out", C1, FOLDED)

def cconv(x, name):  # causal in time (2 frames in front), same in space
    return F.conv3d(F.pad(x, (1, 1, 1, 1, 2, 0)), params[name + ".weight"], params[name + ".bias"])

def fold(x, ft, f):
    b, c, t, h, w = x.shape
    n, hh, ww = t // ft, h // f, w // f
    return x.reshape(b, c, n, ft, hh, f, ww, f).permute(0, 1, 3, 5, 7, 2, 4, 6).reshape(b, c * ft * f * f, n, hh, ww)

def unfold(x, ft, f):
    b, cc, n, hh, ww = x.shape
    c = cc // (ft * f * f)
    return x.reshape(b, c, ft, f, f, n, hh, ww).permute(0, 1, 5, 2, 6, 3, 7, 4).reshape(b, c, ft * n, hh * f, ww * f)

def shortcut(x, out):
    b, c = x.shape[:2]
    if c == out: return x
    if c > out and c % out == 0: return x.reshape(b, out, c // out, *x.shape[2:]).mean(2)
    if out > c and out % c == 0: return x.repeat_interleave(out // c, dim=1)
    return None

def with_shortcut(x, y):
    s = shortcut(x, y.shape[1])
    return y if s is None else y + s

def block(x, name):
    h = cconv(F.silu(x), name + ".conv1")
    return x + cconv(F.silu(h), name + ".conv2")

def encode(x):
    first = x[:, :, :1]
    v = torch.cat([first, first, first, x], 2)
    h = fold(v, 4, 4)
    h = with_shortcut(h, cconv(h, "encoder.conv_in"))
    for i in range(CFG["baseBlocks"]): h = block(h, f"encoder.base.{i}")
    if MID > 1: h = fold(h, 1, MID)
    h = with_shortcut(h, cconv(F.silu(h), "encoder.conv_mid"))
    for i in range(CFG["deepBlocks"]): h = block(h, f"encoder.deep.{i}")
    m = cconv(F.silu(h), "encoder.conv_out")
    mean, logvar = m[:, :Z], m[:, Z:]
    s = shortcut(h, Z)
    return (mean if s is None else mean + s), logvar

def decode(z):
    h = with_shortcut(z, cconv(z, "decoder.conv_in"))
    for i in range(CFG["deepBlocks"]): h = block(h, f"decoder.deep.{i}")
    h = with_shortcut(h, cconv(F.silu(h), "decoder.conv_mid"))
    if MID > 1: h = unfold(h, 1, MID)
    for i in range(CFG["baseBlocks"]): h = block(h, f"decoder.base.{i}")
    h = with_shortcut(h, cconv(F.silu(h), "decoder.conv_out"))
    x = unfold(h, 4, 4)
    return x[:, :, 3:]

x = (torch.rand(1, 3, 9, 16, 24, dtype=torch.float64) * 2 - 1).requires_grad_(True)
mean, logvar = encode(x)
y = decode(mean)
probe = torch.randn(y.shape, dtype=torch.float64)
(y * probe).sum().backward()

out = os.path.join(os.path.dirname(__file__), "..", "Tests", "ReelVAETests", "Fixtures")
os.makedirs(out, exist_ok=True)
save_file({k: v.float().contiguous() for k, v in params.items()}, os.path.join(out, "vae-golden.safetensors"))
with open(os.path.join(out, "vae-golden.json"), "w") as f:
    json.dump(CFG, f, indent=2, sort_keys=True)
save_file({"x": x.detach().float(), "mean": mean.detach().float(), "logvar": logvar.detach().float(),
           "decoded": y.detach().float(), "probe": probe.float(), "grad_x": x.grad.float()},
          os.path.join(out, "vae-golden-io.safetensors"))
print("mean", mean.shape, "decoded", y.shape, "params", sum(v.numel() for v in params.values()))
