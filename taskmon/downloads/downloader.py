"""Result downloads: streamed to `.part`, resumable, bounded, moved into place atomically.

Results live on CDNs behind short-lived links. The client here never carries an
API key (a key sent to a CDN is a key leaked), only http(s) is fetched, every
redirect hop is re-checked, sizes are capped, and a crash at any moment leaves
either a resumable `<name>.part` (+ `.part.meta`) or the finished file. A caller
may ask for `adopt_identical`: a finished file an earlier, killed process
already moved into place is then found again instead of being downloaded into a
second, numbered copy (see `part_files`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from taskmon import __version__
from taskmon.downloads import part_files
from taskmon.downloads.errors import (
    DiskFull,
    DownloadError,
    HttpStatus,
    LengthMismatch,
    NetworkError,
    StorageError,
    TookTooLong,
    TooLarge,
    TooManyRedirects,
    TooSlow,
    UnsafeFolder,
    UnsafeUrl,
    storage_error,
)
from taskmon.downloads.filenames import name_from_url
from taskmon.downloads.pacing import (
    DEFAULT_DEADLINE_BASE_S,
    DEFAULT_DEADLINE_FLOOR_BYTES_PER_S,
    DEFAULT_MIN_RATE_BYTES_PER_S,
    DEFAULT_RATE_WINDOW_S,
    HostSlots,
    Pacing,
)
from taskmon.downloads.part_files import PartMeta, Slot
from taskmon.downloads.part_writer import ProgressCallback, write_body
from taskmon.downloads.responses import content_range, continues, ensure_safe_url, is_encoded

DEFAULT_MAX_BYTES = 2 * 1024**3
DEFAULT_MAX_DOWNLOADS = 4
# Below the global limit: a slow host never holds every slot.
DEFAULT_MAX_DOWNLOADS_PER_HOST = 2
DEFAULT_MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Longer Content-Type values are not kept in the sidecar (which is read with a cap).
_MAX_CONTENT_TYPE_CHARS = 256

__all__ = [
    "DiskFull",
    "DownloadError",
    "DownloadedFile",
    "Downloader",
    "HttpStatus",
    "LengthMismatch",
    "NetworkError",
    "StorageError",
    "TooLarge",
    "TooManyRedirects",
    "TooSlow",
    "TookTooLong",
    "UnsafeFolder",
    "UnsafeUrl",
    "ensure_safe_url",
]


@dataclass(frozen=True, slots=True)
class DownloadedFile:
    """A finished download, already fsynced and in its final place."""

    path: Path  # absolute
    size: int
    content_type: str | None


@dataclass(frozen=True, slots=True)
class _Verified:
    """A `.part` holding every byte of the result, fsynced, not yet in its final place."""

    size: int
    content_type: str | None


class _Restart(Exception):
    """The server cannot continue our `.part`: start again from byte 0."""


class Downloader:
    """Fetches result files with bounded concurrency; one instance per application.

    At most `max_downloads` at a time, `max_downloads_per_host` of them from one
    origin. A download fails as too slow when a window of `rate_window_s` brings
    less than `min_rate_bytes_per_s` on average, and as too long after
    `deadline_base_s` plus its size at `deadline_floor_bytes_per_s`.
    """

    def __init__(
        self,
        client: httpx.AsyncClient | None = None,
        *,
        max_downloads: int = DEFAULT_MAX_DOWNLOADS,
        max_downloads_per_host: int = DEFAULT_MAX_DOWNLOADS_PER_HOST,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        timeout_s: float = 30.0,
        min_rate_bytes_per_s: float = DEFAULT_MIN_RATE_BYTES_PER_S,
        rate_window_s: float = DEFAULT_RATE_WINDOW_S,
        deadline_base_s: float = DEFAULT_DEADLINE_BASE_S,
        deadline_floor_bytes_per_s: float = DEFAULT_DEADLINE_FLOOR_BYTES_PER_S,
    ) -> None:
        if client is not None and (client.auth is not None or "authorization" in client.headers):
            raise ValueError("the download client must not carry credentials")
        if max_downloads < 1 or max_downloads_per_host < 1:
            raise ValueError("max_downloads and max_downloads_per_host must be at least 1")
        self._pacing = Pacing(
            min_rate_bytes_per_s, rate_window_s, deadline_base_s, deadline_floor_bytes_per_s
        )
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=False,  # hops are followed by hand so each one is checked
            headers={"User-Agent": f"taskmon/{__version__}"},
            limits=httpx.Limits(max_connections=max_downloads * 2),
        )
        self._semaphore = asyncio.Semaphore(max_downloads)
        self._host_slots = HostSlots(min(max_downloads_per_host, max_downloads))
        self._claim_lock = asyncio.Lock()  # slot choice and final rename, across tasks
        self._active: set[Path] = set()
        # Files this instance moved into place (real paths). Never adopted: adoption
        # recovers what an earlier process placed, and each of these already belongs
        # to the download that placed it (two tasks may share a `--save-dir`).
        self._placed: set[Path] = set()
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects

    async def __aenter__(self) -> Downloader:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def fetch(
        self,
        url: str,
        dest_dir: Path,
        *,
        name_hint: str | None = None,
        on_progress: ProgressCallback | None = None,
        adopt_identical: bool = False,
        owned_elsewhere: Collection[Path] = (),
        root: Path | None = None,
    ) -> DownloadedFile:
        """Download `url` into `dest_dir`, resuming an earlier `.part` of the same URL.

        `root` is the folder the user chose (the data dir, a save dir) that `dest_dir`
        lies in; no folder below it may be a link (UnsafeFolder). Without it,
        `dest_dir` is the root.

        With `adopt_identical`, a file already under the result's final name with
        exactly the downloaded bytes, left by an earlier process, is returned instead
        of a new numbered copy, unless it is one of `owned_elsewhere` (the files the
        caller has recorded for other outputs).
        """
        safe_url = ensure_safe_url(url)  # before any I/O
        base = name_from_url(url, name_hint)
        host = f"{safe_url.scheme}://{safe_url.host}:{safe_url.port}"
        owned: frozenset[Path] | None = None
        if adopt_identical:
            owned = await asyncio.to_thread(
                lambda: frozenset(part_files.real_path(p) for p in owned_elsewhere)
            )
        # The host's share first: a download waiting for its host holds no global slot.
        async with self._host_slots.hold(host), self._semaphore:
            async with self._claim_lock:
                try:
                    slot = await asyncio.to_thread(
                        part_files.claim_slot, dest_dir, base, url, frozenset(self._active), root
                    )
                except OSError as exc:
                    raise storage_error(exc, dest_dir) from exc
                self._active.add(slot.part)
            try:
                verified = await self._download(url, slot, on_progress)
                path = await self._move_into_place(slot, verified, owned)
            finally:
                self._active.discard(slot.part)
        return DownloadedFile(path, verified.size, verified.content_type)

    async def _download(
        self, url: str, slot: Slot, on_progress: ProgressCallback | None
    ) -> _Verified:
        verified: _Verified | None = None
        try:
            try:
                verified = await self._attempt(url, slot, on_progress, resume=True)
            except _Restart:
                verified = await self._attempt(url, slot, on_progress, resume=False)
            return verified
        except _Restart:
            raise NetworkError("the server keeps changing the file") from None
        except OSError as exc:
            raise storage_error(exc, slot.part) from exc
        except HttpStatus as exc:
            if exc.expired:  # the link is dead: its partial bytes can never be completed
                slot.discard()
            raise
        finally:
            # Only on failure: an empty result is a valid 0-byte .part, placed next.
            if verified is None and slot.part_size() == 0:
                slot.discard()  # nothing fetched: leave no litter behind

    async def _attempt(
        self, url: str, slot: Slot, on_progress: ProgressCallback | None, *, resume: bool
    ) -> _Verified:
        meta = slot.read_meta() or PartMeta(url=url)
        offset = slot.part_size() if resume else 0
        headers = {"Accept-Encoding": "identity"}  # byte ranges must count stored bytes
        if offset and meta.validator:
            headers["Range"] = f"bytes={offset}-"
            headers["If-Range"] = meta.validator
        else:
            offset = 0
        async with self._open(url, headers) as response:
            _, untrusted_total = content_range(response.headers.get("content-range"))
            status = response.status_code
            if status == 416 and offset:
                if untrusted_total != offset or meta.total != offset:
                    raise _Restart
                # The .part already holds every byte: a cut after the last chunk. Its
                # type is the one the first response gave (a 416 rarely has one).
                return await self._finish(
                    slot, offset, offset, None, meta.content_type, on_progress
                )
            if status not in (200, 206):
                raise HttpStatus(status)
            if status == 206 and not continues(meta, response, offset):
                # A CDN that ignores If-Range sends its current file: never stitch it on.
                raise _Restart
            if status == 200:
                offset = 0  # the file changed, or the server ignores ranges
            length = response.headers.get("content-length", "")
            total = untrusted_total if status == 206 else None
            if total is None and length.isdigit():
                total = offset + int(length)
            encoded = is_encoded(response)
            if encoded:
                total = None  # the decoded size is unknown in advance
            if total is not None and total > self.max_bytes:
                slot.discard()
                raise TooLarge(self.max_bytes, total)
            untrusted_type = response.headers.get("content-type")
            if untrusted_type is not None and len(untrusted_type) > _MAX_CONTENT_TYPE_CHARS:
                untrusted_type = None
            if status == 206 and untrusted_type is None:
                untrusted_type = meta.content_type  # keep what the first response said
            fresh = PartMeta(
                url=url,
                etag=None if encoded else response.headers.get("etag"),
                last_modified=None if encoded else response.headers.get("last-modified"),
                total=total,
                content_type=untrusted_type,
            )
            # Off the loop: it fsyncs, and in the window the loop is Qt's main thread.
            await asyncio.to_thread(slot.write_meta, fresh)
            return await self._finish(slot, offset, total, response, untrusted_type, on_progress)

    @asynccontextmanager
    async def _open(self, url: str, headers: dict[str, str]) -> AsyncIterator[httpx.Response]:
        """GET with redirects followed by hand, each hop re-checked, never with credentials."""
        current = ensure_safe_url(url)
        for _ in range(self.max_redirects + 1):
            request = self._client.build_request("GET", current, headers=headers)
            try:
                # auth=None overrides any client-level auth; the URL has no userinfo.
                response = await self._client.send(request, stream=True, auth=None)
            except httpx.TransportError as exc:
                raise NetworkError(f"network error: {str(exc) or type(exc).__name__}") from exc
            except httpx.InvalidURL as exc:  # httpx parses a redirect's Location itself
                raise UnsafeUrl(f"the link redirects to an invalid address ({exc})") from None
            if response.status_code in _REDIRECTS and "location" in response.headers:
                location = response.headers["location"]
                await response.aclose()
                try:
                    current = ensure_safe_url(str(current.join(location)))
                except httpx.InvalidURL as exc:
                    raise UnsafeUrl(f"the link redirects to an invalid address ({exc})") from None
                continue
            try:
                yield response
            finally:
                await response.aclose()
            return
        raise TooManyRedirects(self.max_redirects)

    async def _finish(
        self,
        slot: Slot,
        offset: int,
        total: int | None,
        response: httpx.Response | None,
        content_type: str | None,
        on_progress: ProgressCallback | None,
    ) -> _Verified:
        """Stream the body after `offset` (if any is left), fsync and verify the length."""
        chunks: AsyncIterator[bytes] | None = None
        if response is not None:
            # No chunk_size: a re-chunking buffer would lose its tail when the link is cut.
            chunks = response.aiter_bytes() if is_encoded(response) else response.aiter_raw()
        size = await write_body(
            slot,
            chunks,
            offset=offset,
            total=total,
            max_bytes=self.max_bytes,
            pacing=self._pacing,
            on_progress=on_progress,
        )
        return _Verified(size, content_type)

    async def _move_into_place(
        self, slot: Slot, verified: _Verified, owned: frozenset[Path] | None
    ) -> Path:
        """Rename the `.part`, or adopt its twin unless `owned` is None or holds it."""

        def adoptable(path: Path) -> bool:
            # Read in the worker thread; safe, as `_placed` only changes under the lock.
            return path not in self._placed and path not in (owned or ())

        async with self._claim_lock:  # no other task may pick the same free name meanwhile
            try:
                path = await asyncio.to_thread(
                    part_files.place,
                    slot,
                    verified.content_type,
                    size=verified.size,
                    adoptable=None if owned is None else adoptable,
                )
            except OSError as exc:
                raise storage_error(exc, slot.part) from exc
            self._placed.add(path)
            return path
