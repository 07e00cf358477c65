"""PyTorch reference implementations of ReelNumerics' operations (dev tool only).

Each function mirrors one Swift operation exactly (same layouts and conventions), so
Scripts/make_engine_fixtures.py can write golden inputs, outputs and gradients for
Tests/ReelNumericsTests. Conventions (see the Swift files for the same text):

  layouts      linear weight (out, in); conv weight (Co, Ci, kt, kh, kw); x (B, C, T, H, W)
  attention    q (B, Tq, H*D), k and v (B, Tk, H*D); head h = channels h*D:(h+1)*D;
               a query with no allowed key outputs zeros
  masks        key_valid (B, Tk) bool; query_segment (B, Tq) / key_segment (B, Tk) ints:
               query i may attend key j iff key_valid and segments equal (and j <= i if causal)
  rope3d       head channels split into (dt, dh, dw) sections; pair (2i, 2i+1) of section a
               rotated by pos_a * theta^(-2i/d_a)
  kl           mean over elements of 0.5 (mu^2 + exp(logvar) - 1 - logvar)
  DiT block    see dit_block below (adaLN-Zero style, PixArt-like cross-attention)
"""
import math

import torch
import torch.nn.functional as F


def linear(x, weight, bias=None):
    return F.linear(x, weight, bias)


def conv3d(x, weight, bias, stride=(1, 1, 1), padding=(0, 0, 0, 0)):
    """padding = (front, back, height, width) zeros."""
    front, back, ph, pw = padding
    x = F.pad(x, (pw, pw, ph, ph, front, back))
    return F.conv3d(x, weight, bias, stride=stride)


def conv2d(x, weight, bias, stride=(1, 1), padding=(0, 0)):
    return F.conv2d(x, weight, bias, stride=stride, padding=padding)


def upsample_nearest(x, factors):
    ft, fh, fw = factors
    return x.repeat_interleave(ft, dim=-3).repeat_interleave(fh, dim=-2).repeat_interleave(fw, dim=-1)


def subsample(x, stride):
    st, sh, sw = stride
    return x[..., ::st, ::sh, ::sw]


def group_norm(x, groups, weight, bias, eps=1e-5):
    return F.group_norm(x, groups, weight, bias, eps)


def layer_norm(x, weight, bias, eps=1e-5):
    return F.layer_norm(x, (x.shape[-1],), weight, bias, eps)


def rms_norm(x, weight, eps=1e-6):
    y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    return y * weight if weight is not None else y


def silu(x):
    return F.silu(x)


def gelu(x, approximate):
    return F.gelu(x, approximate=approximate)


def softmax(x):
    return torch.softmax(x, dim=-1)


def dropout_with_mask(x, keep_mask, p):
    return x * keep_mask / (1 - p)


def modulate(x, shift, scale):
    return x * (1 + scale[:, None, :]) + shift[:, None, :]


def attention_mask(batch, tq, tk, key_valid=None, query_segment=None, key_segment=None, causal=False,
                   device=None):
    """(B, 1, Tq, Tk) bool: True where attending is allowed."""
    allowed = torch.ones(batch, tq, tk, dtype=torch.bool, device=device)
    if key_valid is not None:
        allowed &= key_valid[:, None, :].bool()
    if query_segment is not None and key_segment is not None:
        allowed &= query_segment[:, :, None] == key_segment[:, None, :]
    if causal:
        allowed &= torch.ones(tq, tk, dtype=torch.bool, device=device).tril()[None]
    return allowed[:, None]


def sdpa(q, k, v, heads, mask=None, scale=None):
    """q (B,Tq,H*D), k/v (B,Tk,H*D) -> (B,Tq,H*D); mask (B,1,Tq,Tk) bool or None."""
    b, tq, c = q.shape
    tk = k.shape[1]
    d = c // heads
    qh = q.view(b, tq, heads, d).transpose(1, 2)
    kh = k.view(b, tk, heads, d).transpose(1, 2)
    vh = v.view(b, tk, heads, d).transpose(1, 2)
    s = (qh @ kh.transpose(-1, -2)) * (scale if scale is not None else 1 / math.sqrt(d))
    if mask is not None:
        s = s.masked_fill(~mask, float("-inf"))
        any_allowed = mask.any(-1, keepdim=True)
        s = torch.where(any_allowed, s, torch.zeros_like(s))
        p = torch.softmax(s, dim=-1) * any_allowed
    else:
        p = torch.softmax(s, dim=-1)
    return (p @ vh).transpose(1, 2).reshape(b, tq, c)


