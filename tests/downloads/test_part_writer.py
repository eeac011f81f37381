"""PartWriter: blocks reach the file and the digest in order; the file outlives its thread."""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from pathlib import Path

import pytest

from taskmon.downloads.part_writer import PartWriter


async def test_chunks_reach_the_file_and_the_digest_in_order(tmp_path: Path) -> None:
    chunks = [os.urandom(n) for n in (1, 4096, 70_000, 3, 250_000, 65_536, 9) * 20]
    path = tmp_path / "a.part"
    path.write_bytes(b"kept")  # a resumed .part: the writer continues after it
    digest = hashlib.sha256(b"kept")
    with path.open("ab") as f:
        # Small blocks and write-back steps: many hand-overs, and many write-back calls.
        writer = PartWriter(f, digest, position=4, block_bytes=100_000, writeback_bytes=300_000)
        for chunk in chunks:
            if writer.add(chunk):
                await writer.add_block()
        sha256 = await writer.finish()
        await writer.close()
    body = b"kept" + b"".join(chunks)
    assert path.read_bytes() == body
    assert sha256 == hashlib.sha256(body).hexdigest()


class _HeldFile:
    """A file whose writes wait for `release`; it records whether it was closed."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.writing = threading.Event()
        self.data = bytearray()
        self.closed = False

    def write(self, chunk: bytes) -> int:
        self.writing.set()
        self.release.wait(10)
        assert not self.closed, "written after close"
        self.data += chunk
        return len(chunk)

    def close(self) -> None:
        self.closed = True


async def test_a_writer_cancelled_mid_write_closes_the_file_only_after_the_thread(
    tmp_path: Path,
) -> None:
    held = _HeldFile()
    writer = PartWriter(held, hashlib.sha256(), block_bytes=4)  # type: ignore[arg-type]
    writer.add(b"abcd")
    await writer.add_block()  # the thread now sits in write()
    assert await asyncio.to_thread(held.writing.wait, 10)
    writer.add(b"ef")

    closing = asyncio.create_task(writer.close())
    await asyncio.sleep(0)  # it starts, and waits for the thread
    closing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closing
    assert not held.closed  # the thread still holds the file

    held.release.set()
    for _ in range(1000):  # the thread's end reaches the loop as a callback
        if held.closed:
            break
        await asyncio.sleep(0.01)
    assert held.closed and bytes(held.data) == b"abcd"


async def test_a_failed_write_is_raised_as_the_oserror_it_is(tmp_path: Path) -> None:
    class Full:
        closed = False

        def write(self, chunk: bytes) -> int:
            raise OSError(28, "No space left on device")

        def close(self) -> None:
            self.closed = True

    full = Full()
    writer = PartWriter(full, hashlib.sha256(), block_bytes=1)  # type: ignore[arg-type]
    writer.add(b"x")
    await writer.add_block()
    writer.add(b"y")
    with pytest.raises(OSError) as caught:
        await writer.add_block()
    assert caught.value.errno == 28
    await writer.close()
    assert full.closed
