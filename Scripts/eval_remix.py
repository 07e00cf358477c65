#!/usr/bin/env python3
"""Remix quality: a reel-synth clip regenerated with its prompt's colour changed, judged by reel-score.

Usage: python3 Scripts/eval_remix.py [--clips N] [--strengths 0.5,0.7] [--model PATH]
For N fresh clips (seed 5000+i, 64x64, 17 frames, one object): the prompt as reel-synth wrote it with
its colour word replaced by another of the world's colours, then
    reel-encode - | reel-prompt-expand NEWPROMPT | reel-denoise --strength S | reel-unpatchify | reel-score --json
and prints, per strength, the share of clips whose colour check passes (the asked change shows),
whose motion check passes (the motion stays), and both. A development tool (uses .build/release).
"""
import argparse, io, json, os, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(root, "Scripts"))
import reelstream  # noqa: E402
B = os.path.join(root, ".build", "release")
COLOURS = ["red", "orange", "yellow", "green", "blue", "purple", "pink", "white", "black"]


def prompt_of(stream):
    out = subprocess.run([B + "/reel-inspect"], input=stream, capture_output=True).stdout.decode()
    for line in out.splitlines():
        if "prompt, clip" in line and "frames 0-end" in line:
            return line.split('frames 0-end: "', 1)[1].rstrip('"')
    return None


def without_text(stream):
    """The stream with its text and embd records dropped (the source's own prompt and caption)."""
    out = io.BytesIO()
    w = reelstream.Writer(out)
    for r in reelstream.read_records(io.BytesIO(stream)):
        if r.type not in ("text", "embd", "DONE"):
            w.record(r.type, bytes(r.payload))
    w.finish()
    return out.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=20)
    ap.add_argument("--strengths", default="0.5,0.7")
    ap.add_argument("--model")
    a = ap.parse_args()
    strengths = [float(s) for s in a.strengths.split(",")]
    tally = {s: [0, 0, 0, 0] for s in strengths}  # colour, motion, both, clips
    for i in range(a.clips):
        seed = 5000 + i
        src = subprocess.run([B + "/reel-synth", "--seed", str(seed), "--frames", "17", "--count", "1", "--objects", "1"],
                             capture_output=True)
        if src.returncode != 0:
            src = subprocess.run([B + "/reel-synth", "--seed", str(seed), "--frames", "17", "--count", "1"], capture_output=True)
        prompt = prompt_of(src.stdout)
        words = (prompt or "").split()
        old = next((w for w in words if w in COLOURS), None)
        if not old or "moving" not in prompt and "bounc" not in prompt and "circl" not in prompt:
            continue
        new = COLOURS[(COLOURS.index(old) + 3 + i) % len(COLOURS)]
        if new == old:
            new = COLOURS[(COLOURS.index(old) + 1) % len(COLOURS)]
        newprompt = prompt.replace(old, new, 1)
        lat = without_text(subprocess.run([B + "/reel-encode", "-"], input=src.stdout, capture_output=True).stdout)
        for s in strengths:
            den = [B + "/reel-denoise", "--strength", str(s), "--seed", str(seed)] + (["--model", a.model] if a.model else [])
            p1 = subprocess.run([B + "/reel-prompt-expand", "--seed", str(seed), newprompt], input=lat, capture_output=True).stdout
            p2 = subprocess.run(den, input=p1, capture_output=True).stdout
            p3 = subprocess.run([B + "/reel-unpatchify"], input=p2, capture_output=True).stdout
            rep = subprocess.run([B + "/reel-score", "--json"], input=p3, capture_output=True).stdout.decode()
            if not rep.strip():
                continue
            r = json.loads(rep.splitlines()[0])
            checks = [c for seg in r["segments"] for c in seg["checks"]]
            col = [c["passed"] for c in checks if c["attribute"].endswith("colour")]
            mot = [c["passed"] for c in checks if c["attribute"].endswith("motion")]
            if not col or not mot:
                continue
            t = tally[s]
            t[0] += all(col); t[1] += all(mot); t[2] += all(col) and all(mot); t[3] += 1
            if os.environ.get("EVAL_VERBOSE"):
                print(s, prompt, "->", newprompt, [(c["attribute"], c["observed"], c["passed"]) for c in checks])
    for s in strengths:
        c, m, b, n = tally[s]
        print(f"strength {s}: {n} clips; colour changed {c}/{n}, motion kept {m}/{n}, both {b}/{n} = {100 * b / max(1, n):.0f}%")


if __name__ == "__main__":
    main()