def rope3d_tables(head_dim, axis_dims, positions, theta=10000.0, dtype=torch.float64):
    """positions (T, 3) -> cos, sin (T, D/2)."""
    angles = []
    for a, da in enumerate(axis_dims):
        i = torch.arange(da // 2, dtype=torch.float64)
        freq = theta ** (-2 * i / da)
        angles.append(positions[:, a:a + 1].double() * freq[None])
    ang = torch.cat(angles, dim=1)
    return torch.cos(ang).to(dtype), torch.sin(ang).to(dtype)


def rope3d(x, heads, cos, sin):
    """x (B,T,H*D): rotate each head's channel pairs (2i, 2i+1)."""
    b, t, c = x.shape
    d = c // heads
    xr = x.view(b, t, heads, d // 2, 2)
    x0, x1 = xr[..., 0], xr[..., 1]
    co, si = cos[None, :, None, :], sin[None, :, None, :]
    y0 = x0 * co - x1 * si
    y1 = x0 * si + x1 * co
    return torch.stack([y0, y1], dim=-1).reshape(b, t, c)


def embedding(table, ids):
    return F.embedding(ids, table)


def mse_loss(a, b):
    return ((a - b) ** 2).mean()


def l1_loss(a, b):
    return (a - b).abs().mean()


def kl_diagonal_gaussian(mu, logvar):
    return (0.5 * (mu ** 2 + logvar.exp() - 1 - logvar)).mean()


def self_attention(p, prefix, x, heads, rope=None, mask=None):
    c = x.shape[-1]
    qkv = linear(x, p[prefix + "qkv.weight"], p[prefix + "qkv.bias"])
    q, k, v = qkv.split(c, dim=-1)
    if rope is not None:
        q = rope3d(q, heads, *rope)
        k = rope3d(k, heads, *rope)
    o = sdpa(q, k, v, heads, mask)
    return linear(o, p[prefix + "proj.weight"], p[prefix + "proj.bias"])


def cross_attention(p, prefix, x, context, heads, mask=None):
    c = x.shape[-1]
    q = linear(x, p[prefix + "q.weight"], p[prefix + "q.bias"])
    k, v = linear(context, p[prefix + "kv.weight"], p[prefix + "kv.bias"]).split(c, dim=-1)
    o = sdpa(q, k, v, heads, mask)
    return linear(o, p[prefix + "proj.weight"], p[prefix + "proj.bias"])


def dit_block(p, x, cond, context, heads, rope=None, self_mask=None, cross_mask=None):
    """The DiT-style block (Swift: DiTBlock):
      (shift1, scale1, gate1, shift2, scale2, gate2) = adaLN(silu(cond))
      x = x + gate1 * attn(modulate(LN(x), shift1, scale1))     [3-D RoPE on q, k]
      x = x + cross(LN_affine(x), context)
      x = x + gate2 * mlp(modulate(LN(x), shift2, scale2))      [GELU tanh]
    """
    c = x.shape[-1]
    mod = linear(F.silu(cond), p["adaLN.weight"], p["adaLN.bias"]).chunk(6, dim=1)
    shift1, scale1, gate1, shift2, scale2, gate2 = mod
    h = modulate(layer_norm(x, None, None, 1e-6), shift1, scale1)
    x = x + gate1[:, None, :] * self_attention(p, "attn.", h, heads, rope, self_mask)
    x = x + cross_attention(p, "cross.", layer_norm(x, p["norm2.weight"], p["norm2.bias"], 1e-6), context,
                            heads, cross_mask)
    h = modulate(layer_norm(x, None, None, 1e-6), shift2, scale2)
    h = linear(gelu(linear(h, p["mlp.fc1.weight"], p["mlp.fc1.bias"]), "tanh"), p["mlp.fc2.weight"],
               p["mlp.fc2.bias"])
    return x + gate2[:, None, :] * h


def residual_conv_block3d(p, x, groups):
    """Swift: ResidualConvBlock3d. Causal 3x3x3 convolutions, GroupNorm, SiLU, 1x1x1 skip."""
    k = p["conv1.weight"].shape[2]
    pad = (k - 1, 0, k // 2, k // 2)
    h = conv3d(F.silu(group_norm(x, groups, p["norm1.weight"], p["norm1.bias"])), p["conv1.weight"],
               p["conv1.bias"], padding=pad)
    h = conv3d(F.silu(group_norm(h, groups, p["norm2.weight"], p["norm2.bias"])), p["conv2.weight"],
               p["conv2.bias"], padding=pad)
    skip = conv3d(x, p["skip.weight"], p["skip.bias"]) if "skip.weight" in p else x
    return skip + h
