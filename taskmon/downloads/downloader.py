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
import hashlib
import os
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager, suppress
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
    TooLarge,
    TooManyRedirects,
    UnsafeUrl,
    storage_error,
)
from taskmon.downloads.filenames import name_from_url
from taskmon.downloads.part_files import PartMeta, Slot

DEFAULT_MAX_BYTES = 2 * 1024**3
DEFAULT_CONCURRENCY = 4
DEFAULT_MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Longer Content-Type values are not kept in the sidecar (which is read with a cap).
_MAX_CONTENT_TYPE_CHARS = 256

ProgressCallback = Callable[[int, int | None], None]

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
    "UnsafeUrl",
    "ensure_safe_url",
]


@dataclass(frozen=True, slots=True)
class DownloadedFile:
    """A finished download, already fsynced and in its final place."""

    path: Path  # absolute
    size: int
    content_type: str | None
    sha256: str  # hex


@dataclass(frozen=True, slots=True)
class _Verified:
    """A `.part` holding every byte of the result, fsynced, not yet in its final place."""

    size: int
    content_type: str | None
    sha256: str  # hex


class _Restart(Exception):
    """The server cannot continue our `.part`: start again from byte 0."""


def ensure_safe_url(untrusted_url: str) -> httpx.URL:
    """Parse a link we are asked to fetch; raise UnsafeUrl unless it is absolute http(s)."""
    try:
        url = httpx.URL(untrusted_url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise UnsafeUrl(f"not a valid link ({exc})") from None
    if url.scheme not in ("http", "https"):
        what = f"a {url.scheme}: link" if url.scheme else "a relative link"
        raise UnsafeUrl(f"only http(s) links can be downloaded, not {what}")
    if not url.host:
        raise UnsafeUrl("the link has no host")
    if url.userinfo:  # httpx would turn it into an Authorization header
        raise UnsafeUrl("the link carries a user name or password")
    return url


def _content_range(value: str | None) -> tuple[int | None, int | None]:
    """(first byte, total) from `bytes 10-99/100` or `bytes */100`; None where unknown."""
    if not value or not value.startswith("bytes "):
        return None, None
    span, _, total = value[6:].partition("/")
    first = span.split("-", 1)[0]
    return (
        int(first) if first.isdigit() else None,
        int(total) if total.isdigit() else None,
    )


def _is_encoded(response: httpx.Response) -> bool:
    encoding: str = response.headers.get("content-encoding", "identity")
    return encoding.lower() != "identity"


class Downloader:
    """Fetches result files with bounded concurrency; one instance per application."""

    def __init__(
        self,
        client: httpx.AsyncClient | None = None,
        *,
        max_concurrency: int = DEFAULT_CONCURRENCY,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        timeout_s: float = 30.0,
    ) -> None:
        if client is not None and (client.auth is not None or "authorization" in client.headers):
            raise ValueError("the download client must not carry credentials")
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=False,  # hops are followed by hand so each one is checked
            headers={"User-Agent": f"taskmon/{__version__}"},
            limits=httpx.Limits(max_connections=max_concurrency * 2),
        )
        self._semaphore = asyncio.Semaphore(max_concurrency)
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
    ) -> DownloadedFile:
        """Download `url` into `dest_dir`, resuming an earlier `.part` of the same URL.

        With `adopt_identical`, a file already under the result's final name with
        exactly the downloaded bytes, left by an earlier process, is returned instead
        of a new numbered copy, unless it is one of `owned_elsewhere` (the files the
        caller has recorded for other outputs).
        """
        ensure_safe_url(url)  # before any I/O
        base = name_from_url(url, name_hint)
        owned: frozenset[Path] | None = None
        if adopt_identical:
            owned = await asyncio.to_thread(
                lambda: frozenset(part_files.real_path(p) for p in owned_elsewhere)
            )
        async with self._semaphore:
            async with self._claim_lock:
                try:
                    slot = await asyncio.to_thread(
                        part_files.claim_slot, dest_dir, base, url, frozenset(self._active)
                    )
                except OSError as exc:
                    raise storage_error(exc, dest_dir) from exc
                self._active.add(slot.part)
            try:
                verified = await self._download(url, slot, on_progress)
                path = await self._move_into_place(slot, verified, owned)
            finally:
                self._active.discard(slot.part)
        return DownloadedFile(path, verified.size, verified.content_type, verified.sha256)

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
            untrusted_first, untrusted_total = _content_range(response.headers.get("content-range"))
            status = response.status_code
            if status == 416 and offset:
                if untrusted_total != offset:
                    raise _Restart
                # The .part already holds every byte: a cut after the last chunk. Its
                # type is the one the first response gave (a 416 rarely has one).
                return await self._finish(
                    slot, offset, offset, None, meta.content_type, on_progress
                )
            if status not in (200, 206):
                raise HttpStatus(status)
            if status == 206 and untrusted_first != offset:
                raise _Restart
            if status == 200:
                offset = 0  # the file changed, or the server ignores ranges
            length = response.headers.get("content-length", "")
            total = untrusted_total if status == 206 else None
            if total is None and length.isdigit():
                total = offset + int(length)
            encoded = _is_encoded(response)
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
            slot.write_meta(fresh)
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
        digest = (
            await asyncio.to_thread(part_files.hash_prefix, slot.part, offset)
            if offset
            else hashlib.sha256()
        )
        size = offset
        if on_progress:
            on_progress(size, total)
        try:
            f = part_files.open_part(slot.part, append=offset > 0)
        except OSError as exc:
            raise storage_error(exc, slot.part) from exc
        try:
            if response is not None:
                raw = not _is_encoded(response)
                # No chunk_size: a re-chunking buffer would lose its tail when the link is cut.
                chunks = response.aiter_raw() if raw else response.aiter_bytes()
                async for chunk in chunks:
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise TooLarge(self.max_bytes)
                    f.write(chunk)
                    digest.update(chunk)
                    if on_progress:
                        on_progress(size, total)
            f.flush()
            await asyncio.to_thread(os.fsync, f.fileno())
        except TooLarge:
            f.close()
            slot.discard()
            raise
        except httpx.TransportError as exc:
            raise NetworkError(f"the connection broke after {size} bytes; it will resume") from exc
        except OSError as exc:
            raise storage_error(exc, slot.part) from exc
        finally:
            with suppress(OSError):  # a full disk may fail the final flush too
                f.close()
        if total is not None and size != total:
            if size > total:
                slot.discard()
            raise LengthMismatch(total, size)
        return _Verified(size, content_type, digest.hexdigest())

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
                    sha256=verified.sha256,
                    adoptable=None if owned is None else adoptable,
                )
            except OSError as exc:
                raise storage_error(exc, slot.part) from exc
            self._placed.add(path)
            return path
