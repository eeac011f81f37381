"""Fetching a succeeded task's results before their URLs expire.

Each output is downloaded with the safe downloader (no API key ever goes to a
result host). A link that answers 403/404/410 has often just expired: the task
is queried once for fresh URLs before the result is called gone.

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
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Final

from taskmon.domain.records import FileState
from taskmon.domain.snapshot import State
from taskmon.domain.task import Change, TaskRef
from taskmon.downloads.downloader import (
    DownloadedFile,
    Downloader,
    DownloadError,
    HttpStatus,
    LengthMismatch,
    NetworkError,
)
from taskmon.downloads.safe_paths import real_folder
from taskmon.downloads.save_pattern import cache_name_hint
from taskmon.net.outcomes import Observed, Outcome
from taskmon.tracking.events import EngineEvent, FileEvent
from taskmon.tracking.side_jobs import SideJobs
from taskmon.tracking.task import TrackedTask

log = logging.getLogger(__name__)

TRANSIENT_RETRIES: Final = 3
RETRY_BASE_S: Final = 1.0


class ResultFetcher:
    """Downloads results for the engine; one shared Downloader, bounded concurrency."""

    def __init__(
        self,
        result_dir: Callable[[TaskRef], Path] | None,
        jobs: SideJobs,
        *,
        result_root: Path | None = None,
        emit: Callable[[EngineEvent], None],
        publish: Callable[[TrackedTask, Change], None],
        ask_again: Callable[[TrackedTask], Awaitable[Outcome]],
    ) -> None:
        self._result_dir = result_dir
        self._result_root = result_root  # no result folder below it may be a link
        self._jobs = jobs
        self._emit = emit
        self._publish = publish
        self._ask_again = ask_again  # one status call, for fresh result URLs
        self._downloader: Downloader | None = None

    @property
    def enabled(self) -> bool:
        """Whether this engine keeps results at all."""
        return self._result_dir is not None

    def fetch(self, task: TrackedTask) -> None:
        """Download a succeeded task's missing results, when this engine keeps results."""
        if task.state is not State.SUCCEEDED or self._result_dir is None:
            return
        outputs = task.snapshot.outputs if task.snapshot else ()
        if task.downloads_pending or len(task.file_paths) >= len(outputs):
            return
        task.downloads_started()
        # Owned by the task: the download stops when the task is untracked.
        self._jobs.spawn(self._fetch_all(task, self._result_dir), task.ref.key)

    async def _fetch_all(self, task: TrackedTask, result_dir: Callable[[TaskRef], Path]) -> None:
        save_dir = result_dir(task.ref)
        root = self._result_root
        if self._downloader is None:
            self._downloader = Downloader()
        problems: list[str] = []
        refreshed = False
        try:
            try:
                await asyncio.to_thread(real_folder, save_dir, root)  # never through a link
            except DownloadError as exc:
                problems.append(str(exc))
                return
            except OSError as exc:
                problems.append(f"cannot create {save_dir}: {exc.strerror or exc}")
                return
            index = 0
            while task.snapshot is not None and index < len(task.snapshot.outputs):
                output = task.snapshot.outputs[index]
                if index in task.file_paths:  # fetched before a restart
                    index += 1
                    continue
                self._emit(FileEvent(task.ref.key, index, output.url, None, FileState.PENDING))
                others = frozenset(Path(p) for i, p in task.file_paths.items() if i != index)
                try:
                    # Named `<provider>_<short id>_<n>`: what a drag or "Show in folder" hands over.
                    name = cache_name_hint(task.ref.provider, task.ref.task_id, index)
                    done = await self._fetch_with_retries(output.url, save_dir, others, root, name)
                except HttpStatus as exc:
                    if exc.expired and not refreshed and await self._refresh(task):
                        refreshed = True
                        continue  # same index, fresh URL
                    problems.append(self._failed(task, index, output.url, exc))
                except DownloadError as exc:
                    problems.append(self._failed(task, index, output.url, exc))
                else:
                    task.file_downloaded(index, str(done.path))
                    self._emit(
                        FileEvent(
                            task.ref.key,
                            index,
                            output.url,
                            str(done.path),
                            FileState.COMPLETE,
                            size=done.size,
                        )
                    )
                index += 1
        finally:
            task.downloads_finished(problems)
            self._publish(task, Change.NONE)

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
