#!/usr/bin/env python3
"""Text-to-video quality of a diffusion transformer, judged by reel-score against the prompt as typed.

Usage: python3 Scripts/eval_t2v.py [--model PATH] [--prompts N] [--seeds K] [--steps S] [--guidance G] [--shift S] [--guidance-below L]
Runs, for the first N prompts of Tests/ReelDiTTests/Fixtures/t2v_prompts.tsv, at 64x64, 112x64 and
64x112 and K seeds each:
    reel-prompt-expand --seed SEED PROMPT | reel-denoise --size WxH --frames 17 --seed SEED
      | reel-unpatchify | reel-score --json
and prints the share of passed checks per attribute (background, colour, shape, motion, ...), the
share of clips whose every check passed, and per aspect ratio. A development tool (uses the built
tools in .build/release); nothing at run time needs Python.
"""
import argparse
import collections
import json
import os
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
bin_dir = os.path.join(root, ".build", "release")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--prompts", type=int, default=20)
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--steps", type=int)
    ap.add_argument("--guidance", type=float)
    ap.add_argument("--shift", type=float)
    ap.add_argument("--guidance-below", type=float)
    ap.add_argument("--sizes", default="64x64,112x64,64x112")
    ap.add_argument("--frames", type=int, default=17)
    a = ap.parse_args()
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(root, "Tests/ReelDiTTests/Fixtures/t2v_prompts.tsv"))
            if l.strip() and not l.startswith("#")][: a.prompts]
    per_attr = collections.Counter(); per_attr_n = collections.Counter()
    clips = all_pass = 0
    by_size = collections.Counter(); by_size_n = collections.Counter()
    for i, (prompt, _) in enumerate(rows):
        for size in a.sizes.split(","):
            for s in range(a.seeds):
                seed = 1000 + 17 * i + s
                den = [bin_dir + "/reel-denoise", "--size", size, "--frames", str(a.frames), "--seed", str(seed)]
                if a.model: den += ["--model", a.model]
                if a.steps: den += ["--steps", str(a.steps)]
                if a.guidance is not None: den += ["--guidance", str(a.guidance)]
                if a.shift is not None: den += ["--shift", str(a.shift)]
                if a.guidance_below is not None: den += ["--guidance-below", str(a.guidance_below)]
                cmd = (f"{bin_dir}/reel-prompt-expand --seed {seed} {json.dumps(prompt)} | {' '.join(den)} 2>/dev/null"
                       f" | {bin_dir}/reel-unpatchify | {bin_dir}/reel-score --json")
                out = subprocess.run(cmd, shell=True, capture_output=True, text=True)
                if out.returncode != 0:
                    print("failed:", cmd, out.stderr, file=sys.stderr); continue
                rep = json.loads(out.stdout.strip().splitlines()[0])
                checks = [c for seg in rep["segments"] for c in seg["checks"]]
                clips += 1
                ok = all(c["passed"] for c in checks) and checks
                all_pass += bool(ok)
                for c in checks:
                    kind = c["attribute"].split()[-1]
                    per_attr[kind] += c["passed"]; per_attr_n[kind] += 1
                    by_size[size] += c["passed"]; by_size_n[size] += 1
                if os.environ.get("EVAL_VERBOSE"):
                    print(size, seed, prompt, "->", [(c["attribute"], c["observed"]) for c in checks if not c["passed"]])
    print(f"clips {clips}; every attribute right: {all_pass}/{clips} = {100 * all_pass / max(1, clips):.1f}%")
    for k in sorted(per_attr_n):
        print(f"  {k:12s} {per_attr[k]}/{per_attr_n[k]} = {100 * per_attr[k] / per_attr_n[k]:.1f}%")
    for k in sorted(by_size_n):
        print(f"  size {k:8s} {by_size[k]}/{by_size_n[k]} = {100 * by_size[k] / by_size_n[k]:.1f}% of checks")


if __name__ == "__main__":
    main()
