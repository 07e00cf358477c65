#!/usr/bin/env python3
"""reelstream: a reference reader and writer of reel(5) streams, with numpy only.

Reads a stream the way the Swift reader (Sources/ReelStream) does, with the
same checks in the same order and the same error messages, and decodes every
version 1 record kind into numpy arrays and dicts:

    HEAD  dict: clip, kind, dtype, channels, width, height, fps, ...
    FRAM  dict: clip, index, data (C,H,W) array in the clip's dtype
    PTCH  dict: clip, dtype, pt, ph, pw, channels, frames, height, width, grid
    TOKS  dict: clip, positions (N,3) int32 (t,h,w), values (N,D)
    text  dict: segment, clip, start, end, role, text
    embd  dict: segment, kind, values (N,D) float32
    nois  dict: clip, first, levels (N,) float32
    meta  dict: key, value
    prov  dict: json (the text), value (the parsed object, or None)

bf16 values are returned as float32 (numpy has no bfloat16); f16 as float16.

As a program:
    python3 Scripts/reelstream.py FILE            a summary, one line a record
    python3 Scripts/reelstream.py FILE --json     the summary as JSON
    python3 Scripts/reelstream.py FILE --npz OUT  arrays saved with numpy.savez
FILE may be - for standard input. Exit status: 0 ok, 64 usage, 65 the stream
is malformed (the message says how), 66 FILE cannot be opened, 74 I/O error.

As a module:
    import reelstream
    for rec in reelstream.decode_stream(open("a.reel", "rb")): print(rec["type"])
    w = reelstream.Writer(open("b.reel", "wb")); w.head(...); w.frame(...); w.finish()
"""
import json
import math
import struct
import sys

import numpy as np

# MARK: - Format constants (Sources/ReelStream/Format.swift)

SIGNATURE = bytes([0x8A, 0x52, 0x45, 0x4C, 0x0D, 0x0A, 0x1A, 0x0A])
MAJOR, MINOR = 1, 1
PREAMBLE_SIZE = 16
HEADER_SIZE = 16
ALIGNMENT = 8
MAX_PAYLOAD = 1 << 30
MAX_SIDE = 16384
MAX_CHANNELS = 4096
MAX_TOKENS = 1 << 24
MAX_TOKEN_DIM = 1 << 20
MAX_PATCH = 64
MAX_TEXT = 1 << 20
OPEN = 0xFFFFFFFF

KNOWN = {"HEAD", "FRAM", "PTCH", "TOKS", "DONE", "PART", "text", "embd", "nois", "meta", "prov"}
DTYPES = {1: "u8", 2: "u16", 3: "f16", 4: "f32", 5: "bf16"}
DTYPE_CODES = {v: k for k, v in DTYPES.items()}
DTYPE_SIZE = {"u8": 1, "u16": 2, "f16": 2, "f32": 4, "bf16": 2}
NUMPY_DTYPE = {"u8": "<u1", "u16": "<u2", "f16": "<f2", "f32": "<f4", "bf16": "<u2"}
FRAME_KINDS = {1: "pixels", 2: "latents"}
ROLES = {1: "prompt", 2: "caption", 3: "negative"}
EMBEDDING_KINDS = {1: "tokens", 2: "pooled"}


def padded(n):
    return (n + 7) & ~7


class ReelError(Exception):
    """A stream that is not valid. `case` names the Swift StreamError case."""

    def __init__(self, case, message):
        super().__init__(message)
        self.case = case
        self.message = message


def _malformed(index, kind, problem):
    return ReelError("malformed", "record %d (%s) is malformed: %s" % (index, kind, problem))


def _inconsistent(index, problem):
    return ReelError("inconsistent", "record %d: %s" % (index, problem))


# MARK: - CRC-32C (Castagnoli, reflected polynomial 0x82F63B78)


def _make_table():
    table = np.zeros(256, dtype=np.uint32)
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table[n] = c
    return table


_TABLE = _make_table()
_TABLE_LIST = [int(v) for v in _TABLE]


def _register(state, data):
    """The CRC register after `data`, from `state` (no inversion): the textbook byte loop."""
    t = _TABLE_LIST
    for b in data:
        state = t[(state ^ b) & 0xFF] ^ (state >> 8)
    return state


def _register_lanes(data):
    """The registers after each of K equal chunks, all from 0, K at a time with numpy,
    and the byte-sliced tables of the linear map 'L zero bytes' (L = chunk length).

    The register update is linear over GF(2) in (state, byte), so
    register(s, chunk) = register(0, chunk) ^ register(s, zeros(L)).
    """
    k, n = data.shape
    # Lanes: K chunks from state 0, then the 1024 states v << 8p over zero bytes.
    basis = (np.arange(256, dtype=np.uint32)[None, :] << (8 * np.arange(4, dtype=np.uint32))[:, None]).reshape(-1)
    states = np.concatenate([np.zeros(k, dtype=np.uint32), basis])
    columns = np.ascontiguousarray(data.T)  # (L, K): one row per step
    zeros = np.zeros(basis.size, dtype=np.uint32)
    for j in range(n):
        byte = np.concatenate([columns[j].astype(np.uint32), zeros])
        states = _TABLE[(states ^ byte) & 0xFF] ^ (states >> 8)
    chunk_states = states[:k]
    shift = states[k:].reshape(4, 256)
    return [int(v) for v in chunk_states], [[int(v) for v in row] for row in shift]


