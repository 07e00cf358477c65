#!/usr/bin/env python3
"""Fits reel-denoise's --preview decoder: a linear map from one latent cell (the VAE's channels)
to the mean RGB of the pixels it covers, as ComfyUI's latent previews do.

Usage: python3 Scripts/fit_latent_preview.py [--clips N] [--out PATH]
Renders N clips with the built reel-synth (fresh seeds, the three aspect ratios, 17 frames),
encodes them with the shipped VAE (reel-encode -), and solves least squares per kind of latent
frame: the first (one video frame, encoded alone) and the later ones (4 video frames each: the
target is the mean over those frames). Writes JSON {vae, channels, spatialFactor, first: {weight
(3 x C), bias (3)}, later: {...}, fit: {...}} beside the shipped DiT
(Sources/ReelDiT/Resources/latent-preview.json). A development tool; nothing at run time needs Python.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(root, "Scripts"))
import reelstream  # noqa: E402

bin_dir = os.path.join(root, ".build", "release")


def clips(data):
    """clip -> (header, [frames (C,H,W)]) of every clip in a stream's bytes."""
    import io
    out = {}
    for rec in reelstream.decode_stream(io.BytesIO(data)):
        if rec["type"] == "HEAD":
            out[rec["clip"]] = (rec, [])
        elif rec["type"] == "FRAM":
            out[rec["clip"]][1].append(np.asarray(rec["data"], dtype=np.float64))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=120)
    ap.add_argument("--out", default=os.path.join(root, "Sources/ReelDiT/Resources/latent-preview.json"))
    a = ap.parse_args()
    rows = {"first": ([], []), "later": ([], [])}
    held = {"first": ([], []), "later": ([], [])}
    vae = None
    for k, size in enumerate(["64x64", "112x64", "64x112"]):
        pix = subprocess.run([bin_dir + "/reel-synth", "--seed", str(900 + k), "--size", size, "--frames", "17",
                              "--count", str(a.clips // 3)], capture_output=True, check=True).stdout
        lat = subprocess.run([bin_dir + "/reel-encode", "-"], input=pix, capture_output=True, check=True).stdout
        p, l = clips(pix), clips(lat)
        for i, c in enumerate(sorted(l)):
            lh, lf = l[c]
            vae = lh["model"]
            s = lh["spatial_factor"]
            frames = np.stack(p[c][1]) / 255.0  # (T,3,H,W)
            for fi, z in enumerate(lf):
                kind = "first" if fi == 0 else "later"
                group = frames[0:1] if fi == 0 else frames[1 + 4 * (fi - 1): 1 + 4 * fi]
                m = group.mean(axis=0)  # (3,H,W)
                ch, hh, ww = z.shape
                m = m[:, :hh * s, :ww * s].reshape(3, hh, s, ww, s).mean(axis=(2, 4))  # (3,h,w)
                dst = held if i % 10 == 9 else rows
                dst[kind][0].append(z.reshape(ch, -1).T)
                dst[kind][1].append(m.reshape(3, -1).T)
    out = {"vae": vae, "channels": int(ch), "spatialFactor": int(s), "fit": {}}
    for kind in ("first", "later"):
        x = np.concatenate(rows[kind][0]); y = np.concatenate(rows[kind][1])
        xa = np.concatenate([x, np.ones((len(x), 1))], axis=1)
        w, *_ = np.linalg.lstsq(xa, y, rcond=None)  # (C+1,3)
        hx = np.concatenate(held[kind][0]); hy = np.concatenate(held[kind][1])
        pred = np.concatenate([hx, np.ones((len(hx), 1))], axis=1) @ w
        mse = float(((np.clip(pred, 0, 1) - hy) ** 2).mean())
        out[kind] = {"weight": [[round(float(v), 6) for v in w[:-1, j]] for j in range(3)],
                     "bias": [round(float(v), 6) for v in w[-1]]}
        out["fit"][kind] = {"cells": int(len(x)), "heldOutCells": int(len(hx)),
                            "heldOutPSNR": round(10 * np.log10(1 / mse), 2)}
        print(f"{kind}: {len(x)} cells, held-out PSNR of the cell means {out['fit'][kind]['heldOutPSNR']} dB")
    with open(a.out + ".tmp", "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    os.replace(a.out + ".tmp", a.out)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
