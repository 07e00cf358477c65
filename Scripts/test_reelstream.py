#!/usr/bin/env python3
"""Tests of Scripts/reelstream.py against streams the Swift writer made.

    python3 Scripts/test_reelstream.py      (or: python3 -m pytest Scripts/test_reelstream.py)

The fixtures under Tests/ReelStreamTests/Fixtures/ come from
Tests/ReelStreamTests/ReelExamples.swift and MalformedCorpusTests.swift; the
Swift tests check that they are what the writer makes today. Here every value
is recomputed from the formulas that made it, the Python writer must rebuild
every-kind.reel byte for byte, and every malformed stream must be refused with
the Swift reader's error case and message.
"""
import io
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURES = os.path.join(ROOT, "Tests", "ReelStreamTests", "Fixtures")
sys.path.insert(0, HERE)
import reelstream as rs  # noqa: E402


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def clip0(t, c, y, x):
    return (t * 100 + c * 10 + y * 3 + x) % 256


def clip1(t, c, y, x):
    return np.float32(t - c * 0.5 + y * 0.25 - x * 0.125)


def clip1_frames():
    t, c, y, x = np.meshgrid(np.arange(2), np.arange(4), np.arange(4), np.arange(4), indexing="ij")
    return (t - c * 0.5 + y * 0.25 - x * 0.125).astype(np.float32)  # (T,C,H,W)


