#!/usr/bin/env python3
"""vae_pca_bound: how many latent channels a 4x4x4 video VAE needs, by linear algebra.

The causal VAE (Sources/ReelVAE/CausalVideoVAE.swift) turns each 4-frame, 4x4-pixel
block of RGB (192 values; the first frame alone, as three extra copies of it) into
one latent cell of Z channels. The best *linear* code of Z values per block is the
block's top-Z principal components; its reconstruction PSNR is a yardstick for the
trained network (which sees 3x3x3 neighbourhoods and is non-linear, so it should
beat it). Used to choose the shipped model's latent channels.

    python3 Scripts/vae_pca_bound.py .build/vae-data/square [--clips 500] [--frames 9]

Reads reel-synth clips (clip-*.reel) with Scripts/reelstream.py; PCA on the blocks
of 80% of the chosen clips, PSNR (peak 1, over each clip's own frames, averaged
over clips, as reel-train's held-out PSNR) on the rest.
"""
import argparse
import glob
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reelstream  # noqa: E402


def clip_frames(path, frames):
    with open(path, "rb") as f:
        data = [r["data"] for r in reelstream.decode_stream(f) if r["type"] == "FRAM"]
    x = np.stack(data[:frames]).astype(np.float32) / 255.0  # (T,C,H,W)
    return np.concatenate([np.repeat(x[:1], 3, 0), x], 0)  # first frame alone: 1 + 4k -> 4(k + 1)


def blocks(x):
    t, c, h, w = x.shape
    v = x.reshape(t // 4, 4, c, h // 4, 4, w // 4, 4).transpose(0, 3, 5, 2, 1, 4, 6)
    return v.reshape(-1, c * 64)  # one row per (latent frame, cell): (c, dt, dy, dx)


def unblocks(b, shape):
    t, c, h, w = shape
    v = b.reshape(t // 4, h // 4, w // 4, c, 4, 4, 4).transpose(0, 4, 3, 1, 5, 2, 6)
    return v.reshape(t, c, h, w)[3:]  # the clip's own frames (the three copies dropped)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("data", help="a reel-synth dataset directory")
    p.add_argument("--clips", type=int, default=500)
    p.add_argument("--frames", type=int, default=9, help="1 + 4k frames of each clip")
    p.add_argument("--channels", default="8,16,24,32,48,64")
    a = p.parse_args()
    if (a.frames - 1) % 4:
        sys.exit(f"vae_pca_bound: --frames {a.frames} is not 1 + 4k")
    files = sorted(glob.glob(os.path.join(a.data, "clip-*.reel")))
    if len(files) < 5:
        sys.exit(f"vae_pca_bound: {a.data} holds {len(files)} clips; need at least 5")
    rng = np.random.default_rng(0)
    chosen = rng.choice(len(files), min(a.clips, len(files)), replace=False)
    cut = int(len(chosen) * 0.8)
    train = np.concatenate([blocks(clip_frames(files[i], a.frames)) for i in chosen[:cut]])
    test = [clip_frames(files[i], a.frames) for i in chosen[cut:]]
    mean = train.mean(0)
    _, vectors = np.linalg.eigh(np.cov((train - mean).T))
    vectors = vectors[:, ::-1]
    print(f"{len(chosen) - cut} held-out clips, {train.shape[0]} training blocks of {train.shape[1]} values")
    for z in (int(s) for s in a.channels.split(",")):
        v = vectors[:, :z]
        psnr = []
        for x in test:
            b = blocks(x)
            y = unblocks((b - mean) @ v @ v.T + mean, x.shape)
            psnr.append(10 * np.log10(1 / ((y - x[3:]) ** 2).mean()))
        print(f"Z = {z:3d}: best linear code {np.mean(psnr):.2f} dB")


if __name__ == "__main__":
    main()
