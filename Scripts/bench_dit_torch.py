#!/usr/bin/env python3
"""The bench-dit model (width 192, 6 blocks, 6 heads, 1x2x2 patches of 32 latent channels, 384-wide text)
in PyTorch on the CPU at its default threading settings, float32: a sampling pass (batch 2) and a
training step's forward + backward (batch 12) on a 64x64 17-frame clip (320 tokens), 40 text tokens.
Usage: python3 Scripts/bench_dit_torch.py   (run beside .build/release/bench-dit; never part of the tests)
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_dit_fixtures as M  # noqa: E402

M.CH, M.C, M.DEPTH, M.HEADS, M.MLP, M.CT = 32, 192, 6, 6, 4, 384
M.D = M.CH * M.PH * M.PW
M.ROPE = (8, 12, 12)


def main():
    torch.manual_seed(1)
    gen = torch.Generator().manual_seed(1)
    p = {k: v.float() for k, v in M.params(gen).items()}
    frames, gh, gw, l = 5, 8, 8, 42
    t = frames * gh * gw

    def batch(b):
        return dict(tokens=torch.randn(b, t, M.D), levels=torch.rand(b, frames), frames=frames, gh=gh, gw=gw,
                    text=torch.randn(b, l, M.CT), text_valid=torch.ones(b, l), text_seg=torch.zeros(b, l, dtype=torch.long),
                    frame_seg=torch.zeros(b, frames, dtype=torch.long), pooled=torch.randn(b, frames, M.CT))

    def best(fn, n):
        fn()
        times = []
        for _ in range(n):
            t0 = time.perf_counter(); fn(); times.append(time.perf_counter() - t0)
        return min(times)

    s = batch(2)
    with torch.no_grad():
        fwd = best(lambda: M.forward(p, **s), 10)
    leaves = {k: v.clone().requires_grad_(True) for k, v in p.items()}
    tr = batch(12)

    def step():
        for v in leaves.values():
            v.grad = None
        out = M.forward(leaves, **tr)
        (out * out).mean().backward()
    fb = best(step, 5)
    print("bench_dit_torch: torch %s, %d threads" % (torch.__version__, torch.get_num_threads()))
    print("sampling pass (batch 2): %.2f ms" % (fwd * 1000))
    print("training step forward+backward (batch 12): %.2f ms" % (fb * 1000))


if __name__ == "__main__":
    main()
