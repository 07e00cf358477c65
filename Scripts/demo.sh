#!/usr/bin/env bash
# reel's main job today, end to end with the built tools (README: "Set up").
#   Scripts/demo.sh [OUT_DIR]        (default: ./reel-demo)
# Uses the tools in .build/release (from `make`), else those on PATH.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$root/.build/release/reel-synth" ] && export PATH="$root/.build/release:$PATH"
out=${1:-reel-demo}
mkdir -p "$out"
step() { printf '\n== %s\n' "$*" >&2; }

step "a captioned clip of the shapes world (reel-synth), saved as a stream and a GIF"
reel-synth --seed 7 --size 112x64 --frames 24 > "$out/world.reel"
reel-decode -o "$out/world.gif" < "$out/world.reel"
reel-inspect "$out/world.reel" | sed -n '1,12p'

step "a short prompt expanded into a detailed caption in the training style"
reel-prompt-expand --print --seed 1 "a crimson sphere drifting to the right"

step "media -> frames -> spacetime patches -> frames -> media, with a storyboard of two prompts on the stream"
reel-encode --pixels "$out/world.gif" \
  | reel-prompt-expand --seed 1 --at 0:12 "red ball bouncing" \
  | reel-prompt-expand --seed 2 --at 12: "a blue square spinning on a white background" \
  | reel-patchify --patch 1x8x8 | tee "$out/tokens.reel" \
  | reel-unpatchify | reel-decode -o "$out/roundtrip.mp4"
reel-inspect --png "$out/tokens.png" "$out/tokens.reel" | tail -n 12

step "the same clip through the shipped video VAE: 8x smaller in space, 4x in time, and back"
reel-encode "$out/world.gif" | tee "$out/latents.reel" | reel-decode -o "$out/world-vae.gif"
reel-inspect "$out/latents.reel" | grep -E '^#2 |frames read'

step "any intermediate stream in numpy"
reel-inspect --npy "$out/npy" "$out/tokens.reel" > /dev/null
ls "$out/npy"

printf '\nwrote %s: world.reel, world.gif, tokens.reel, tokens.png, roundtrip.mp4, latents.reel, world-vae.gif, npy/\n' "$out" >&2
