"""Large result files (a 1 GiB video) made block by block as they are sent, never held whole.

A file is a real header of its kind followed by filler. The filler is one
random pool per file (`POOL_BYTES`, from the file's seed), each block of it
rotated by an amount drawn from the block's index: any byte range can be made
on its own (Range requests), the same for the same seed, at the cost of two
slices per block, so the simulator can feed a client at loopback speed.

- video: `ftyp` then one `free` box around the filler (a 64-bit box size past 4 GiB);
- audio: a 44-byte 8-bit WAV header, the filler being the samples;
- image: the small PNG of `content.make_media` with the filler in private ancillary
  `siMp` chunks (one per block, each with its CRC) inserted before its IEND, so the
  picture stays whatever `content` draws and the file stays a valid PNG.
"""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Iterator
from functools import lru_cache

from taskmon.sim.media.content import make_media

BLOCK_BYTES = 1024 * 1024
POOL_BYTES = BLOCK_BYTES + 4093  # not a multiple of the block: rotations differ block to block
_SMALL_IMAGE_BYTES = 1024 * 1024  # room for content's picture; it pads itself up to this
_CHUNK_OVERHEAD = 12  # a PNG chunk's length, tag and CRC
_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_FREE_BOX_32 = 8
_FREE_BOX_64 = 16


@lru_cache(maxsize=8)
def _pool(seed: int) -> bytes:
    return random.Random(seed).randbytes(POOL_BYTES)


def _rotation(seed: int, index: int) -> int:
    # A multiplicative hash of the block index: cheap, and no two neighbours alike.
    return ((index + 1) * 0x9E3779B1 + seed) % POOL_BYTES


def _filler_block(seed: int, index: int, length: int) -> Iterator[memoryview]:
    """`length` (at most BLOCK_BYTES) filler bytes of block `index`, as slices of the pool."""
    pool = memoryview(_pool(seed))
    start = _rotation(seed, index)
    first = min(length, POOL_BYTES - start)
    yield pool[start : start + first]
    if first < length:
        yield pool[: length - first]


def _filler(seed: int, start: int, stop: int) -> Iterator[memoryview]:
    """Filler bytes [start, stop), block by block."""
    while start < stop:
        index, within = divmod(start, BLOCK_BYTES)
        end = min(stop, (index + 1) * BLOCK_BYTES)
        skip, want = within, end - start
        for piece in _filler_block(seed, index, BLOCK_BYTES):
            if skip >= len(piece):
                skip -= len(piece)
                continue
            part = piece[skip : skip + want]
            skip = 0
            want -= len(part)
            yield part
            if not want:
                break
        start = end


def _slice(data: bytes, start: int, stop: int, at: int) -> Iterator[memoryview]:
    """The part of `data` (which sits at offset `at` of the file) inside [start, stop)."""
    lo, hi = max(start, at), min(stop, at + len(data))
    if lo < hi:
        yield memoryview(data)[lo - at : hi - at]


def large_media(kind: str, size: int, seed: int, start: int, stop: int) -> Iterator[memoryview]:
    """Bytes [start, stop) of a `size`-byte file of `kind`, in pieces of at most a block."""
    stop = min(stop, size)
    if start >= stop:
        return
    if kind == "image":
        yield from _png(size, seed, start, stop)
        return
    head = _wav_head(size) if kind == "audio" else _mp4_head(size)
    yield from _slice(head, start, stop, 0)
    yield from _filler(seed, max(0, start - len(head)), stop - len(head))


def _wav_head(size: int) -> bytes:
    data_len = min(size - 44, 0xFFFFFFFF - 36)  # RIFF sizes are 32-bit
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_len)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 8000, 1, 8)
        + b"data"
        + struct.pack("<I", data_len)
    )


def _mp4_head(size: int) -> bytes:
    ftyp = struct.pack(">I", 24) + b"ftypmp42" + struct.pack(">I", 0) + b"mp42isom"
    free_len = size - len(ftyp)
    if free_len <= 0xFFFFFFFF:
        return ftyp + struct.pack(">I", free_len) + b"free"
    return ftyp + struct.pack(">I", 1) + b"free" + struct.pack(">Q", free_len)


@lru_cache(maxsize=8)
def _png_head(seed: int) -> bytes:
    """content's PNG without its IEND: the picture, then room for the filler chunks."""
    small = make_media("image", _SMALL_IMAGE_BYTES, seed)
    if not small.endswith(_IEND):
        raise ValueError("content.make_media made a PNG that does not end with IEND")
    return small[: -len(_IEND)]


def _png(size: int, seed: int, start: int, stop: int) -> Iterator[memoryview]:
    head = _png_head(seed)
    filler_total = size - len(head) - len(_IEND)
    per_chunk = BLOCK_BYTES + _CHUNK_OVERHEAD
    chunks, last = divmod(filler_total, per_chunk)
    if 0 < last < _CHUNK_OVERHEAD:  # too short for a chunk of its own: the last one grows
        chunks, last = chunks - 1, last + per_chunk
    yield from _slice(head, start, stop, 0)
    at = len(head)
    for index in range(chunks + (1 if last else 0)):
        length = BLOCK_BYTES if index < chunks else last - _CHUNK_OVERHEAD
        chunk_end = at + length + _CHUNK_OVERHEAD
        if chunk_end > start and at < stop:
            yield from _slice(_png_chunk(seed, index, length), start, stop, at)
        at = chunk_end
        if at >= stop:
            return
    yield from _slice(_IEND, start, stop, at)


def _png_chunk(seed: int, index: int, length: int) -> bytes:
    data = b"".join(_filler_block(seed, index, length))
    tagged = b"siMp" + data
    return struct.pack(">I", length) + tagged + struct.pack(">I", zlib.crc32(tagged))