def crc32c(data, crc=0):
    """CRC-32C of `data` (bytes-like), continuing `crc` (0 to start). crc32c(b"123456789") == 0xE3069283."""
    data = memoryview(data).cast("B")
    state = crc ^ 0xFFFFFFFF
    n = len(data)
    if n < 4096:
        return _register(state, data) ^ 0xFFFFFFFF
    chunk = max(256, int(math.isqrt(n)))
    k = n // chunk
    body = np.frombuffer(data, dtype=np.uint8, count=k * chunk).reshape(k, chunk)
    chunk_states, shift = _register_lanes(body)
    s0, s1, s2, s3 = shift
    for r in chunk_states:
        state = s0[state & 0xFF] ^ s1[(state >> 8) & 0xFF] ^ s2[(state >> 16) & 0xFF] ^ s3[state >> 24] ^ r
    state = _register(state, data[k * chunk:])
    return state ^ 0xFFFFFFFF


# MARK: - Reading records


class _Source:
    """Reads exactly what is asked for, or less only at end of input."""

    def __init__(self, f):
        self.f = f
        self.pushed = b""
        self.offset = 0

    def read(self, n):
        out = bytearray(self.pushed[:n])
        self.pushed = self.pushed[n:]
        while len(out) < n:
            chunk = self.f.read(n - len(out))
            if not chunk:
                break
            out += chunk
        self.offset += len(out)
        return bytes(out)

    def at_end(self):
        if self.pushed:
            return False
        b = self.f.read(1)
        if not b:
            return True
        self.pushed = b
        return False


def _type_name(b):
    if all(65 <= c <= 90 or 97 <= c <= 122 for c in b):
        return b.decode("ascii")
    return "".join(chr(c) if 32 <= c < 127 else "\\x%x" % c for c in b)


def _signature_hint(b):
    if b.startswith(b"REL\n") or b.startswith(b"REL\r"):
        return "the first byte was stripped: sent through a 7-bit channel?"
    if b.startswith(b"\x0aREL"):
        return "the first byte lost its high bit: sent through a 7-bit channel?"
    if b.startswith(b"\x8aREL\n"):
        return "CR LF became LF: the stream went through a text-mode conversion"
    if b.startswith(b"\x8aREL\r\r\n") or b.startswith(b"\x8aREL\r\n\x1a\r"):
        return "LF became CR LF: the stream went through a text-mode conversion"
    if b.startswith(b"LER\x8a"):
        return "the signature is byte-swapped"
    if b.startswith(b"\x89PNG"):
        return "this is a PNG image: encode it with reel-encode first"
    if b.startswith(b"\x93NUMPY"):
        return "this is a .npy file"
    if b and all(c in (9, 10, 13) or 32 <= c < 127 for c in b):
        return "this looks like text"
    return ""


class Record:
    __slots__ = ("type", "payload", "index", "offset")

    def __init__(self, type, payload, index=0, offset=0):
        self.type = type
        self.payload = payload
        self.index = index
        self.offset = offset

    @property
    def critical(self):
        return self.type[0].isupper()


