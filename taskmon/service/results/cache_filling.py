"""Fetching results `taskmon save` finds missing into the media cache, as the engine would.

It fetches only while it holds the data dir's lock: a running `taskmon run`
(or the window) owns that cache and its downloads, and two processes never
write the same `.part`. Its downloads go through the download client the
engine uses (net/'s: httpx over aiohttp, big reads, never a key), handed in by
the caller, who closes it: httpx's own default transport took 8-9 s per GiB
where the engine's path takes about 6 (bench/NOTES.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from taskmon.domain import FileState, StoredTask
from taskmon.downloads import Downloader, DownloadError, cache_name_hint
from taskmon.service.data_paths import db_path, task_cache_dir
from taskmon.service.instance_lock import InstanceLock
from taskmon.store import StoreError, StoreWriter


class CacheFiller:
    """Fetches missing results into the media cache, as the engine would, under the lock."""

    def __init__(
        self, directory: Path, download_client: Callable[[], Awaitable[httpx.AsyncClient]]
    ) -> None:
        self._directory = directory
        # The engine's download client (net/): its transport reads big chunks, no key on it.
        self._download_client = download_client
        self._lock: InstanceLock | None = None
        self._writer: StoreWriter | None = None
        self._downloader: Downloader | None = None

    async def fetch(self, task: StoredTask, index: int, url: str) -> Path:
        """The cached file of output `index`; DownloadError says why there is none."""
        if self._lock is None:
            lock = InstanceLock(self._directory)
            if not await asyncio.to_thread(lock.acquire):
                raise CacheBusy(lock.busy_message())
            self._lock = lock
            try:
                self._writer = await asyncio.to_thread(StoreWriter, db_path(self._directory))
            except StoreError as exc:
                raise DownloadError(f"cannot record it in the store: {exc}") from exc
            self._downloader = Downloader(await self._download_client())
        if self._downloader is None or self._writer is None:
            raise CacheBusy("the data dir is busy")
        others = frozenset(
            Path(f.path) for f in task.files if f.index != index and f.path is not None
        )
        try:
            done = await self._downloader.fetch(
                url,
                task_cache_dir(self._directory, task.ref),
                name_hint=cache_name_hint(task.ref.provider, task.ref.task_id, index),
                adopt_identical=True,
                owned_elsewhere=others,
                root=self._directory,
            )
        except DownloadError as exc:
            self._writer.set_file(
                task.key, index, url=url, path=None, state=FileState.FAILED, error=str(exc)
            )
            raise
        self._writer.set_file(
            task.key,
            index,
            url=url,
            path=str(done.path),
            state=FileState.COMPLETE,
            size=done.size,
        )
        return done.path

    async def aclose(self) -> None:
        """Its store writer and lock; the download client is its owner's to close."""
        if self._downloader is not None:
            await self._downloader.aclose()
        if self._writer is not None:
            await asyncio.to_thread(self._writer.close)
        if self._lock is not None:
            self._lock.release()


class CacheBusy(DownloadError):
    """Another taskmon tracks the data dir: its engine fetches the results, not `save`."""

    def __init__(self, holder: str) -> None:
        super().__init__(f"it is not in the cache yet and {holder}; it fetches it")