def patchify(video, pt, ph, pw):
    """(T,C,H,W) -> tokens (N, C*pt*ph*pw) in raster (t,h,w) order, values (c,dt,dy,dx): the layout reel(5) specifies."""
    t, c, h, w = video.shape
    v = video.reshape(t // pt, pt, c, h // ph, ph, w // pw, pw)  # (gt,dt,C,gh,dy,gw,dx)
    v = v.transpose(0, 3, 5, 2, 1, 4, 6)  # (gt,gh,gw,C,dt,dy,dx)
    return v.reshape(-1, c * pt * ph * pw)


# MARK: - CRC-32C


def test_crc32c_known_vectors():
    # RFC 3720 (iSCSI) appendix B.4 and the common check value.
    assert rs.crc32c(b"123456789") == 0xE3069283
    assert rs.crc32c(bytes(32)) == 0x8A9136AA
    assert rs.crc32c(b"\xff" * 32) == 0x62A8AB43
    assert rs.crc32c(bytes(range(32))) == 0x46DD794E
    assert rs.crc32c(b"") == 0


def test_crc32c_vectorized_path_equals_byte_loop():
    rng = np.random.default_rng(5)
    for n in (4095, 4096, 5000, 70001, 262144):
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        slow = rs._register(0xFFFFFFFF, data) ^ 0xFFFFFFFF
        assert rs.crc32c(data) == slow, n
        # Continuing a checksum equals checksumming the concatenation.
        assert rs.crc32c(data[n // 3:], rs.crc32c(data[:n // 3])) == slow, n


# MARK: - Swift-written streams


def test_every_kind_values():
    recs = rs.read_all(fixture("every-kind.reel"))
    assert [r["type"] for r in recs] == ["HEAD", "text", "text", "embd", "embd", "FRAM", "FRAM", "HEAD", "nois", "text",
                                         "FRAM", "FRAM", "PTCH", "TOKS", "TOKS", "HEAD", "FRAM", "PTCH", "TOKS", "HEAD",
                                         "FRAM", "meta", "meta", "xtra", "prov"]
    assert [r["record"] for r in recs] == list(range(1, 26))
    h0, h1, h2, h4 = (r for r in recs if r["type"] == "HEAD")
    assert h0 == dict(type="HEAD", record=1, clip=0, kind="pixels", dtype="u8", channels=3, width=3, height=2,
                      fps=(30000, 1001), frame_count=2, spatial_factor=1, temporal_factor=1, source_width=3,
                      source_height=2, first_frame_alone=False, model="")
    assert (h1["kind"], h1["dtype"], h1["channels"], h1["width"], h1["height"], h1["fps"], h1["frame_count"]) == \
        ("latents", "f32", 4, 4, 4, (8, 1), 2)
    assert (h1["spatial_factor"], h1["temporal_factor"], h1["source_width"], h1["source_height"]) == (8, 4, 32, 32)
    assert h1["first_frame_alone"] is True and h1["model"] == "reel-vae-tiny"
    assert (h2["dtype"], h2["channels"], h2["first_frame_alone"], h2["source_width"]) == ("f16", 2, False, 16)
    assert (h4["dtype"], h4["kind"], h4["width"], h4["height"], h4["fps"]) == ("u16", "pixels", 3, 1, (1, 1))

    frames = [r for r in recs if r["type"] == "FRAM"]
    for f in frames[:2]:
        assert f["clip"] == 0 and f["data"].dtype == np.uint8 and f["data"].shape == (3, 2, 3)
        want = np.array([[[clip0(f["index"], c, y, x) for x in range(3)] for y in range(2)] for c in range(3)], dtype=np.uint8)
        assert np.array_equal(f["data"], want)
    assert [f["index"] for f in frames[:2]] == [0, 1]
    video = clip1_frames()
    for f in frames[2:4]:
        assert f["clip"] == 1 and f["data"].dtype == np.float32 and f["data"].shape == (4, 4, 4)
        assert np.array_equal(f["data"], video[f["index"]])
    assert frames[2]["data"][2, 3, 1] == clip1(0, 2, 3, 1)
    f2 = frames[4]
    assert f2["data"].dtype == np.float16 and f2["data"].shape == (2, 2, 2)
    assert np.array_equal(f2["data"].reshape(-1), (np.arange(8) / 2 - 1).astype(np.float16))
    f4 = frames[5]
    assert f4["data"].dtype == np.uint16 and f4["data"].reshape(-1).tolist() == [0, 1000, 65535]

    g1, g3 = (r for r in recs if r["type"] == "PTCH")
    assert (g1["clip"], g1["dtype"], g1["pt"], g1["ph"], g1["pw"], g1["grid"], g1["token_dim"]) == (1, "f32", 1, 2, 2, (2, 2, 2), 16)
    assert (g3["clip"], g3["dtype"], g3["grid"], g3["token_dim"]) == (3, "bf16", (1, 2, 2), 1)
    t1a, t1b, t3 = (r for r in recs if r["type"] == "TOKS")
    assert t1a["values"].shape == (5, 16) and t1b["values"].shape == (3, 16)
    positions = np.concatenate([t1a["positions"], t1b["positions"]])
    assert positions.tolist() == [[t, h, w] for t in range(2) for h in range(2) for w in range(2)]
    # The tokens are clip 1's latents cut into 1x2x2 patches, values in (c,dt,dy,dx) order.
    tokens = np.concatenate([t1a["values"], t1b["values"]])
    assert np.array_equal(tokens, patchify(video, 1, 2, 2))
    assert t3["values"].dtype == np.float32 and t3["values"].reshape(-1).tolist() == [1.5, -2, 0.25, 3]
    assert t3["positions"].tolist() == [[0, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 1]]

    texts = [r for r in recs if r["type"] == "text"]
    assert [(t["segment"], t["clip"], t["start"], t["end"], t["role"], t["text"]) for t in texts] == [
        (0, None, 0, None, "prompt", "red ball bouncing"),
        (1, 0, 0, 2, "caption", "A red ball bounces on a gray floor; caf\u00e9 \u2713"),
        (2, 1, 4, None, "negative", "blurry")]
    e_tok, e_pool = (r for r in recs if r["type"] == "embd")
    assert e_tok["kind"] == "tokens" and np.array_equal(e_tok["values"], (np.arange(12, dtype=np.float32) * 0.25 - 1).reshape(3, 4))
    assert e_pool["kind"] == "pooled" and e_pool["values"].tolist() == [[0.5] * 4]
    (n,) = (r for r in recs if r["type"] == "nois")
    assert (n["clip"], n["first"], n["levels"].tolist()) == (1, 0, [0.0, 0.75])
    assert [(r["key"], r["value"]) for r in recs if r["type"] == "meta"] == [("world.seed", "42"), ("note", "gr\u00fcn = green")]
    (x,) = (r for r in recs if r["type"] == "xtra")
    assert x["payload"] == bytes([1, 2, 3, 4, 5])
    (p,) = (r for r in recs if r["type"] == "prov")
    assert p["value"] == {"tool": "reel-fixture", "version": "0.1.0", "args": ["--seed", "7", 'a "quoted" arg'],
                          "model": "", "seed": 7, "generated": True}


def write_every_kind():
    """every-kind.reel again, with the Python writer."""
    out = io.BytesIO()
    w = rs.Writer(out)
    w.head(0, 3, 3, 2, fps=(30000, 1001), frame_count=2)
    w.text(0, "red ball bouncing")
    w.text(1, "A red ball bounces on a gray floor; caf\u00e9 \u2713", role="caption", clip=0, start=0, end=2)
    w.embedding(0, (np.arange(12) * 0.25 - 1).reshape(3, 4), kind="tokens")
    w.embedding(0, [[0.5] * 4], kind="pooled")
    for t in range(2):
        w.frame(0, t, [[[clip0(t, c, y, x) for x in range(3)] for y in range(2)] for c in range(3)], "u8")
    w.head(1, 4, 4, 4, kind="latents", dtype="f32", fps=(8, 1), frame_count=2, spatial_factor=8, temporal_factor=4,
           source_width=32, source_height=32, first_frame_alone=True, model="reel-vae-tiny")
    w.noise(1, [0, 0.75])
    w.text(2, "blurry", role="negative", clip=1, start=4)
    video = clip1_frames()
    for t in range(2):
        w.frame(1, t, video[t], "f32")
    w.geometry(1, "f32", 1, 2, 2, 4, 2, 4, 4)
    tokens = patchify(video, 1, 2, 2)
    grid = [(t, h, ww) for t in range(2) for h in range(2) for ww in range(2)]
    w.tokens(1, grid[:5], tokens[:5], "f32")
    w.tokens(1, grid[5:], tokens[5:], "f32")
    w.head(2, 2, 2, 2, kind="latents", dtype="f16", frame_count=1, spatial_factor=8, source_width=16, source_height=16,
           model="reel-vae-tiny")
    w.frame(2, 0, (np.arange(8) / 2 - 1).reshape(2, 2, 2), "f16")
    w.geometry(3, "bf16", 1, 1, 1, 1, 1, 2, 2)
    w.tokens(3, [(0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1)], [[1.5], [-2], [0.25], [3]], "bf16")
    w.head(4, 1, 3, 1, dtype="u16", fps=(1, 1), frame_count=1)
    w.frame(4, 0, [[[0, 1000, 65535]]], "u16")
    w.metadata("world.seed", "42")
    w.metadata("note", "gr\u00fcn = green")
    w.record("xtra", bytes([1, 2, 3, 4, 5]))
    w.provenance("reel-fixture", ["--seed", "7", 'a "quoted" arg'], seed=7, generated=True)
    w.finish()
    return out.getvalue()


def test_python_writer_makes_the_swift_bytes():
    want = fixture("every-kind.reel")
    got = write_every_kind()
    assert len(got) == len(want), (len(got), len(want))
    assert got == want, "first difference at byte %d" % next(i for i in range(len(got)) if got[i] != want[i])


def test_man_page_hex_dump_is_the_example():
    with open(os.path.join(ROOT, "man", "man5", "reel.5"), encoding="utf-8") as f:
        page = f.read()
    block = page.split('.\\" BEGIN EXAMPLE', 1)[1].split('.\\" END EXAMPLE', 1)[0]
    dumped = bytearray()
    for line in block.splitlines():
        m = re.match(r"^([0-9a-f]{4})((?: +[0-9a-f]{2}(?!\S))+)", line)
        if m:
            assert int(m.group(1), 16) == len(dumped), line
            dumped += bytes(int(b, 16) for b in m.group(2).split())
    example = fixture("example.reel")
    assert bytes(dumped) == example
    recs = rs.read_all(example)
    assert [r["type"] for r in recs] == ["HEAD", "FRAM", "text"]
    assert recs[1]["data"][:, 0, 0].tolist() == [255, 0, 0]  # the top-left pixel is red
    assert recs[1]["data"][:, 1, 1].tolist() == [255, 255, 255]  # the bottom-right one white


def test_concatenation_and_clip_numbers():
    example = fixture("example.reel")
    out = io.BytesIO()
    w = rs.Writer(out)
    w.head(1, 1, 1, 1)
    w.frame(1, 0, [[[7]]], "u8")
    w.finish()
    recs = rs.read_all(example + out.getvalue())
    assert [(r["type"], r["record"]) for r in recs] == [("HEAD", 1), ("FRAM", 2), ("text", 3), ("HEAD", 5), ("FRAM", 6)]
    try:
        rs.read_all(example + example)
        raise AssertionError("two clips numbered 0 were accepted")
    except rs.ReelError as e:
        assert e.case == "inconsistent" and "record 5: a second HEAD record for clip 0" in e.message


def read_manifest():
    rows = []
    with open(os.path.join(FIXTURES, "malformed", "MANIFEST"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, status, case, fragment = line.rstrip("\n").split("\t")
            rows.append((name, int(status), case, fragment))
    return rows


def test_malformed_corpus_is_refused():
    rows = read_manifest()
    assert len(rows) >= 30
    files = {f[:-5] for f in os.listdir(os.path.join(FIXTURES, "malformed")) if f.endswith(".reel")}
    assert files == {r[0] for r in rows}
    for name, status, case, fragment in rows:
        data = fixture(os.path.join("malformed", name + ".reel"))
        try:
            rs.read_all(data)
        except rs.ReelError as e:
            assert e.case == case, (name, e.case, case, e.message)
            assert fragment in e.message, (name, e.message, fragment)
        else:
            raise AssertionError("%s was read without an error" % name)


# MARK: - The program


def run(args, stdin=None):
    p = subprocess.run([sys.executable, os.path.join(HERE, "reelstream.py")] + args, input=stdin, capture_output=True)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def test_program_summary_json_npz_and_exit_statuses():
    every = os.path.join(FIXTURES, "every-kind.reel")
    rc, out, err = run([every])
    assert rc == 0, err
    assert "25 records" in out and "TOKS  clip 1: 5 tokens of 16" in out and "nois  clip 1 frames 0..2: 0.0 0.75" in out
    rc, out, _ = run(["-", "--json"], stdin=fixture("every-kind.reel"))
    assert rc == 0
    summary = json.loads(out)
    assert summary[5]["data"]["shape"] == [3, 2, 3] and summary[5]["data"]["sum"] == float(sum(
        clip0(0, c, y, x) for c in range(3) for y in range(2) for x in range(3)))
    with tempfile.TemporaryDirectory() as d:
        npz = os.path.join(d, "a.npz")
        rc, _, err = run([every, "--npz", npz])
        assert rc == 0, err
        with np.load(npz, allow_pickle=False) as z:
            assert z["clip0_frames"].shape == (2, 3, 2, 3)
            assert np.array_equal(z["clip1_frames"], clip1_frames())
            assert np.array_equal(z["clip1_tokens"], patchify(clip1_frames(), 1, 2, 2))
            assert z["clip1_positions"].shape == (8, 3)
            assert z["clip1_noise"].tolist() == [0, 0.75]
            assert z["segment0_embedding_pooled"].shape == (1, 4)
            assert json.loads(str(z["texts_json"]))[0]["text"] == "red ball bouncing"
            assert json.loads(json.loads(str(z["prov_json"]))[0])["seed"] == 7
    rc, _, err = run([os.path.join(FIXTURES, "malformed", "noise-1.5.reel")])
    assert rc == 65 and err.startswith("reelstream.py: record 2 (nois) is malformed: level of frame 0 is 1.5"), err
    rc, _, err = run(["/nonexistent/a.reel"])
    assert rc == 66 and "cannot open" in err
    rc, _, err = run([every, "--bogus"])
    assert rc == 64 and "unknown option --bogus" in err


def main():
    tests = [(k, v) for k, v in sorted(globals().items()) if k.startswith("test_") and callable(v)]
    failed = 0
    for name, fn in tests:
        try:
            fn()
            print("ok   %s" % name)
        except Exception as e:  # report every failure, then exit non-zero
            failed += 1
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
    print("%d passed, %d failed" % (len(tests) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
