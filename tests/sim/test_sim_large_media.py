"""Large media files: streamed block by block, valid for their kind, rangeable, counted."""

from __future__ import annotations

import hashlib
import struct
import tracemalloc
import zlib

import pytest

from taskmon.sim import TaskScript
from taskmon.sim.media.files import IN_MEMORY_MAX_BYTES, MediaFile

LARGE = IN_MEMORY_MAX_BYTES + 3 * 1024 * 1024 + 7  # an odd size: a short last block


def _finished(sim, clock, script: TaskScript) -> str:
    task = sim.add_task(script)
    clock.now = task.finishes_at_epoch
    (url,) = sim.result_urls(task.task_id)
    return url


def _png_chunks(data: bytes) -> list[bytes]:
    """Every chunk's tag, checking each CRC and that the chunks fill the file exactly."""
    tags, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        tagged = data[pos + 4 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(tagged) == crc
        tags.append(tagged[:4])
        pos += 12 + length
    assert pos == len(data)
    return tags


@pytest.mark.parametrize(
    ("kind", "magic"),
    [("video", b"\x00\x00\x00\x18ftypmp42"), ("audio", b"RIFF"), ("image", b"\x89PNG\r\n\x1a\n")],
)
async def test_a_large_file_is_served_whole_with_its_magic(sim, client, clock, kind, magic) -> None:
    url = _finished(sim, clock, TaskScript("reapi", kind, media_bytes=LARGE))
    before = sim.media_bytes_sent
    async with client.stream("GET", url) as response:
        assert response.headers["content-length"] == str(LARGE)
        digest, size = hashlib.sha256(), 0
        async for chunk in response.aiter_raw():
            if size == 0:
                assert chunk.startswith(magic)
            digest.update(chunk)
            size += len(chunk)
    expected = sim.expected_media(url)
    assert size == LARGE == len(expected)
    assert digest.hexdigest() == hashlib.sha256(expected).hexdigest()
    assert sim.media_bytes_sent - before == LARGE
    if kind == "image":
        tags = _png_chunks(expected)
        assert tags[:3] == [b"IHDR", b"IDAT", b"siMp"] and tags[-1] == b"IEND"


async def test_large_files_answer_ranges_and_count_only_the_range(sim, client, clock) -> None:
    url = _finished(sim, clock, TaskScript("vidgo", "video", media_bytes=LARGE))
    full = sim.expected_media(url)
    etag = (await client.head(url)).headers["etag"]
    before = sim.media_bytes_sent
    half = LARGE // 2
    response = await client.get(url, headers={"Range": f"bytes={half}-", "If-Range": etag})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {half}-{LARGE - 1}/{LARGE}"
    assert response.content == full[half:]
    assert sim.media_bytes_sent - before == LARGE - half
    middle = await client.get(url, headers={"Range": "bytes=1048570-1048585"})
    assert middle.content == full[1048570:1048586]


def test_a_large_file_is_made_in_blocks_never_whole() -> None:
    media = MediaFile("t", "clip.mp4", "video", 64 * LARGE, content_seed=5, ready_at_epoch=0)
    tracemalloc.start()
    try:
        size = sum(len(piece) for piece in media.pieces(0, media.length))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size == 64 * LARGE
    assert peak < 4 * 1024 * 1024  # the filler pool and a block, not the file


def test_a_large_file_is_the_same_every_time() -> None:
    media = MediaFile("t", "clip.mp4", "video", LARGE, content_seed=5, ready_at_epoch=0)
    first = b"".join(media.pieces(0, LARGE))
    assert first == b"".join(media.pieces(0, LARGE)) and len(first) == LARGE
    other = MediaFile("u", "clip.mp4", "video", LARGE, content_seed=6, ready_at_epoch=0)
    assert b"".join(other.pieces(0, LARGE)) != first and other.etag != media.etag
    # Blocks differ from one another: a client cannot pass by sending one block again.
    blocks = {bytes(b) for b in media.pieces(1024 * 1024, 8 * 1024 * 1024)}
    assert len(blocks) > 1
