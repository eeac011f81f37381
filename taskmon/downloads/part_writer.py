"""Receiving a download's body into its `.part`: bounded, paced, written off the event loop.

`write_body` takes the chunks as they arrive, on the event loop: it counts them
against the size cap and the pacing limits (see `pacing`) and reports progress.
`PartWriter` writes them. Done on the event loop, chunk by chunk, the copy into
the page cache took about as long as receiving the bytes (bench/NOTES.md, "A
faster downloader"). Here the loop only collects received chunks; each
`BLOCK_BYTES` of them goes to a thread of the download's own that writes them
while the loop receives the next blocks (file writes release the GIL). The
thread takes its blocks in order (a single-worker executor is a FIFO queue), so
bytes reach the file in order, and up to `BLOCKS_IN_FLIGHT` blocks may wait for
it: memory stays bounded whatever the size of the body. A slow download hands
its chunks over every `HAND_OVER_AFTER_S` even if the block is not full, and so
does a stalled one (a loop timer, not the next chunk, notices), so a killed
process loses at most about that much of what it received and the `.part` shows
how far the download has come.

Nothing is hashed here: no caller needs a digest of a download (a saved copy
hashes the bytes it writes, for its sidecar), and SHA-256 cost more CPU than
everything else a download does (bench/NOTES.md).

The disk is put to work during the download too: every `WRITEBACK_BYTES`, the
writing thread asks the kernel to start writing back what the `.part` holds so
far (`posix_fadvise(DONTNEED)` starts the write-back without waiting for it,
and drops pages already on disk from the cache), so the fsync at the end finds
little left to write instead of the whole file.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from typing import BinaryIO

import httpx

from taskmon.downloads import part_files
from taskmon.downloads.errors import (
    LengthMismatch,
    NetworkError,
    TookTooLong,
    TooLarge,
    TooSlow,
    storage_error,
)
from taskmon.downloads.pacing import Pacing
from taskmon.downloads.part_files import Slot

BLOCK_BYTES = 4 * 1024 * 1024
BLOCKS_IN_FLIGHT = 3  # handed to the thread and not yet done; one more is filling
# A slow download hands its bytes over at least this often, full block or not: what
# a killed process had received is then mostly in the `.part`, for the resume.
HAND_OVER_AFTER_S = 1.0
WRITEBACK_BYTES = 32 * 1024 * 1024
_FADVISE = getattr(os, "posix_fadvise", None)  # Linux and BSD; elsewhere the fsync does it all

ProgressCallback = Callable[[int, int | None], None]


async def write_body(
    slot: Slot,
    chunks: AsyncIterator[bytes] | None,
    *,
    offset: int,
    total: int | None,
    max_bytes: int,
    pacing: Pacing,
    on_progress: ProgressCallback | None = None,
) -> int:
    """Append `chunks` (the body after the `.part`'s first `offset` bytes) and fsync; the size.

    `chunks` is None when nothing is left to receive. `total` is the declared size,
    if any: a body that ends short raises LengthMismatch (the `.part` is kept for a
    resume), one that runs past it or past `max_bytes` is discarded. A cut raises
    NetworkError, a body too slow or too long TooSlow or TookTooLong; whatever
    happens, every byte received is in the `.part` when this returns or raises.
    """
    size = offset
    if on_progress:
        on_progress(size, total)
    try:
        f = part_files.open_part(slot.part, append=offset > 0)
    except OSError as exc:
        raise storage_error(exc, slot.part) from exc
    writer = PartWriter(f, position=offset)
    loop = asyncio.get_running_loop()
    # An unknown size may still grow to the cap: that bounds its deadline.
    remaining = (max_bytes if total is None else total) - offset
    limit_s = pacing.deadline_s(remaining)
    deadline = loop.time() + limit_s
    window = pacing.window(loop.time())
    # One timer for both limits, moved on each time a window has brought enough.
    watchdog = asyncio.timeout_at(min(deadline, window.due))
    try:
        if chunks is not None:
            async with watchdog:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(max_bytes)
                    if writer.add(chunk):
                        await writer.add_block()
                    if window.add(len(chunk), loop.time()):
                        watchdog.reschedule(min(deadline, window.due))
                    if on_progress:
                        on_progress(size, total)
        await writer.finish()
    except TooLarge:
        await writer.close()
        slot.discard()
        raise
    except TimeoutError as exc:  # before OSError, its base class
        if not watchdog.expired():  # an OS-level timeout while writing
            raise storage_error(exc, slot.part) from exc
        if deadline <= window.due:
            raise TookTooLong(limit_s, remaining) from None
        raise TooSlow(window.received, window.window_s) from None
    except httpx.TransportError as exc:
        raise NetworkError(f"the connection broke after {size} bytes; it will resume") from exc
    except OSError as exc:
        raise storage_error(exc, slot.part) from exc
    finally:
        # Keeps what was received for a resume, and closes the file after the thread.
        await writer.close()
    if total is not None and size != total:
        if size > total:
            slot.discard()
        raise LengthMismatch(total, size)
    return size


class PartWriter:
    """Appends received chunks to an open `.part`, a block at a time.

    `position` is where the file's end is now (the bytes a resume kept). A write
    that fails (a full disk) comes out of a later `add_block` or `finish` as the
    OSError it is, and no later block is written after it: the `.part` stays a
    prefix of the body, which a resume continues.
    """

    def __init__(
        self,
        file: BinaryIO,
        *,
        position: int = 0,
        block_bytes: int = BLOCK_BYTES,
        blocks_in_flight: int = BLOCKS_IN_FLIGHT,
        writeback_bytes: int = WRITEBACK_BYTES,
        hand_over_after_s: float = HAND_OVER_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._file = file
        self._block_bytes, self._blocks_in_flight = block_bytes, blocks_in_flight
        self._writeback_bytes = writeback_bytes
        self._position = position  # the file's end, as the writing thread moves it
        self._written_back_to = position
        self._write_failed = False  # set by the writing thread; it then writes nothing more
        self._chunks: list[bytes] = []
        self._filling = 0
        self._hand_over_after_s, self._clock = hand_over_after_s, clock
        self._handed_over_at = clock()
        # One worker: the file is only touched by one thread, in the order of the blocks.
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="taskmon-part-write")
        self._in_flight: deque[Future[None]] = deque()
        self._closed = False
        self._timer: asyncio.TimerHandle | None = None

    def add(self, chunk: bytes) -> bool:
        """Keep `chunk` for the next block; True when it is time to call `add_block`.

        That is when the block is full, or `hand_over_after_s` after the last
        hand-over (a slow download).
        """
        self._chunks.append(chunk)
        self._filling += len(chunk)
        if self._timer is None and not self._closed:
            self._arm(self._hand_over_after_s)
        return (
            self._filling >= self._block_bytes
            or self._clock() - self._handed_over_at >= self._hand_over_after_s
        )

    async def add_block(self) -> None:
        """Hand the kept chunks to the writing thread; waits while too many blocks are in flight."""
        self._hand_over()
        while len(self._in_flight) > self._blocks_in_flight:
            await self._oldest_done()

    def _hand_over(self) -> None:
        chunks, self._chunks, self._filling = self._chunks, [], 0
        self._handed_over_at = self._clock()
        if chunks:
            self._in_flight.append(self._writer.submit(self._write, chunks))

    def _arm(self, delay_s: float) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # used outside a loop (a test): the next chunk checks the time
            return
        self._timer = loop.call_later(delay_s, self._on_timer)

    def _on_timer(self) -> None:
        """No chunk came for a while: hand over what is held (at most one block in memory)."""
        self._timer = None
        if self._closed or not self._chunks:
            return  # the next chunk arms the timer again
        wait_s = self._hand_over_after_s - (self._clock() - self._handed_over_at)
        if wait_s > 0:
            self._arm(wait_s)
        else:
            self._hand_over()  # the loop's next add_block waits for the blocks in flight

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def finish(self) -> int:
        """Write what is left, fsync the file; where the file's end is now."""
        self._disarm()
        await self.add_block()
        while self._in_flight:
            await self._oldest_done()
        await _done(self._writer.submit(self._sync))
        return self._position

    async def close(self) -> None:
        """Write out the chunks received so far (a resume continues after them), close the file.

        After a failure or a cancellation too. The close is the writing thread's
        last job, so the file is never closed under its feet; it is awaited, so
        the `.part` is complete when this returns (unless cancelled meanwhile).
        """
        if self._closed:
            return
        self._closed = True
        self._disarm()
        chunks, self._chunks = self._chunks, []
        if chunks:
            self._writer.submit(self._write, chunks)
        closed = self._writer.submit(self._close_file)
        self._writer.shutdown(wait=False)
        for write in self._in_flight:
            write.add_done_callback(_retrieved)  # reported already, or moot now
        self._in_flight.clear()
        await _done(closed)

    async def _oldest_done(self) -> None:
        """Until the oldest block in flight is written; a failure is raised."""
        await _done(self._in_flight[0])
        self._in_flight.popleft()

    # -- in the writing thread ----------------------------------------------------------

    def _write(self, chunks: list[bytes]) -> None:
        if self._write_failed:
            return  # after a failed write, a later block would leave a hole in the file
        try:
            for chunk in chunks:
                self._file.write(chunk)
                self._position += len(chunk)
            if _FADVISE is not None and (
                self._position - self._written_back_to >= self._writeback_bytes
            ):
                self._file.flush()
                _FADVISE(self._file.fileno(), 0, self._position, os.POSIX_FADV_DONTNEED)
                self._written_back_to = self._position
        except BaseException:
            self._write_failed = True
            raise

    def _sync(self) -> None:
        if self._write_failed:
            raise OSError("an earlier write to the .part failed")  # never reached: raised first
        self._file.flush()
        os.fsync(self._file.fileno())

    def _close_file(self) -> None:
        with suppress(OSError):  # a full disk may fail the final flush too
            self._file.close()


async def _done(job: Future[None]) -> None:
    """Wait for a thread's job; shielded, as cancelling the wait must not cancel the job."""
    await asyncio.shield(asyncio.wrap_future(job))


def _retrieved(job: Future[None]) -> None:
    if not job.cancelled():
        job.exception()
