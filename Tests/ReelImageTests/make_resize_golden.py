#!/usr/bin/env python3
"""Golden outputs for ReelImage's bilinear resampler, from PyTorch.

torch.nn.functional.interpolate(mode="bilinear", antialias=True,
align_corners=False) widens the triangle filter by the scale factor when
shrinking, as Resampler does (both follow Pillow). The input is a formula the
Swift test repeats: sample (c, y, x) = (c*97 + y*31 + x*17 + (x*y) % 13) % 256.

Writes Fixtures/resize_bilinear_<H>x<W>.f32: float32 little-endian (C,H,W)
outputs before rounding, for a 3x37x53 input.
Run: python3 Tests/ReelImageTests/make_resize_golden.py
"""
import os
import numpy as np
import torch
import torch.nn.functional as F

C, H, W = 3, 37, 53
c, y, x = np.meshgrid(np.arange(C), np.arange(H), np.arange(W), indexing="ij")
img = ((c * 97 + y * 31 + x * 17 + (x * y) % 13) % 256).astype(np.float32)
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Fixtures")
os.makedirs(here, exist_ok=True)
for oh, ow in [(16, 20), (70, 90), (37, 11)]:
    out = F.interpolate(torch.from_numpy(img)[None], size=(oh, ow), mode="bilinear",
                        antialias=True, align_corners=False)[0].numpy().astype("<f4")
    path = os.path.join(here, f"resize_bilinear_{oh}x{ow}.f32")
    out.tofile(path)
    print(path, out.shape, float(out.min()), float(out.max()))
