#!/usr/bin/env python3
"""Golden fixtures for ReelText: tokenizer ids and MiniLM encoder outputs.

Writes Tests/ReelTextTests/Fixtures/
  tokenizer_ids.json  {"max_length": 256, "cases": [{"text": ..., "ids": [...]}, ...]}
  encoder.json        {"sentences": [{"text", "ids", "embedding": [384],
                                       "token_states": [[384] per token] (a few only)}]}

The reference is sentence-transformers (which runs transformers' BertTokenizer
and BertModel), loaded from the local model directory with HF_HUB_OFFLINE=1:
nothing is fetched from a model hub. Dev-only requirements, from PyPI:
    pip install torch transformers tokenizers sentence-transformers

usage: Scripts/make_text_fixtures.py [MODEL_DIR]
MODEL_DIR defaults to $REEL_TEXT_MODEL, else the cache filled by
Scripts/fetch-text-model.sh (${XDG_CACHE_HOME:-~/.cache}/reel/all-MiniLM-L6-v2).
"""
import json
import os
import random
import sys

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "ReelTextTests", "Fixtures")


def model_dir():
    if len(sys.argv) > 1:
        return sys.argv[1]
    if os.environ.get("REEL_TEXT_MODEL"):
        return os.environ["REEL_TEXT_MODEL"]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "reel", "all-MiniLM-L6-v2")


# Words of the shapes world (WORLD.md), for caption-like inputs.
COLOURS = ["red", "orange", "yellow", "green", "blue", "purple", "pink", "white", "black"]
SHAPES = ["ball", "square", "triangle", "star", "circle", "sphere", "box", "cube", "block"]
SIZES = ["small", "medium", "large"]
MOTIONS = ["moves left", "moves right", "moves up", "moves down", "bounces up and down",
           "circles around", "grows", "shrinks", "spins in place", "stays still"]
BACKGROUNDS = ["a plain white wall", "a plain black wall", "a gray backdrop", "a navy backdrop",
               "sand", "a blue sky gradient", "a sunset gradient", "a night sky with stars",
               "a gray checkerboard", "vertical gray stripes"]
CAMERAS = ["The camera is static.", "The camera pans left.", "The camera pans right."]


