#!/usr/bin/env python3
"""Golden safetensors files for Tests/ReelSafetensorsTests (dev only; the Swift
tests never run Python).

    python3 Scripts/make_safetensors_fixtures.py            # (re)write the fixtures
    python3 Scripts/make_safetensors_fixtures.py --check F  # load a Swift-written file

Needs torch and the `safetensors` package (pip install safetensors; written
with safetensors 0.8.0, torch 2.15).

Writes, under Tests/ReelSafetensorsTests/Fixtures:

golden.safetensors
    Every dtype the Swift reader converts, written by safetensors.torch.save_file:
    f32 special values; f16/bf16 narrowed by torch from the F32 tensors
    f16_source/bf16_source (subnormals, infinities, NaN, ties that round to
    even, overflow); the same values widened back by torch (f16_as_f32,
    bf16_as_f32); F64, I64, I32, I16, I8, U8, BOOL, a scalar and an empty
    tensor; metadata {"format": "pt", "note": "reel golden"}.
    The Swift test checks every element bit for bit: its F16/BF16 decoding
    against torch's widening, its own F32->F16/BF16 rounding against torch's
    narrowing, and integers against the values below.

written_by_python.safetensors
    The F32/F16/BF16 tensors f32, f16_source (as F16), bf16_source (as BF16),
    scalar and empty, with metadata {"writer": "python"} (bf16_source without
    its NaN, see written_tensors). The Swift test
    writes the same tensors with SafetensorsWriter and asserts that its file
    is byte-identical to this one (same ordering, JSON and padding).

Swift-written files load in Python: running
    REEL_SAFETENSORS_EXPORT_DIR=/tmp/st swift test --filter ReelSafetensorsTests
makes the round-trip test also leave /tmp/st/swift_written.safetensors, and
    python3 Scripts/make_safetensors_fixtures.py --check /tmp/st/swift_written.safetensors
loads it with safetensors.torch.load_file and compares every tensor with the
values the Swift test wrote (checked 2026-11-21: "OK: 5 tensors match").
"""
import os
import struct
import sys

import torch
from safetensors.torch import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "ReelSafetensorsTests", "Fixtures")


def f32(bits):
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def f16_source():
    vals = [
        0.0, -0.0, 1.0, -2.5, 0.1, 1.0 / 3.0, 65504.0,
        65519.99,            # rounds down to 65504
        65520.0,             # tie at the top: rounds to inf
        1e6, -1e6, float("inf"), float("-inf"), float("nan"),
        2.0 ** -14,          # smallest normal
        2.0 ** -24,          # smallest subnormal
        2.0 ** -25,          # tie between 0 and the smallest subnormal: 0 (even)
        f32(0x33000001),     # just above 2^-25: smallest subnormal
        3 * 2.0 ** -25,      # tie between 1 and 2 subnormal units: 2 (even)
        5 * 2.0 ** -25,      # tie between 2 and 3 units: 2 (even)
        1.0 + 2.0 ** -11,    # tie: 1.0
        1.0 + 3 * 2.0 ** -11,  # tie: rounds up to even
        (2.0 ** -14) * (1 - 2.0 ** -11),  # rounds up into the smallest normal
        -(2.0 ** -20), 1e-10, -1e-10,
    ]
    g = torch.Generator().manual_seed(7)
    vals += (torch.randn(16, generator=g) * 1000).tolist()
    return torch.tensor(vals, dtype=torch.float32)


def bf16_source():
    vals = [
        0.0, -0.0, 1.0, -2.5, 0.1, 1.0 / 3.0,
        1.0 + 2.0 ** -8,       # tie: 1.0
        1.0 + 3 * 2.0 ** -8,   # tie: up to even
        f32(0x7F7FFFFF),       # FLT_MAX rounds to inf
        f32(0x7F7F0000),       # largest bf16
        float("inf"), float("-inf"), float("nan"),
        f32(0x00000001),       # smallest float subnormal
        f32(0x00008000),       # float subnormal tie: rounds to 0 (even)
        f32(0x00018000),       # float subnormal tie: rounds up to even
        f32(0x00800000),       # smallest normal
        -1e-40,
    ]
    g = torch.Generator().manual_seed(8)
    vals += (torch.randn(14, generator=g) * 1e5).tolist()
    return torch.tensor(vals, dtype=torch.float32)


