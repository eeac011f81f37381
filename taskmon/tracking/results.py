"""Fetching a succeeded task's results before their URLs expire.

Each output is downloaded with the safe downloader (no API key ever goes to a
result host). A link that answers 403/404/410 has often just expired: the task
is queried once for fresh URLs before the result is called gone. A retry the
user asks for queries it first, whatever the links say: a provider that signs
its result URLs anew per status answer gives working ones, the others the same.

A download that still fails after the quick retries is tried again later,
backing off (`download_retry_first_s` doubling to `download_retry_max_s`), for
as long as its link can work: the provider's documented link lifetime after
the task finished, else `download_retry_window_s`. Meanwhile the task stays
"downloading" and its problem says so ("results not saved: ...; retrying in
2 min"). A waiting retry goes at once when its host answers again (a download
from it, or a status answer) or the disk it failed on has room again.

Results are fetched with `adopt_identical`: after a kill -9 between a file's
final rename and the store's commit of its record, the restart downloads the
output again and then adopts the identical file the killed run left in place,
instead of keeping a second copy beside an unreferenced first one. The files
recorded for the task's other outputs are never adopted, nor (the downloader
sees to it) any file this process placed.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

import httpx

from taskmon.domain.records import FileState
from taskmon.domain.snapshot import State
from taskmon.domain.task import Change, TaskRef, utcnow
from taskmon.downloads.downloader import (
    DownloadedFile,
    Downloader,
    DownloadError,
    HttpStatus,
    LengthMismatch,
    NetworkError,
)
from taskmon.downloads.errors import DiskFull, StorageError, UnsafeFolder
from taskmon.downloads.safe_paths import real_folder
from taskmon.downloads.save_pattern import cache_name_hint
from taskmon.net.outcomes import Observed, Outcome
from taskmon.tracking.config import EngineConfig
from taskmon.tracking.events import EngineEvent, FileEvent
from taskmon.tracking.side_jobs import SideJobs
from taskmon.tracking.task import TrackedTask

log = logging.getLogger(__name__)

TRANSIENT_RETRIES: Final = 3
RETRY_BASE_S: Final = 1.0
DISK_CHECK_S: Final = 5.0  # a retry waiting for disk space looks at the free space this often
DISK_ROOM_BYTES: Final = 1 << 20  # this much more free space counts as room again


@dataclass
class _Round:
    """What one pass over a task's missing outputs left behind."""

    problems: list[str] = field(default_factory=list)
    final: bool = False  # some failure no later try can cure (bad URL, expired link...)
    origins: set[str] = field(default_factory=set)  # hosts that failed us
    disk: Path | None = None  # the folder whose disk was full


@dataclass
class _Waiting:
    """A task whose failed downloads wait for their next try."""

    wake: asyncio.Event
    origins: set[str]
    disk: Path | None
    free_bytes: int | None  # free space on `disk` when it was full
    refresh: bool = False  # the user asked: query the task for fresh URLs first


