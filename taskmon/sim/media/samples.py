"""Real media for the simulator: pictures, clips and sounds that decode and look different.

- Images: a PNG of seeded shapes on a seeded background, 640×480 where the requested
  size allows (else 320×240, 160×120, … down to 8×8), padded to exactly that size
  by a private ancillary chunk.
- Video: one of the short H.264 clips shipped beside this module (package data),
  picked by the seed and padded by a trailing `free` box.
- Audio: an 8-bit mono WAV of seeded notes (each note a decaying tone), exactly
  the requested length since every byte is one sample.

A size too small for real media returns None: the caller keeps its stub.
"""

from __future__ import annotations

import math
import random
import struct
import zlib
from functools import cache
from importlib import resources
from typing import Final

PNG_SIDES: Final = ((640, 480), (320, 240), (160, 120), (80, 60), (32, 24), (8, 8))
CLIPS: Final = ("testsrc.mp4", "bars.mp4", "mandelbrot.mp4")
WAV_RATE: Final = 8000
NOTE_S: Final = 0.25
_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"


def png_chunk(tag: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(tag + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", crc)


def picture_png(size: int, rng: random.Random) -> bytes | None:
    """A PNG of exactly `size` bytes showing seeded shapes, as large as fits; None if none fits."""
    colours = [tuple(rng.randrange(40, 256) for _ in range(3)) for _ in range(8)]
    background = tuple(rng.randrange(0, 120) for _ in range(3))
    shapes = [
        (rng.random(), rng.random(), rng.uniform(0.08, 0.3), rng.random() < 0.5, c)
        for c in colours[: rng.randint(3, 6)]
    ]
    for width, height in PNG_SIDES:
        rows = _rows(width, height, background, shapes)
        head = _PNG_SIGNATURE + png_chunk(
            b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
        )
        body = png_chunk(b"IDAT", zlib.compress(rows, 9))
        tail = png_chunk(b"IEND", b"")
        pad = size - len(head) - len(body) - len(tail) - 12  # 12: the pad chunk's own frame
        if pad == -12:
            return head + body + tail
        if pad >= 0:
            # "siMp": ancillary (lower-case first letter), private, safe to copy.
            return head + body + png_chunk(b"siMp", rng.randbytes(pad)) + tail
    return None


def _rows(
    width: int,
    height: int,
    background: tuple[int, ...],
    shapes: list[tuple[float, float, float, bool, tuple[int, ...]]],
) -> bytes:
    """Raw scanlines (filter byte 0, RGB): spans of each shape painted over the background."""
    blank = bytes(background) * width
    out = bytearray()
    scale = min(width, height)
    for y in range(height):
        row = bytearray(blank)
        for cx, cy, radius, round_, colour in shapes:
            r = radius * scale
            centre_x, centre_y = cx * width, cy * height
            dy = y + 0.5 - centre_y
            if abs(dy) > r:
                continue
            half = math.sqrt(r * r - dy * dy) if round_ else r
            x0, x1 = max(0, int(centre_x - half)), min(width, int(centre_x + half))
            if x1 > x0:
                row[x0 * 3 : x1 * 3] = bytes(colour) * (x1 - x0)
        out += b"\x00" + row
    return bytes(out)


@cache
def clip(name: str) -> bytes:
    """A shipped clip's bytes (package data)."""
    return resources.files(__package__).joinpath("samples", name).read_bytes()


def clip_mp4(size: int, rng: random.Random) -> bytes | None:
    """A real H.264 MP4 of exactly `size` bytes (padded by a `free` box); None if too small."""
    fitting = [data for name in CLIPS if (data := clip(name)) and _fits(len(data), size)]
    if not fitting:
        return None
    data = rng.choice(fitting)
    pad = size - len(data)
    if pad == 0:
        return data
    return data + struct.pack(">I", pad) + b"free" + bytes(pad - 8)


def _fits(length: int, size: int) -> bool:
    return size == length or size >= length + 8


def notes_wav(size: int, rng: random.Random) -> bytes | None:
    """An 8-bit WAV of exactly `size` bytes: seeded notes, each a decaying tone; None if < 44."""
    data_len = size - 44
    if data_len < 0:
        return None
    note_len = int(WAV_RATE * NOTE_S)
    notes = [_note(rng.uniform(180, 900), rng.uniform(0.25, 1.0), note_len) for _ in range(4)]
    rests = bytes([128]) * note_len
    melody = [rng.choice([*notes, rests]) for _ in range(8)]
    phrase = b"".join(melody)
    samples = (phrase * (data_len // len(phrase) + 1))[:data_len]
    header = (
        b"RIFF"
        + struct.pack("<I", 36 + data_len)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, WAV_RATE, WAV_RATE, 1, 8)
        + b"data"
        + struct.pack("<I", data_len)
    )
    return header + samples


def _note(frequency: float, loudness: float, length: int) -> bytes:
    step = 2 * math.pi * frequency / WAV_RATE
    return bytes(
        128 + round(127 * loudness * math.exp(-4.0 * i / length) * math.sin(step * i))
        for i in range(length)
    )
