"""Test media for the thumbnail and grid tests: the committed files, and hostile ones made here."""

from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"


def copy_data(folder: Path, *names: str) -> list[str]:
    """Copies of `tests/data` files in `folder` (their own mtimes: a fresh cache), as paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        target = folder / name
        shutil.copyfile(DATA / name, target)
        paths.append(str(target))
    return paths


def _chunk(tag: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(tag + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", crc)


def huge_png(path: Path, width: int = 30_000, height: int = 30_000) -> str:
    """A valid PNG header claiming `width` × `height` RGB pixels (3.6 GB decoded), tiny on disk."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = b"\x00" + b"\xff\x00\xff" * 64  # a few rows only: the rest is missing
    data = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(row * 4))
    path.write_bytes(data + _chunk(b"IEND", b""))
    return str(path)