def hand_written():
    return [
        "", " ", "\t\n", "a", "A", "hello world", "Hello, World!", "HELLO WORLD",
        "red ball bouncing", "a blue square moving left on a white background",
        "a crimson sphere drifting to the right", "camera panning left", "two balls",
        "on a sunset background", "slowly spinning star", "going left, quickly!",
        "A small red ball bounces up and down near the center of the frame. "
        "The background is a plain white wall. The camera is static.",
        # punctuation, ASCII symbols, brackets
        "what's up?", "don't stop", "e-mail me @ foo@bar.com", "x=1+2*3/4-5", "C++ & C#",
        "(parens) [brackets] {braces} <angles>", "a~b`c^d|e\\f_g", "$100.00 or 50%",
        "...!!!???", "--double--dash--", "\"quoted\" 'single'", "#hashtag ^caret",
        "semi;colon:colon", "tab\tseparated\tvalues", "line\nbreaks\r\nand\rreturns",
        # unicode punctuation and spaces
        "“curly quotes” and ‘single’", "em—dash – en dash", "ellipsis…", "¿qué? ¡sí!",
        "«guillemets»", "non\u00a0breaking\u00a0space", "thin\u2009space", "ideographic\u3000space",
        "zero\u200bwidth", "soft\u00adhyphen", "joiner\u200dhere", "bom\ufeffinside", "nul\u0000char",
        "replacement\ufffdchar", "bell\u0007char", "form\u000cfeed", "vertical\u000btab",
        "next\u0085line", "line\u2028separator", "private\ue000use",
        # accents and case
        "café", "naïve résumé", "Crème Brûlée", "Ångström", "São Paulo", "Zürich", "ÉCOLE",
        "piñata", "façade", "coöperate", "Dvořák", "Łódź", "straße", "İstanbul", "ǅemal",
        "ΣΊΣΥΦΟΣ", "Ελληνικά", "Москва", "Привет мир", "עברית", "العربية", "हिन्दी",
        "ไทย", "한국어 텍스트", "ｆｕｌｌｗｉｄｔｈ", "ﬁ ligature", "e\u0301 combining", "Å vs A\u030a",
        # CJK
        "日本語のテキスト", "中文文本测试", "漢字かな混じり文", "東京タワー", "我爱北京天安门",
        "𠀀 extension b", "豈 compatibility", "カタカナ", "ひらがな",
        # emoji and symbols
        "🎉 party", "I ❤ you", "👍🏽 thumbs", "🥺", "🫠 melting", "👨‍👩‍👧 family",
        "🇫🇷 flag", "★ star ☆", "♥♦♣♠", "→ arrow ←", "©®™", "½ ¼ ¾", "°C and °F", "∑∫√∞",
        "emoji🙂inside", "x\U0001f3fby", "1️⃣ keycap",
        # numbers
        "0", "42", "3.14159", "1,000,000", "12:30pm", "2024-01-01", "v1.2.3", "1e10",
        "007", "#1", "50/50", "24/7", "9th", "1st 2nd 3rd", "٣ arabic digit", "四 chinese four",
        # words that split into pieces
        "unbelievably", "antidisestablishmentarianism", "supercalifragilisticexpialidocious",
        "tokenization", "transformers", "preprocessing", "overfitting", "hyperparameter",
        "MiniLM", "WordPiece", "Kubernetes", "PyTorch", "iPhone", "McDonald's", "O'Reilly",
        "xyzzy", "qwertyuiop", "zzzzzzzzzz", "aaaaaaaaaaaaaaaaaaaa",
        # special tokens written literally
        "[CLS]", "a [SEP] b", "[MASK] is here", "[UNK][PAD]", "[sep] lowercase", "x[SEP]y",
        "[ CLS ]", "[CLS", "CLS]",
        # whitespace oddities
        "   leading", "trailing   ", "  many    spaces   between  ", "\n\n\nnewlines\n\n",
        "\t\ttabs\t", "mixed \t\n\r whitespace",
        # long words
        "a" * 100, "b" * 101, "word " + "c" * 150 + " end", "x" * 99 + "!",
        # url/code
        "https://example.com/path?q=1&r=2", "foo_bar_baz", "camelCaseWord", "snake_case_word",
        "SELECT * FROM t;", "if (x) { return y; }", "<html><body>hi</body></html>",
        "user@example.org", "C:\\Windows\\path", "~/.cache/reel",
    ]


def world_captions():
    """Detailed captions from ReelWorld's own caption writer, through a built
    reel-prompt-expand (--print needs no model), when one is there."""
    import shutil
    import subprocess
    candidates = [os.environ.get("REEL_BIN", ""), os.path.join(ROOT, ".build", "debug"), os.path.join(ROOT, ".build", "release")]
    tool = next((os.path.join(d, "reel-prompt-expand") for d in candidates
                 if d and os.access(os.path.join(d, "reel-prompt-expand"), os.X_OK)), shutil.which("reel-prompt-expand"))
    if not tool:
        print("make_text_fixtures.py: no built reel-prompt-expand; world captions left out", file=sys.stderr)
        return []
    prompts = ["red ball bouncing", "a crimson sphere drifting to the right", "two stars", "a square",
               "green triangle on a night background, camera panning left", "slowly spinning star", "a ball",
               "three small balls", "an orange cube growing quickly", "a purple triangle moving down on sand"]
    out = []
    for i, p in enumerate(prompts):
        for seed in (i, 100 + i, 200 + i):
            r = subprocess.run([tool, "--print", "--seed", str(seed), p], capture_output=True, text=True)
            if r.returncode == 0:
                out.append(r.stdout.strip())
    return out


