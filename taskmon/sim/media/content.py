"""Deterministic result files with real headers, so sniffing and decoding work.

Each file is exactly the requested size. Real media comes from `samples.py`
(seeded pictures, shipped H.264 clips, seeded notes); where the size is too
small for it, the stubs here stand in: an 8×8 PNG (the padding sits in a
private ancillary chunk), an 8-bit WAV of noise, and an `ftyp` box followed by
a `free` box for video: sniffable as MP4, though not playable.
"""

from __future__ import annotations

import random
import struct
import zlib

from taskmon.sim.media.samples import clip_mp4, notes_wav, picture_png

CONTENT_TYPES: dict[str, str] = {"image": "image/png", "video": "video/mp4", "audio": "audio/wav"}
EXTENSIONS: dict[str, str] = {"image": "png", "video": "mp4", "audio": "wav"}


def make_media(kind: str, size: int, seed: int) -> bytes:
    """`size` bytes of `kind` media, the same for the same seed."""
    rng = random.Random(seed)
    # Real media (samples.py) where the size allows it; the stubs below otherwise.
    real = {"image": picture_png, "audio": notes_wav, "video": clip_mp4}[kind](size, rng)
    if real is not None:
        return real
    if kind == "image":
        data = _png(size, rng)
    elif kind == "audio":
        data = _wav(size, rng)
    else:
        data = _mp4(size, rng)
    return data[:size]  # tiny sizes keep only the leading magic


def _chunk(tag: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(tag + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", crc)


def _png(size: int, rng: random.Random) -> bytes:
    width = height = 8
    colour = bytes(rng.randrange(256) for _ in range(3))
    rows = b"".join(b"\x00" + colour * width for _ in range(height))
    head = b"\x89PNG\r\n\x1a\n" + _chunk(
        b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    )
    body = _chunk(b"IDAT", zlib.compress(rows, 9))
    tail = _chunk(b"IEND", b"")
    pad = size - len(head) - len(body) - len(tail) - 12  # 12 = chunk length, tag and CRC
    if pad < 0:
        return head + body + tail
    # "siMp": ancillary (lower-case first letter), private, safe to copy.
    return head + body + _chunk(b"siMp", rng.randbytes(pad)) + tail


def _wav(size: int, rng: random.Random) -> bytes:
    data_len = max(0, size - 44)
    header = (
        b"RIFF"
        + struct.pack("<I", 36 + data_len)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 8000, 1, 8)
        + b"data"
        + struct.pack("<I", data_len)
    )
    return header + rng.randbytes(data_len)


def _mp4(size: int, rng: random.Random) -> bytes:
    ftyp = struct.pack(">I", 24) + b"ftypmp42" + struct.pack(">I", 0) + b"mp42isom"
    free_len = size - len(ftyp)
    if free_len < 8:
        return ftyp
    return ftyp + struct.pack(">I", free_len) + b"free" + rng.randbytes(free_len - 8)