def origin_of(url: str) -> str:
    """scheme://host:port of `url` (lower case), to tell one host's answers from another's."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}"


def _free_bytes(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def result_root_or_parent(save_dir: Path, root: Path | None) -> Path:
    """A folder that exists on the disk `save_dir` would be on (for its free space)."""
    return root if root is not None else save_dir.parent


def _in_words(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"


class ResultFetcher:
    """Downloads results for the engine; one shared Downloader, bounded concurrency."""

    def __init__(
        self,
        result_dir: Callable[[TaskRef], Path] | None,
        jobs: SideJobs,
        config: EngineConfig,
        *,
        download_client: Callable[[], Awaitable[httpx.AsyncClient]] | None = None,
        result_root: Path | None = None,
        emit: Callable[[EngineEvent], None],
        publish: Callable[[TrackedTask, Change], None],
        ask_again: Callable[[TrackedTask], Awaitable[Outcome]],
    ) -> None:
        self._result_dir = result_dir
        self._result_root = result_root  # no result folder below it may be a link
        self._download_client = download_client  # the engine's HTTP stack, no key on it
        self._jobs = jobs
        self._emit = emit
        self._publish = publish
        self._ask_again = ask_again  # one status call, for fresh result URLs
        self._config = config
        self._downloader: Downloader | None = None
        self._waiting: dict[str, _Waiting] = {}  # task key -> its retry, waiting

    def host_answered(self, origin: str) -> None:
        """`origin` answered properly: the retries waiting on it go now."""
        if not self._waiting:
            return
        for waiting in self._waiting.values():
            if origin in waiting.origins:
                waiting.wake.set()

    def retry_now(self, key: str) -> bool:
        """Send `key`'s waiting retry now (the user asked); False when none waits."""
        waiting = self._waiting.get(key)
        if waiting is None:
            return False
        waiting.refresh = True
        waiting.wake.set()
        return True

    @property
    def enabled(self) -> bool:
        """Whether this engine keeps results at all."""
        return self._result_dir is not None

    def fetch(self, task: TrackedTask, refresh_first: bool = False) -> None:
        """Download a succeeded task's missing results, when this engine keeps results.

        `refresh_first`: ask the provider for the task before (fresh result URLs
        where it gives them), as a user's retry does.
        """
        if task.state is not State.SUCCEEDED or self._result_dir is None:
            return
        outputs = task.snapshot.outputs if task.snapshot else ()
        if task.downloads_pending or len(task.file_paths) >= len(outputs):
            return
        task.downloads_started()
        # Owned by the task: the download stops when the task is untracked.
        job = self._fetch_all(task, self._result_dir, refresh_first)
        self._jobs.spawn(job, task.ref.key)

    async def _fetch_all(
        self,
        task: TrackedTask,
        result_dir: Callable[[TaskRef], Path],
        refresh_first: bool = False,
    ) -> None:
        if self._downloader is None:
            client = None if self._download_client is None else await self._download_client()
            self._downloader = Downloader(client)
        problems: list[str] = []
        tries = 0
        try:
            while True:
                if refresh_first:
                    await self._refresh(task)
                # One status call per round at most: a refresh just made counts.
                done = await self._fetch_round(task, result_dir(task.ref), refresh_first)
                problems = done.problems
                if not problems:
                    return
                delay = None if done.final else self._retry_delay(task, tries)
                if delay is None:
                    return
                tries += 1
                task.downloads_waiting(
                    f"results not saved: {'; '.join(problems)}; retrying in {_in_words(delay)}"
                )
                self._publish(task, Change.NONE)
                refresh_first = await self._wait(task.ref.key, delay, done)
        finally:
            self._waiting.pop(task.ref.key, None)
            task.downloads_finished(problems)
            self._publish(task, Change.NONE)

    def _retry_delay(self, task: TrackedTask, tries: int) -> float | None:
        """Seconds until the next try, or None when the link cannot work by then."""
        config = self._config
        if not config.download_retry_later:
            return None
        delay = min(config.download_retry_max_s, config.download_retry_first_s * 2.0**tries)
        lifetime = task.provider.result_url_ttl_s or config.download_retry_window_s
        now = utcnow()
        deadline = (task.finished_at or now) + timedelta(seconds=lifetime)
        if now + timedelta(seconds=delay) > deadline:
            return None
        return delay

    async def _wait(self, key: str, delay_s: float, done: _Round) -> bool:
        """Sleep `delay_s`, or less when the host answers or the full disk has room again.

        True when the user asked for the retry (`retry_now`): fresh URLs are wanted.
        """
        free = None if done.disk is None else await asyncio.to_thread(_free_bytes, done.disk)
        waiting = _Waiting(asyncio.Event(), done.origins, done.disk, free)
        self._waiting[key] = waiting
        loop = asyncio.get_running_loop()
        until = loop.time() + delay_s
        try:
            while (left := until - loop.time()) > 0:
                step = left if waiting.disk is None else min(left, DISK_CHECK_S)
                try:
                    async with asyncio.timeout(step):
                        await waiting.wake.wait()
                    return waiting.refresh
                except TimeoutError:
                    pass
                if waiting.disk is not None and await self._disk_has_room(waiting):
                    return waiting.refresh
            return waiting.refresh
        finally:
            self._waiting.pop(key, None)

    @staticmethod
    async def _disk_has_room(waiting: _Waiting) -> bool:
        assert waiting.disk is not None
        free = await asyncio.to_thread(_free_bytes, waiting.disk)
        if free is None or waiting.free_bytes is None:
            return False
        return free >= waiting.free_bytes + DISK_ROOM_BYTES

    async def _fetch_round(
        self, task: TrackedTask, save_dir: Path, refreshed: bool = False
    ) -> _Round:
        """One pass over the task's missing outputs (`refreshed`: URLs asked for just now)."""
        done = _Round()
        root = self._result_root
        try:
            await asyncio.to_thread(real_folder, save_dir, root)  # never through a link
        except UnsafeFolder as exc:
            done.problems.append(str(exc))
            done.final = True
            return done
        except DownloadError as exc:
            done.problems.append(str(exc))
            return done
        except OSError as exc:
            done.problems.append(f"cannot create {save_dir}: {exc.strerror or exc}")
            done.disk = result_root_or_parent(save_dir, self._result_root)
            return done
        index = 0
        while task.snapshot is not None and index < len(task.snapshot.outputs):
            output = task.snapshot.outputs[index]
            if index in task.file_paths:  # fetched before a restart, or in an earlier round
                index += 1
                continue
            self._emit(FileEvent(task.ref.key, index, output.url, None, FileState.PENDING))
            others = frozenset(Path(p) for i, p in task.file_paths.items() if i != index)
            try:
                # Named `<provider>_<short id>_<n>`: what a drag or "Show in folder" hands over.
                name = cache_name_hint(task.ref.provider, task.ref.task_id, index)
                saved = await self._fetch_with_retries(output.url, save_dir, others, root, name)
            except HttpStatus as exc:
                if exc.expired and not refreshed and await self._refresh(task):
                    refreshed = True
                    continue  # same index, fresh URL
                done.problems.append(self._failed(task, index, output.url, exc))
                if exc.status < 500 and exc.status != 429:
                    done.final = True  # refused or gone: trying again will not help
                else:
                    done.origins.add(origin_of(output.url))
            except (DiskFull, StorageError) as exc:
                done.problems.append(self._failed(task, index, output.url, exc))
                if isinstance(exc, UnsafeFolder):
                    done.final = True
                else:
                    done.disk = save_dir
            except (NetworkError, LengthMismatch) as exc:
                done.problems.append(self._failed(task, index, output.url, exc))
                done.origins.add(origin_of(output.url))
            except DownloadError as exc:  # an unsafe URL, too large, too many redirects
                done.problems.append(self._failed(task, index, output.url, exc))
                done.final = True
            else:
                task.file_downloaded(index, str(saved.path))
                self._emit(
                    FileEvent(
                        task.ref.key,
                        index,
                        output.url,
                        str(saved.path),
                        FileState.COMPLETE,
                        size=saved.size,
                    )
                )
                self._answered(task.ref.key, origin_of(output.url))
            index += 1
        return done

    def _answered(self, own_key: str, origin: str) -> None:
        """A download worked: the host is back, and a disk had room; wake who waits on it."""
        for key, waiting in self._waiting.items():
            if key != own_key and (origin in waiting.origins or waiting.disk is not None):
                waiting.wake.set()

    def _failed(self, task: TrackedTask, index: int, url: str, exc: DownloadError) -> str:
        message = f"result {index + 1}: {exc}"
        event = FileEvent(task.ref.key, index, url, None, FileState.FAILED, error=str(exc))
        self._emit(event)
        return message

    async def _fetch_with_retries(
        self,
        url: str,
        save_dir: Path,
        owned_elsewhere: frozenset[Path],
        root: Path | None,
        name_hint: str | None = None,
    ) -> DownloadedFile:
        """A cut or a server error is retried (resuming the `.part`) with a short backoff."""
        downloader = self._downloader
        assert downloader is not None

        async def fetch() -> DownloadedFile:
            return await downloader.fetch(
                url,
                save_dir,
                name_hint=name_hint,
                adopt_identical=True,
                owned_elsewhere=owned_elsewhere,
                root=root,
            )

        for attempt in range(TRANSIENT_RETRIES):
            try:
                return await fetch()
            except (NetworkError, LengthMismatch) as exc:
                log.info("download of a result failed (%s); retrying", exc)
            except HttpStatus as exc:
                if exc.status < 500:
                    raise
            await asyncio.sleep(RETRY_BASE_S * 2**attempt)
        return await fetch()

    async def _refresh(self, task: TrackedTask) -> bool:
        """Ask the provider again for the task: signed result URLs are often renewed."""
        outcome = await self._ask_again(task)
        if not isinstance(outcome, Observed) or outcome.snapshot.state is not State.SUCCEEDED:
            return False
        old = task.snapshot.outputs if task.snapshot else ()
        if tuple(o.url for o in outcome.snapshot.outputs) == tuple(o.url for o in old):
            return False
        task.refresh_outputs(outcome.snapshot)
        return True

    async def aclose(self) -> None:
        if self._downloader is not None:
            await self._downloader.aclose()
