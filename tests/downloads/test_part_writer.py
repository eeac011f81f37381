"""PartWriter: blocks reach the file in order; the file outlives its thread."""

from __future__ import annotations

import asyncio
import errno
import os
import threading
from pathlib import Path

import pytest

from taskmon.downloads.part_writer import PartWriter


async def test_chunks_reach_the_file_in_order(tmp_path: Path) -> None:
    chunks = [os.urandom(n) for n in (1, 4096, 70_000, 3, 250_000, 65_536, 9) * 20]
    path = tmp_path / "a.part"
    path.write_bytes(b"kept")  # a resumed .part: the writer continues after it
    with path.open("ab") as f:
        # Small blocks and write-back steps: many hand-overs, and many write-back calls.
        writer = PartWriter(f, position=4, block_bytes=100_000, writeback_bytes=300_000)
        for chunk in chunks:
            if writer.add(chunk):
                await writer.add_block()
        end = await writer.finish()
        await writer.close()
    body = b"kept" + b"".join(chunks)
    assert path.read_bytes() == body
    assert end == len(body)


async def test_a_slow_download_hands_its_chunks_over_without_waiting_for_a_full_block(
    tmp_path: Path,
) -> None:
    now = [0.0]
    path = tmp_path / "slow.part"
    with path.open("wb") as f:
        writer = PartWriter(f, hand_over_after_s=1.0, clock=lambda: now[0])
        assert not writer.add(b"a" * 1000)  # far from a block, and no time passed
        now[0] = 0.5
        assert not writer.add(b"b" * 1000)
        now[0] = 1.0
        assert writer.add(b"c" * 1000)  # a second since the last hand-over
        await writer.add_block()
        now[0] = 1.5
        assert not writer.add(b"d")  # the clock starts again at each hand-over
        await writer.close()
    assert path.read_bytes() == b"a" * 1000 + b"b" * 1000 + b"c" * 1000 + b"d"


async def test_a_stalled_download_hands_over_what_it_holds_without_another_chunk(
    tmp_path: Path,
) -> None:
    """One chunk, then the server stops sending: the `.part` still gets those bytes (what a
    resume keeps, and what "still downloading (42 %)" reads) within the hand-over time."""
    path = tmp_path / "stalled.part"
    with path.open("wb") as f:
        writer = PartWriter(f, hand_over_after_s=0.05)
        assert not writer.add(b"x" * 420_000)
        for _ in range(200):  # no more add() calls: only the writer's timer can act
            if path.stat().st_size == 420_000:
                break
            await asyncio.sleep(0.05)
        assert path.stat().st_size == 420_000
        await writer.close()


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
    writer = PartWriter(held, block_bytes=4)  # type: ignore[arg-type]
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
    # The chunk received last was handed over before the wait: it is in the file too.
    assert held.closed and bytes(held.data) == b"abcdef"


async def test_a_failed_write_is_raised_and_no_later_block_is_written_after_it() -> None:
    class FailsOnce:
        """A disk that is full for one write only: a later block would fit again."""

        def __init__(self) -> None:
            self.data = bytearray()
            self.writes = 0
            self.closed = False

        def write(self, chunk: bytes) -> int:
            self.writes += 1
            if self.writes == 2:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            self.data += chunk
            return len(chunk)

        def close(self) -> None:
            self.closed = True

    disk = FailsOnce()
    writer = PartWriter(disk, block_bytes=2)  # type: ignore[arg-type]
    for chunk in (b"aa", b"bb", b"cc"):
        if writer.add(chunk):
            await writer.add_block()
    with pytest.raises(OSError) as caught:
        await writer.finish()
    assert caught.value.errno == errno.ENOSPC
    writer.add(b"dd")
    await writer.close()
    assert disk.closed
    assert bytes(disk.data) == b"aa"  # a prefix of the body, never "aacc" (a resume trusts it)