def read_records(f, verify_checksums=True):
    """Yields the records of a stream (DONE records excluded; concatenated streams read as one).

    `f` is a binary file object or bytes. Raises ReelError at the first problem."""
    if isinstance(f, (bytes, bytearray, memoryview)):
        import io
        f = io.BytesIO(bytes(f))
    src = _Source(f)
    index = 0
    first = True
    while True:
        # Preamble.
        pre = src.read(PREAMBLE_SIZE)
        got = len(pre)
        if got == 0 and first:
            raise ReelError("empty", "input is empty: expected a reel stream (pipe one in, e.g. from reel-encode)")
        n = min(got, len(SIGNATURE))
        if pre[:n] != SIGNATURE[:n]:
            if not first:
                raise ReelError("trailingData", "data after the DONE record (record %d) that is not another reel stream" % index)
            hint = _signature_hint(pre)
            found = " ".join("%02x" % c for c in pre[:8])
            raise ReelError("badSignature", "not a reel stream: first bytes are %s, expected 8a 52 45 4c 0d 0a 1a 0a%s"
                            % (found, " (%s)" % hint if hint else ""))
        if got < PREAMBLE_SIZE:
            raise ReelError("truncatedPreamble", "stream is truncated: %d of 16 preamble bytes" % got)
        major, minor = struct.unpack_from("<HH", pre, 8)
        if major != MAJOR:
            swapped = ((major >> 8) | ((major & 0xFF) << 8)) == MAJOR
            raise ReelError("unsupportedVersion", "reel stream version %d.%d is not supported: this reel reads version %d.x%s"
                            % (major, minor, MAJOR, " (the version looks byte-swapped: was it written big-endian?)" if swapped else ""))
        first = False
        # Records up to DONE.
        while True:
            offset = src.offset
            header = src.read(HEADER_SIZE)
            if not header:
                raise ReelError("missingDone", "stream is truncated: it ends after record %d without a DONE record" % index)
            index += 1
            if len(header) < HEADER_SIZE:
                raise ReelError("truncatedHeader", "record %d is truncated: %d of 16 header bytes" % (index, len(header)))
            tbytes = header[0:4]
            stored, length = struct.unpack_from("<IQ", header, 4)
            name = _type_name(tbytes)
            if not all(65 <= c <= 90 or 97 <= c <= 122 for c in tbytes):
                raise ReelError("badType", "record %d has an invalid type \"%s\": expected four ASCII letters (is the stream corrupt?)" % (index, name))
            if length > MAX_PAYLOAD:
                raise ReelError("payloadTooLarge", "record %d (%s) claims %d payload bytes, more than the limit of %d" % (index, name, length, MAX_PAYLOAD))
            payload = src.read(length)
            if len(payload) < length:
                raise ReelError("truncatedPayload", "record %d (%s) is truncated: %d of %d payload bytes" % (index, name, len(payload), length))
            pad = padded(length) - length
            if pad:
                p = src.read(pad)
                if len(p) < pad:
                    raise ReelError("truncatedPayload", "record %d (%s) is truncated: %d of %d payload bytes" % (index, name, length + len(p), length + pad))
                if any(p):
                    raise ReelError("nonzeroPadding", "record %d (%s) is corrupt: its padding bytes are not zero" % (index, name))
            if verify_checksums:
                computed = crc32c(payload, crc32c(tbytes))
                if computed != stored:
                    raise ReelError("checksumMismatch", "record %d (%s) is corrupt: checksum is 0x%08x, the record says 0x%08x" % (index, name, computed, stored))
            if name[0].isupper() and name not in KNOWN:
                raise ReelError("unknownCritical", "record %d has critical type %s, unknown to this reel (a newer stream? upgrade reel)" % (index, name))
            if name == "DONE":
                if length:
                    raise _malformed(index, "DONE", "payload of %d bytes, expected none" % length)
                break
            yield Record(name, payload, index, offset)
        if src.at_end():
            return


# MARK: - Decoding the version 1 kinds (Sources/ReelStream/Records.swift)


def _u16(p, o):
    return struct.unpack_from("<H", p, o)[0]


def _u32(p, o):
    return struct.unpack_from("<I", p, o)[0]


def _utf8(b):
    try:
        return bytes(b).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _array(p, offset, count, dtype):
    """`count` values of a reel dtype at `offset` of payload `p`; bf16 widened to float32."""
    a = np.frombuffer(p, dtype=NUMPY_DTYPE[dtype], count=count, offset=offset)
    if dtype == "bf16":
        return (a.astype(np.uint32) << 16).view(np.float32)
    return a.astype(a.dtype.newbyteorder("="))


def decode_head(p, index):
    def bad(problem):
        return _malformed(index, "HEAD", problem)
    if len(p) < 48:
        raise bad("payload is %d bytes, expected at least 48" % len(p))
    clip, kind, dtype = _u32(p, 0), _u16(p, 4), _u16(p, 6)
    if kind not in FRAME_KINDS:
        raise bad("unknown frame kind %d (1 pixels, 2 latents)" % kind)
    if dtype not in DTYPES:
        raise bad("unknown dtype %d (1 u8, 2 u16, 3 f16, 4 f32, 5 bf16)" % dtype)
    dt = DTYPES[dtype]
    c, w, h = _u32(p, 8), _u32(p, 12), _u32(p, 16)
    if not 1 <= c <= MAX_CHANNELS:
        raise bad("%d channels, expected 1 to %d" % (c, MAX_CHANNELS))
    if not (1 <= w <= MAX_SIDE and 1 <= h <= MAX_SIDE):
        raise bad("frame size %dx%d, expected each side 1 to %d" % (w, h, MAX_SIDE))
    if c * w * h * DTYPE_SIZE[dt] + 8 > MAX_PAYLOAD:
        raise bad("frames of %dx%dx%d %s exceed the %d-byte record limit" % (c, h, w, dt, MAX_PAYLOAD))
    num, den = _u32(p, 20), _u32(p, 24)
    if den == 0:
        raise bad("frame rate %d/0 has a zero denominator" % num)
    frames = _u32(p, 28)
    sf, tf = _u16(p, 32), _u16(p, 34)
    if sf < 1 or tf < 1:
        raise bad("spatial factor %d and temporal factor %d must be at least 1" % (sf, tf))
    sw, sh = _u32(p, 36), _u32(p, 40)
    if not (1 <= sw <= MAX_SIDE and 1 <= sh <= MAX_SIDE):
        raise bad("source size %dx%d, expected each side 1 to %d" % (sw, sh, MAX_SIDE))
    fixed = _u16(p, 44)
    if not 48 <= fixed <= len(p):
        raise bad("fixed size %d outside 48...%d" % (fixed, len(p)))
    flags = _u16(p, 46)
    model = _utf8(p[fixed:])
    if model is None:
        raise bad("model id is not valid UTF-8")
    return dict(clip=clip, kind=FRAME_KINDS[kind], dtype=dt, channels=c, width=w, height=h, fps=(num, den),
                frame_count=frames, spatial_factor=sf, temporal_factor=tf, source_width=sw, source_height=sh,
                first_frame_alone=bool(flags & 1), model=model)


