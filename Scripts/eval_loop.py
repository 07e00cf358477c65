#!/usr/bin/env python3
"""Seamless loops with reel-loop and the shipped diffusion transformer, judged by reel-score --loop.

Usage: python3 Scripts/eval_loop.py [--clips N] [--seeds K] [--length 8] [--steps S] [--model PATH]
For N reel-synth clips of 17 frames (fresh dataset seed 4242, the three aspect ratios in turn) and K
seeds each:
    reel-encode - < clip | reel-loop --length L | reel-prompt-expand PROMPT | reel-patchify
      | reel-denoise --seed SEED | reel-unpatchify | reel-score --loop --json
A loop passes (issue 14) when the seam step is at most the clip's median frame step (seam_ratio
<= 1), the motion holds across the join into the bridge, some object moves (its motion class is not
still) and the clip is not its own reversal. Prints each criterion's share and the pass rate.
A development tool (uses the built tools in .build/release); nothing at run time needs Python.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
b = os.path.join(root, ".build", "release")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=12)
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--length", type=int, default=8)
    ap.add_argument("--steps", type=int)
    ap.add_argument("--model")
    a = ap.parse_args()
    sizes = ["64x64", "112x64", "64x112"]
    tally = {"seam": 0, "motion_holds": 0, "moves": 0, "not_reversal": 0, "pass": 0}
    n = 0
    with tempfile.TemporaryDirectory() as d:
        for i in range(a.clips):
            size = sizes[i % 3]
            syn = os.path.join(d, f"s{i}")
            subprocess.run([f"{b}/reel-synth", "--seed", "4242", "--first", str(i), "--count", "1", "--size", size,
                            "--frames", "17", "--out", syn], check=True, capture_output=True)
            clip = os.path.join(syn, f"clip-{i:06d}.reel")
            prompt = open(os.path.join(syn, f"clip-{i:06d}.prompt.txt")).read().strip()
            for s in range(a.seeds):
                seed = 100 + 7 * i + s
                den = f"{b}/reel-denoise --seed {seed}" + (f" --steps {a.steps}" if a.steps else "") + (f" --model {a.model}" if a.model else "")
                cmd = (f"{b}/reel-encode - < {clip} | {b}/reel-loop --length {a.length} | {b}/reel-prompt-expand --seed {seed} {json.dumps(prompt)}"
                       f" 2>/dev/null | {b}/reel-patchify | {den} 2>/dev/null | {b}/reel-unpatchify | {b}/reel-score --loop --json")
                out = subprocess.run(cmd, shell=True, capture_output=True, text=True)
                if out.returncode != 0:
                    print("failed:", cmd, out.stderr, file=sys.stderr)
                    continue
                rep = json.loads(out.stdout.splitlines()[0])
                loop, joins = rep["loop"], rep["joins"]
                moves = any(o["motion"] != "still" for o in rep["observed"]["objects"])
                ok = {"seam": loop["seam_ratio"] <= 1.0, "motion_holds": all(j["motion_holds"] for j in joins),
                      "moves": moves, "not_reversal": not loop["reversal"]}
                ok["pass"] = all(ok.values())
                for k, v in ok.items():
                    tally[k] += v
                n += 1
                print(f"{i} {size} seed {seed}: seam x{loop['seam_ratio']:.2f}, joins {[j['step_ratio'] for j in joins]}, "
                      f"moves {moves}, {'PASS' if ok['pass'] else 'fail'}  ({prompt})")
    print(f"{n} loops: " + ", ".join(f"{k} {100 * v / max(n, 1):.1f}%" for k, v in tally.items()))


if __name__ == "__main__":
    main()