def generated(rng):
    out = []
    for _ in range(40):
        c, s, z = rng.choice(COLOURS), rng.choice(SHAPES), rng.choice(SIZES)
        m, b, cam = rng.choice(MOTIONS), rng.choice(BACKGROUNDS), rng.choice(CAMERAS)
        out.append(f"A {z} {c} {s} {m} near the center of the frame. The background is {b}. {cam}")
    for _ in range(20):
        c, s = rng.choice(COLOURS), rng.choice(SHAPES)
        out.append(rng.choice([f"{c} {s}", f"a {c} {s} {rng.choice(MOTIONS)}",
                               f"{c.upper()} {s.title()}!", f"two {c} {s}s"]))
    # random mixes of scalars from many scripts and categories
    pools = [
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        " \t\n.,;:!?'\"()[]{}<>-_/\\|@#$%^&*+=~`",
        "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿÀÉÎÕÜßœŒ",
        "日本語中文漢字東京北京天安门カタカナひらがな한국어",
        "🎉🙂👍❤★☆→←©®™½°∑√∞",
        "\u00a0\u2009\u3000\u200b\u00ad\u200d\ufeff\u0301\u030a",
    ]
    for _ in range(30):
        n = rng.randint(1, 40)
        out.append("".join(rng.choice(rng.choice(pools)) for _ in range(n)))
    # very long inputs (truncated at 256 tokens)
    words = "the quick brown fox jumps over the lazy dog while a small red ball bounces".split()
    out.append(" ".join(rng.choice(words) for _ in range(400)))
    out.append(" ".join(rng.choice(words) for _ in range(254)))
    out.append(" ".join(rng.choice(words) for _ in range(255)))
    out.append("supercalifragilistic " * 80)
    out.append("日本" * 300)
    return out


ENCODER_SENTENCES = [
    "red ball bouncing",
    "a crimson sphere drifting to the right",
    "A small red ball bounces up and down near the center of the frame. "
    "The background is a plain white wall. The camera is static.",
    "a blue square moving left on a white background",
    "two yellow stars spinning slowly on a night sky, camera panning left",
    "A large green triangle moves right quickly. The background is a sunset gradient. "
    "The camera pans right.",
    "Hello, World!",
    "café naïve résumé 日本語 🎉",
    "",
    " ".join(["a purple cube grows while the camera pans left"] * 30),  # 256-token truncation
]
TOKEN_STATE_SENTENCES = {0, 6}


def main():
    mdir = model_dir()
    if not os.path.isfile(os.path.join(mdir, "model.safetensors")):
        sys.exit(f"make_text_fixtures.py: no model.safetensors in {mdir}; run Scripts/fetch-text-model.sh")
    torch.manual_seed(0)
    model = SentenceTransformer(mdir, device="cpu")
    model.eval()
    max_len = model.max_seq_length
    rng = random.Random(20261121)
    # sentence-transformers >= 5 renamed tokenize() to preprocess().
    tokenize = getattr(model, "preprocess", None) or model.tokenize

    def ids_of(text):
        feats = tokenize([text])
        n = int(feats["attention_mask"][0].sum())
        return [int(i) for i in feats["input_ids"][0][:n]]

    texts = hand_written() + generated(rng) + world_captions()
    seen, cases = set(), []
    for t in texts:
        if t in seen:
            continue
        seen.add(t)
        cases.append({"text": t, "ids": ids_of(t)})
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "tokenizer_ids.json"), "w", encoding="utf-8") as f:
        json.dump({"source": "sentence-transformers tokenize(), all-MiniLM-L6-v2",
                   "max_length": max_len, "cases": cases}, f, ensure_ascii=True, separators=(",", ":"))
        f.write("\n")

    sentences = []
    with torch.no_grad():
        for i, t in enumerate(ENCODER_SENTENCES):
            feats = tokenize([t])
            out = model(feats)
            n = int(feats["attention_mask"][0].sum())
            entry = {"text": t, "ids": [int(x) for x in feats["input_ids"][0][:n]],
                     "embedding": [float(f"{v:.7g}") for v in out["sentence_embedding"][0].tolist()]}
            if i in TOKEN_STATE_SENTENCES:
                entry["token_states"] = [[float(f"{v:.7g}") for v in row]
                                         for row in out["token_embeddings"][0][:n].tolist()]
            sentences.append(entry)
    with open(os.path.join(OUT, "encoder.json"), "w", encoding="utf-8") as f:
        json.dump({"source": "sentence-transformers all-MiniLM-L6-v2, fp32 CPU, torch " + torch.__version__,
                   "sentences": sentences}, f, ensure_ascii=True, separators=(",", ":"))
        f.write("\n")
    print(f"make_text_fixtures.py: {len(cases)} tokenizer cases, {len(sentences)} encoder sentences in {OUT}")


if __name__ == "__main__":
    main()