def golden_tensors():
    f32v = torch.tensor([0.0, -0.0, 1.5, -3.25, float("inf"), float("-inf"),
                         f32(0x00000001), f32(0x7F7FFFFF)], dtype=torch.float32).reshape(2, 4)
    hs = f16_source()
    bs = bf16_source()
    h = hs.to(torch.float16)
    b = bs.to(torch.bfloat16)
    return {
        "f32": f32v,
        "f16_source": hs,
        "f16": h,
        "f16_as_f32": h.to(torch.float32),
        "bf16_source": bs,
        "bf16": b,
        "bf16_as_f32": b.to(torch.float32),
        "f64": torch.tensor([1.0, -2.5, 1e300, 1.0 / 3.0], dtype=torch.float64),
        "i64": torch.tensor([0, -1, 2 ** 62, -(2 ** 63)], dtype=torch.int64),
        "i32": torch.tensor([[7, -8], [2 ** 31 - 1, -(2 ** 31)]], dtype=torch.int32),
        "i16": torch.tensor([-32768, 32767], dtype=torch.int16),
        "i8": torch.tensor([-128, 127, 0], dtype=torch.int8),
        "u8": torch.tensor([0, 255, 17], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True], dtype=torch.bool),
        "scalar": torch.tensor(42.5, dtype=torch.float32),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
    }


def written_tensors(g):
    return {
        "f32": g["f32"],
        "f16_source": g["f16_source"].to(torch.float16),
        # torch's vectorized CPU cast writes NaN as BF16 0xFFFF, its scalar
        # c10::BFloat16 path (and SafetensorsWriter) as 0x7FC0: both NaN, so
        # the byte-identity file leaves NaN out.
        "bf16_source": g["bf16_source"][~g["bf16_source"].isnan()].to(torch.bfloat16),
        "scalar": g["scalar"],
        "empty": g["empty"],
    }


def swift_written_expected():
    """What the Swift round-trip test writes to swift_written.safetensors."""
    vals = [float(i) * 0.25 - 1.0 for i in range(12)]
    return {
        "weights": (torch.tensor(vals, dtype=torch.float32).reshape(3, 4), torch.float32),
        "half": (torch.tensor(vals[:6], dtype=torch.float32).reshape(2, 3), torch.float16),
        "brain": (torch.tensor(vals[:4], dtype=torch.float32), torch.bfloat16),
        "scalar": (torch.tensor(3.5, dtype=torch.float32), torch.float32),
        "empty": (torch.zeros(0, 2, dtype=torch.float32), torch.float32),
    }


def check(path):
    loaded = load_file(path)
    expected = swift_written_expected()
    assert set(loaded) == set(expected), (sorted(loaded), sorted(expected))
    for name, (values, dtype) in expected.items():
        t = loaded[name]
        assert t.dtype == dtype, (name, t.dtype, dtype)
        assert t.shape == values.shape, (name, t.shape, values.shape)
        assert torch.equal(t, values.to(dtype)), (name, t, values)
    print(f"OK: {len(expected)} tensors match")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
        return
    os.makedirs(OUT, exist_ok=True)
    g = golden_tensors()
    save_file(g, os.path.join(OUT, "golden.safetensors"),
              metadata={"format": "pt", "note": "reel golden"})
    save_file(written_tensors(g), os.path.join(OUT, "written_by_python.safetensors"),
              metadata={"writer": "python"})
    for name in ("golden.safetensors", "written_by_python.safetensors"):
        print(name, os.path.getsize(os.path.join(OUT, name)), "bytes")


if __name__ == "__main__":
    main()
