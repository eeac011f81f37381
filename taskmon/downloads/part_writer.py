"""Writing a download's bytes to its `.part` and hashing them, off the event loop, in blocks.

Done on the event loop, chunk by chunk, the copy into the page cache and the
SHA-256 took longer than receiving the bytes (bench/NOTES.md, "A faster
downloader"). Here the loop only collects received chunks; each `BLOCK_BYTES`
of them goes to two worker threads, one writing them and one hashing them,
while the loop receives the next block (file writes and hashlib release the
GIL, so the three run at once). At most one block is in the threads and one is
filling: memory stays bounded whatever the size of the body, and bytes reach
the file, and the digest, in order.

The disk is put to work during the download too: every `WRITEBACK_BYTES`, the
thread asks the kernel to start writing back what the `.part` holds so far
(`posix_fadvise(DONTNEED)` starts the write-back without waiting for it, and
drops pages already on disk from the cache), so the fsync at the end finds
little left to write instead of the whole file.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from contextlib import suppress
from typing import BinaryIO

BLOCK_BYTES = 4 * 1024 * 1024
WRITEBACK_BYTES = 32 * 1024 * 1024
_FADVISE = getattr(os, "posix_fadvise", None)  # Linux and BSD; elsewhere the fsync does it all


class PartWriter:
    """Appends received chunks to an open `.part` and a running digest, a block at a time.

    `position` is where the file's end is now (the bytes a resume kept). Errors
    of the thread (a full disk) come out of the next `add_block`/`finish` as the
    OSError they are. The hashing thread ends with the digest's error, never with an OSError.
    """

    def __init__(
        self,
        file: BinaryIO,
        digest: hashlib._Hash,
        *,
        position: int = 0,
        block_bytes: int = BLOCK_BYTES,
        writeback_bytes: int = WRITEBACK_BYTES,
    ) -> None:
        self._file, self._digest = file, digest
        self._block_bytes, self._writeback_bytes = block_bytes, writeback_bytes
        self._position = position  # the file's end once the thread's block is written
        self._written_back_to = position
        self._chunks: list[bytes] = []
        self._filling = 0
        self._writing: asyncio.Future[None] | None = None  # the only user of the file
        self._hashing: asyncio.Future[None] | None = None  # the only user of the digest
        self._closed = False

    def add(self, chunk: bytes) -> bool:
        """Keep `chunk` for the next block; True when the block is full (call `add_block`)."""
        self._chunks.append(chunk)
        self._filling += len(chunk)
        return self._filling >= self._block_bytes

    async def add_block(self) -> None:
        """Hand the kept chunks to the threads, once they are done with the previous block."""
        await self._wait()
        chunks, self._chunks, self._filling = self._chunks, [], 0
        if chunks:
            loop = asyncio.get_running_loop()
            self._writing = loop.run_in_executor(None, self._write, chunks)
            self._hashing = loop.run_in_executor(None, self._hash, chunks)

    async def finish(self) -> str:
        """Write what is left, fsync the file; the hex SHA-256 of every byte written."""
        await self.add_block()
        await self._wait()
        await asyncio.to_thread(self._sync)
        return self._digest.hexdigest()

    async def close(self) -> None:
        """Write out the chunks received so far (a resume continues after them), close the file.

        After a failure or a cancellation too: the file is closed only once the
        thread is done with it, never under its feet.
        """
        if self._closed:
            return
        try:
            with suppress(OSError):  # a full disk: what is in the file is kept
                await self.add_block()
                await self._wait()
        finally:
            self._closed = True
            writing = self._writing
            if writing is None or writing.done():
                self._close_file(writing)
            else:  # cancelled while the thread writes: close once it is done
                writing.add_done_callback(self._close_file)

    async def _wait(self) -> None:
        """Until both threads are done with their block; a failure is raised (and stays set).

        Shielded: a cancelled wait must not mark the threads' work done early.
        """
        if self._writing is not None:
            await asyncio.shield(self._writing)
            self._writing = None
        if self._hashing is not None:
            await asyncio.shield(self._hashing)
            self._hashing = None

    def _close_file(self, writing: asyncio.Future[None] | None) -> None:
        if writing is not None and not writing.cancelled():
            writing.exception()  # retrieved: a failure was reported, or is moot now
        with suppress(OSError):  # a full disk may fail the final flush too
            self._file.close()

    # -- in the worker thread --------------------------------------------------------

    def _write(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            self._file.write(chunk)
            self._position += len(chunk)
        if _FADVISE is not None and self._position - self._written_back_to >= self._writeback_bytes:
            self._file.flush()
            _FADVISE(self._file.fileno(), 0, self._position, os.POSIX_FADV_DONTNEED)
            self._written_back_to = self._position

    def _hash(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            self._digest.update(chunk)

    def _sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