def decode_frame(p, index, headers):
    if len(p) < 8:
        raise _malformed(index, "FRAM", "payload is %d bytes, expected at least 8" % len(p))
    clip, i = _u32(p, 0), _u32(p, 4)
    h = headers.get(clip)
    if h is None:
        raise _inconsistent(index, "frame %d of clip %d comes before that clip's HEAD record" % (i, clip))
    if h["frame_count"] > 0 and i >= h["frame_count"]:
        raise _inconsistent(index, "frame %d of clip %d is beyond the %d frames its HEAD record declares" % (i, clip, h["frame_count"]))
    c, hh, w, dt = h["channels"], h["height"], h["width"], h["dtype"]
    fb = c * hh * w * DTYPE_SIZE[dt]
    if len(p) - 8 != fb:
        raise _malformed(index, "FRAM", "frame %d has %d sample bytes, but clip %d is %dx%dx%d %s = %d bytes"
                         % (i, len(p) - 8, clip, c, hh, w, dt, fb))
    return dict(clip=clip, index=i, data=_array(p, 8, c * hh * w, dt).reshape(c, hh, w))  # (C,H,W)


def decode_geometry(p, index):
    def bad(problem):
        return _malformed(index, "PTCH", problem)
    if len(p) != 48:
        raise bad("payload is %d bytes, expected 48" % len(p))
    clip, dtype = _u32(p, 0), _u16(p, 4)
    if dtype not in DTYPES:
        raise bad("unknown dtype %d" % dtype)
    pt, ph, pw, c, t, h, w, gt, gh, gw = struct.unpack_from("<10I", p, 8)
    for name, v in (("pt", pt), ("ph", ph), ("pw", pw)):
        if not 1 <= v <= MAX_PATCH:
            raise bad("patch size %s = %d, expected 1 to %d" % (name, v, MAX_PATCH))
    if not 1 <= c <= MAX_CHANNELS:
        raise bad("%d channels, expected 1 to %d" % (c, MAX_CHANNELS))
    if not (1 <= w <= MAX_SIDE and 1 <= h <= MAX_SIDE and t >= 0):  # T = 0: not known up front
        raise bad("latent size %dx%dx%d outside the limits" % (t, h, w))
    if t % pt or h % ph or w % pw:
        raise bad("size %dx%dx%d is not divisible by the patch %dx%dx%d" % (t, h, w, pt, ph, pw))
    if (gt, gh, gw) != (t // pt, h // ph, w // pw):
        raise bad("grid %dx%dx%d does not match size / patch = %dx%dx%d" % (gt, gh, gw, t // pt, h // ph, w // pw))
    dim = c * pt * ph * pw
    if dim > MAX_TOKEN_DIM:
        raise bad("token dimension %d exceeds %d" % (dim, MAX_TOKEN_DIM))
    return dict(clip=clip, dtype=DTYPES[dtype], pt=pt, ph=ph, pw=pw, channels=c, frames=t, height=h, width=w,
                grid=(gt, gh, gw), token_dim=dim)


def decode_tokens(p, index, geometries):
    def bad(problem):
        return _malformed(index, "TOKS", problem)
    if len(p) < 16:
        raise bad("payload is %d bytes, expected at least 16" % len(p))
    clip, n, d = _u32(p, 0), _u32(p, 4), _u32(p, 8)
    g = geometries.get(clip)
    if g is None:
        raise _inconsistent(index, "tokens of clip %d come before that clip's PTCH record" % clip)
    if n > MAX_TOKENS:
        raise bad("%d tokens, more than the limit of %d" % (n, MAX_TOKENS))
    if d != g["token_dim"]:
        raise bad("token dimension %d, but clip %d's patches have %d values" % (d, clip, g["token_dim"]))
    off = padded(16 + n * 12)
    size = n * d * DTYPE_SIZE[g["dtype"]]
    if off + size != len(p):
        raise bad("payload is %d bytes, but %d tokens of %d %s need %d + %d" % (len(p), n, d, g["dtype"], off, size))
    positions = np.frombuffer(p, dtype="<i4", count=n * 3, offset=16).reshape(n, 3).astype(np.int32)  # (N,3) (t,h,w)
    gt, gh, gw = g["grid"]
    # grid t = 0: the frame count was not known up front, so t has no upper bound.
    upper = np.array([gt if gt > 0 else np.iinfo(np.int32).max, gh, gw])
    outside = ((positions < 0) | (positions >= upper)).any(axis=1)
    if outside.any():
        i = int(np.argmax(outside))
        t, h, w = (int(v) for v in positions[i])
        raise bad("token %d is at (t %d, h %d, w %d), outside the %dx%dx%d patch grid" % (i, t, h, w, gt, gh, gw))
    values = _array(p, off, n * d, g["dtype"]).reshape(n, d)  # (N,D), each row (c,dt,dy,dx) row-major
    return dict(clip=clip, positions=positions, values=values)


def decode_text(p, index):
    def bad(problem):
        return _malformed(index, "text", problem)
    if len(p) < 20:
        raise bad("payload is %d bytes, expected at least 20" % len(p))
    if len(p) - 20 > MAX_TEXT:
        raise bad("text of %d bytes exceeds %d" % (len(p) - 20, MAX_TEXT))
    seg, clip, start, end, role = struct.unpack_from("<4IH", p, 0)
    if role not in ROLES:
        raise bad("unknown role %d (1 prompt, 2 caption, 3 negative)" % role)
    if not start < end:
        raise bad("frame range %d..<%d is empty" % (start, end))
    text = _utf8(p[20:])
    if text is None:
        raise bad("text is not valid UTF-8")
    return dict(segment=seg, clip=None if clip == OPEN else clip, start=start, end=None if end == OPEN else end,
                role=ROLES[role], text=text)


def decode_embedding(p, index):
    def bad(problem):
        return _malformed(index, "embd", problem)
    if len(p) < 16:
        raise bad("payload is %d bytes, expected at least 16" % len(p))
    seg, kind, dtype, n, d = struct.unpack_from("<IHHII", p, 0)
    if kind not in EMBEDDING_KINDS:
        raise bad("unknown kind %d (1 token states, 2 pooled)" % kind)
    if dtype != 4:
        raise bad("dtype %d, expected 4 (f32)" % dtype)
    if n > MAX_TOKENS or d > MAX_TOKEN_DIM or 16 + n * d * 4 != len(p):
        raise bad("%d x %d f32 values do not fill the %d bytes after the header" % (n, d, len(p) - 16))
    return dict(segment=seg, kind=EMBEDDING_KINDS[kind], values=_array(p, 16, n * d, "f32").reshape(n, d))  # (N,D)


def decode_noise(p, index, kind="nois"):
    def bad(problem):
        return _malformed(index, kind, problem)
    if len(p) < 16:
        raise bad("payload is %d bytes, expected at least 16" % len(p))
    clip, first, n = struct.unpack_from("<3I", p, 0)
    if n > MAX_TOKENS or 16 + n * 4 != len(p):
        raise bad("%d levels do not fill the %d bytes after the header" % (n, len(p) - 16))
    levels = _array(p, 16, n, "f32")
    with np.errstate(invalid="ignore"):
        wrong = ~((levels >= 0) & (levels <= 1))  # NaN is wrong too
    if wrong.any():
        i = int(np.argmax(wrong))
        raise bad("level of frame %d is %s, expected 0 to 1" % (first + i, str(levels[i])))
    return dict(clip=clip, first=first, levels=levels)


def decode_metadata(p, index):
    def bad(problem):
        return _malformed(index, "meta", problem)
    if len(p) < 4:
        raise bad("payload is %d bytes, expected at least 4" % len(p))
    k = _u32(p, 0)
    if k > len(p) - 4:
        raise bad("key length %d exceeds the %d bytes that follow" % (k, len(p) - 4))
    key, value = _utf8(p[4:4 + k]), _utf8(p[4 + k:])
    if key is None or value is None:
        raise bad("key or value is not valid UTF-8")
    return dict(key=key, value=value)


def decode_provenance(p, index):
    text = _utf8(p)
    if text is None:
        raise _malformed(index, "prov", "payload is not valid UTF-8")
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    return dict(json=text, value=value)


class State:
    """What a reader has learned so far: each clip's HEAD and PTCH (Sources/ReelStream/StreamState.swift)."""

    def __init__(self):
        self.headers = {}
        self.geometries = {}

    @staticmethod
    def _disagree(h, g):
        return (h["channels"], h["width"], h["height"], h["dtype"]) != (g["channels"], g["width"], g["height"], g["dtype"])

    def decode(self, r):
        p, i, t = r.payload, r.index, r.type
        if t == "HEAD":
            h = decode_head(p, i)
            if h["clip"] in self.headers:
                raise _inconsistent(i, "a second HEAD record for clip %d" % h["clip"])
            g = self.geometries.get(h["clip"])
            if g is not None and self._disagree(h, g):
                raise _inconsistent(i, "clip %d's header (%dx%dx%d %s) disagrees with its patch geometry (%dx%dx%d %s)"
                                    % (h["clip"], h["channels"], h["height"], h["width"], h["dtype"],
                                       g["channels"], g["height"], g["width"], g["dtype"]))
            self.headers[h["clip"]] = h
            out = h
        elif t == "FRAM":
            out = decode_frame(p, i, self.headers)
        elif t == "PTCH":
            g = decode_geometry(p, i)
            if g["clip"] in self.geometries:
                raise _inconsistent(i, "a second PTCH record for clip %d" % g["clip"])
            h = self.headers.get(g["clip"])
            if h is not None and self._disagree(h, g):
                raise _inconsistent(i, "clip %d's patch geometry (%dx%dx%d %s) disagrees with its header (%dx%dx%d %s)"
                                    % (g["clip"], g["channels"], g["height"], g["width"], g["dtype"],
                                       h["channels"], h["height"], h["width"], h["dtype"]))
            self.geometries[g["clip"]] = g
            out = g
        elif t == "TOKS":
            out = decode_tokens(p, i, self.geometries)
        elif t == "text":
            out = decode_text(p, i)
        elif t == "embd":
            out = decode_embedding(p, i)
        elif t in ("nois", "PART"):
            out = decode_noise(p, i, t)
            what = "partial-denoising levels" if t == "PART" else "noise levels"
            clip = out["clip"]
            if clip not in self.headers and clip not in self.geometries:
                raise _inconsistent(i, "%s for clip %d come before that clip's HEAD record" % (what, clip))
            h = self.headers.get(clip)
            end = out["first"] + len(out["levels"])
            if h is not None and h["frame_count"] > 0 and end > h["frame_count"]:
                raise _inconsistent(i, "%s for frames %d..<%d of clip %d, which has %d frames"
                                    % (what, out["first"], end, clip, h["frame_count"]))
        elif t == "meta":
            out = decode_metadata(p, i)
        elif t == "prov":
            out = decode_provenance(p, i)
        else:
            out = dict(payload=bytes(p))  # an unknown ancillary record: forward it unchanged
        out["type"] = t
        out["record"] = i
        return out


def decode_stream(f, verify_checksums=True):
    """Yields every record of a stream, decoded and checked against the records before it."""
    state = State()
    for r in read_records(f, verify_checksums):
        yield state.decode(r)


def read_all(f):
    """Every record of a stream (file object or bytes), decoded, as a list."""
    return list(decode_stream(f))


# MARK: - Writing


class Writer:
    """Writes a reel stream to a binary file object: the preamble, records, then DONE on finish()."""

    def __init__(self, f):
        self.f = f
        self.started = False
        self.finished = False

    def record(self, type, payload=b""):
        """Writes one record of any type (four ASCII letters) with its checksum and zero padding."""
        assert not self.finished, "write after finish"
        t = type.encode("ascii")
        assert len(t) == 4 and t.isalpha(), "record types are four ASCII letters"
        payload = bytes(payload)
        assert len(payload) <= MAX_PAYLOAD
        if not self.started:
            self.f.write(SIGNATURE + struct.pack("<HHI", MAJOR, MINOR, 0))
            self.started = True
        crc = crc32c(payload, crc32c(t))
        self.f.write(t + struct.pack("<IQ", crc, len(payload)) + payload + bytes(padded(len(payload)) - len(payload)))

    def finish(self):
        if not self.finished:
            self.record("DONE")
            self.finished = True

    def head(self, clip, channels, width, height, kind="pixels", dtype="u8", fps=(8, 1), frame_count=0,
             spatial_factor=1, temporal_factor=1, source_width=None, source_height=None, first_frame_alone=False, model=""):
        kinds = {v: k for k, v in FRAME_KINDS.items()}
        self.record("HEAD", struct.pack("<IHHIIIIIIHHIIHH", clip, kinds[kind], DTYPE_CODES[dtype], channels, width, height,
                                        fps[0], fps[1], frame_count, spatial_factor, temporal_factor,
                                        width if source_width is None else source_width,
                                        height if source_height is None else source_height,
                                        48, 1 if first_frame_alone else 0) + model.encode("utf-8"))

    @staticmethod
    def _values(values, dtype):
        a = np.asarray(values)
        if dtype == "bf16":
            return (np.ascontiguousarray(a, dtype="<f4").view("<u4") >> 16).astype("<u2").tobytes()
        return np.ascontiguousarray(a, dtype=NUMPY_DTYPE[dtype]).tobytes()

    def frame(self, clip, index, data, dtype):
        """`data` is (C,H,W)."""
        self.record("FRAM", struct.pack("<II", clip, index) + self._values(data, dtype))

    def geometry(self, clip, dtype, pt, ph, pw, channels, frames, height, width):
        self.record("PTCH", struct.pack("<IHH10I", clip, DTYPE_CODES[dtype], 0, pt, ph, pw, channels, frames, height, width,
                                        frames // pt, height // ph, width // pw))

    def tokens(self, clip, positions, values, dtype):
        """`positions` is (N,3) (t,h,w) in patch units, `values` (N,D)."""
        positions = np.asarray(positions, dtype="<i4").reshape(-1, 3)
        values = np.asarray(values)
        n, d = values.shape
        head = struct.pack("<4I", clip, n, d, 0) + positions.tobytes()
        self.record("TOKS", head + bytes(padded(len(head)) - len(head)) + self._values(values, dtype))

    def text(self, segment, text, role="prompt", clip=None, start=0, end=None):
        roles = {v: k for k, v in ROLES.items()}
        self.record("text", struct.pack("<4IHH", segment, OPEN if clip is None else clip, start, OPEN if end is None else end,
                                        roles[role], 0) + text.encode("utf-8"))

    def embedding(self, segment, values, kind="tokens"):
        kinds = {v: k for k, v in EMBEDDING_KINDS.items()}
        values = np.asarray(values, dtype="<f4")
        n, d = values.shape
        self.record("embd", struct.pack("<IHHII", segment, kinds[kind], 4, n, d) + values.tobytes())

    def noise(self, clip, levels, first=0):
        levels = np.asarray(levels, dtype="<f4")
        self.record("nois", struct.pack("<4I", clip, first, levels.size, 0) + levels.tobytes())

    def metadata(self, key, value):
        k = key.encode("utf-8")
        self.record("meta", struct.pack("<I", len(k)) + k + value.encode("utf-8"))

    def provenance(self, tool, args, version="0.1.0", model="", seed=None, generated=False):
        """A prov record with the members, and member order, the Swift tools write."""
        text = json.dumps({"tool": tool, "version": version, "args": list(args), "model": model, "seed": seed,
                           "generated": generated}, separators=(",", ":"), ensure_ascii=False)
        self.record("prov", text.encode("utf-8"))


# MARK: - Program


def summarize(rec):
    """One line about a decoded record."""
    t = rec["type"]
    if t == "HEAD":
        fps = "%d/%d" % rec["fps"] if rec["fps"][1] != 1 else "%d" % rec["fps"][0]
        s = "clip %d: %s %s (C,H,W)=(%d,%d,%d) fps %s frames %s" % (
            rec["clip"], rec["kind"], rec["dtype"], rec["channels"], rec["height"], rec["width"], fps,
            rec["frame_count"] or "unknown")
        if rec["kind"] == "latents":
            s += " of %dx%d video, factors %d/%d%s, model %s" % (
                rec["source_width"], rec["source_height"], rec["spatial_factor"], rec["temporal_factor"],
                ", first frame alone" if rec["first_frame_alone"] else "", rec["model"] or "-")
        return s
    if t == "FRAM":
        d = rec["data"].astype(np.float64)
        return "clip %d frame %d: %s min %g max %g mean %g" % (rec["clip"], rec["index"], tuple(rec["data"].shape),
                                                              d.min(), d.max(), d.mean())
    if t == "PTCH":
        return "clip %d: %s patches %dx%dx%d of (C,T,H,W)=(%d,%d,%d,%d), grid %dx%dx%d, %d values a token" % (
            rec["clip"], rec["dtype"], rec["pt"], rec["ph"], rec["pw"], rec["channels"], rec["frames"], rec["height"],
            rec["width"], *rec["grid"], rec["token_dim"])
    if t == "TOKS":
        v = rec["values"].astype(np.float64)
        return "clip %d: %d tokens of %d, positions %s..%s, mean %g" % (
            rec["clip"], v.shape[0], v.shape[1], tuple(int(x) for x in rec["positions"][0]) if len(v) else "-",
            tuple(int(x) for x in rec["positions"][-1]) if len(v) else "-", v.mean() if v.size else 0)
    if t == "text":
        return "segment %d %s, clip %s, frames %d..%s: %s" % (
            rec["segment"], rec["role"], "all" if rec["clip"] is None else rec["clip"], rec["start"],
            "end" if rec["end"] is None else rec["end"], json.dumps(rec["text"], ensure_ascii=False))
    if t == "embd":
        return "segment %d %s: (N,D)=%s" % (rec["segment"], rec["kind"], tuple(rec["values"].shape))
    if t == "nois":
        return "clip %d frames %d..%d: %s" % (rec["clip"], rec["first"], rec["first"] + len(rec["levels"]),
                                              " ".join(str(np.float32(v)) for v in rec["levels"]))
    if t == "meta":
        return "%s = %s" % (json.dumps(rec["key"], ensure_ascii=False), json.dumps(rec["value"], ensure_ascii=False))
    if t == "prov":
        return rec["json"]
    return "unknown ancillary record, %d bytes (forwarded unchanged by tools)" % len(rec["payload"])


def _json_record(rec):
    out = {}
    for k, v in rec.items():
        if isinstance(v, np.ndarray):
            out[k] = {"shape": list(v.shape), "dtype": str(v.dtype), "sum": float(v.astype(np.float64).sum()),
                      "first": [float(x) for x in v.reshape(-1)[:4]]}
        elif isinstance(v, bytes):
            out[k] = v.hex()
        elif isinstance(v, tuple):
            out[k] = list(v)
        else:
            out[k] = v
    return out


def arrays(records):
    """Arrays for numpy.savez: per clip its frames (T,C,H,W) by index, tokens (N,D) and positions (N,3);
    per segment its embeddings; texts, metadata and provenance as JSON strings."""
    out = {}
    frames, tokens, noise, texts, meta, prov = {}, {}, {}, [], [], []
    for r in records:
        t = r["type"]
        if t == "FRAM":
            frames.setdefault(r["clip"], {})[r["index"]] = r["data"]
        elif t == "TOKS":
            tokens.setdefault(r["clip"], []).append(r)
        elif t == "embd":
            out["segment%d_embedding_%s" % (r["segment"], r["kind"])] = r["values"]
        elif t == "nois":
            fr, lv = noise.setdefault(r["clip"], ([], []))
            fr.extend(range(r["first"], r["first"] + len(r["levels"])))
            lv.extend(float(v) for v in r["levels"])
        elif t == "text":
            texts.append({k: r[k] for k in ("segment", "clip", "start", "end", "role", "text")})
        elif t == "meta":
            meta.append([r["key"], r["value"]])
        elif t == "prov":
            prov.append(r["json"])
    for clip, by_index in frames.items():
        order = sorted(by_index)
        out["clip%d_frames" % clip] = np.stack([by_index[i] for i in order])  # (T,C,H,W)
        out["clip%d_frame_index" % clip] = np.array(order, dtype=np.int64)
    for clip, blocks in tokens.items():
        out["clip%d_tokens" % clip] = np.concatenate([b["values"] for b in blocks])  # (N,D)
        out["clip%d_positions" % clip] = np.concatenate([b["positions"] for b in blocks])  # (N,3)
    for clip, (fr, lv) in noise.items():
        out["clip%d_noise_frame" % clip] = np.array(fr, dtype=np.int64)
        out["clip%d_noise" % clip] = np.array(lv, dtype=np.float32)
    out["texts_json"] = np.array(json.dumps(texts, ensure_ascii=False))
    out["meta_json"] = np.array(json.dumps(meta, ensure_ascii=False))
    out["prov_json"] = np.array(json.dumps(prov, ensure_ascii=False))
    return out


def main(argv):
    usage = "usage: reelstream.py FILE [--json] [--npz OUT]   (FILE may be - for standard input)"
    args, path, npz, as_json = list(argv), None, None, False
    while args:
        a = args.pop(0)
        if a in ("-h", "--help"):
            print(usage)
            return 0
        if a == "--json":
            as_json = True
        elif a == "--npz":
            if not args:
                print("reelstream.py: --npz needs an output file name\n" + usage, file=sys.stderr)
                return 64
            npz = args.pop(0)
        elif a.startswith("--"):
            print("reelstream.py: unknown option %s\n%s" % (a, usage), file=sys.stderr)
            return 64
        elif path is None:
            path = a
        else:
            print("reelstream.py: more than one FILE (%s)\n%s" % (a, usage), file=sys.stderr)
            return 64
    if path is None:
        print("reelstream.py: no FILE given\n" + usage, file=sys.stderr)
        return 64
    try:
        f = sys.stdin.buffer if path == "-" else open(path, "rb")
    except OSError as e:
        print("reelstream.py: cannot open %s: %s" % (path, e.strerror), file=sys.stderr)
        return 66
    try:
        records = read_all(f)
    except ReelError as e:
        print("reelstream.py: %s" % e.message, file=sys.stderr)
        return 65
    except OSError as e:
        print("reelstream.py: cannot read %s: %s" % (path, e.strerror), file=sys.stderr)
        return 74
    if as_json:
        print(json.dumps([_json_record(r) for r in records], ensure_ascii=False, indent=1))
    else:
        print("%s: reel stream, %d records" % (path, len(records)))
        for r in records:
            print("%4d %s  %s" % (r["record"], r["type"], summarize(r)))
    if npz:
        try:
            np.savez(npz, **arrays(records))
        except OSError as e:
            print("reelstream.py: cannot write %s: %s" % (npz, e.strerror), file=sys.stderr)
            return 74
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:
        sys.exit(0)
