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
from pathlib import Path
from typing import TYPE_CHECKING, Final

from taskmon.domain.records import FileState
from taskmon.domain.snapshot import State
from taskmon.domain.task import Change
from taskmon.downloads.downloader import (
    DownloadedFile,
    Downloader,
    DownloadError,
    HttpStatus,
    LengthMismatch,
    NetworkError,
)
from taskmon.net.outcomes import Observed
from taskmon.tracking.events import FileEvent

if TYPE_CHECKING:
    from taskmon.tracking.engine import Engine
    from taskmon.tracking.task import TrackedTask

log = logging.getLogger(__name__)

TRANSIENT_RETRIES: Final = 3
RETRY_BASE_S: Final = 1.0


class ResultFetcher:
    """Downloads results for the engine; one shared Downloader, bounded concurrency."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._downloader: Downloader | None = None

    def start(self, task: TrackedTask) -> None:
        """Fetch the outputs `task` does not have yet (all of them, the first time)."""
        outputs = task.snapshot.outputs if task.snapshot else ()
        if task.downloads_pending or len(task.file_paths) >= len(outputs):
            return
        task.downloads_pending = True
        self._engine.spawn(self._fetch_all(task))

    async def _fetch_all(self, task: TrackedTask) -> None:
        engine = self._engine
        result_dir = engine.config.result_dir
        assert result_dir is not None
        save_dir = result_dir(task.ref)
        if self._downloader is None:
            # The engine's HTTP stack, so downloads share its transport (no key on it).
            self._downloader = Downloader(await engine.clients.download_client())
        problems: list[str] = []
        refreshed = False
        try:
            try:
                await asyncio.to_thread(save_dir.mkdir, parents=True, exist_ok=True)
            except OSError as exc:
                problems.append(f"cannot create {save_dir}: {exc.strerror or exc}")
                return
            index = 0
            while task.snapshot is not None and index < len(task.snapshot.outputs):
                output = task.snapshot.outputs[index]
                if index in task.file_paths:  # fetched before a restart
                    index += 1
                    continue
                engine.emit(FileEvent(task.ref.key, index, output.url, None, FileState.PENDING))
                others = frozenset(Path(p) for i, p in task.file_paths.items() if i != index)
                try:
                    done = await self._fetch_with_retries(output.url, save_dir, others)
                except HttpStatus as exc:
                    if exc.expired and not refreshed and await self._refresh(task):
                        refreshed = True
                        continue  # same index, fresh URL
                    problems.append(self._failed(task, index, output.url, exc))
                except DownloadError as exc:
                    problems.append(self._failed(task, index, output.url, exc))
                else:
                    task.file_paths[index] = str(done.path)
                    engine.emit(
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
            task.downloads_pending = False
            task.problem = "; ".join(problems) or None
            task.download_failed = bool(problems)
            engine.publish(task, Change(False, False, False))

    def _failed(self, task: TrackedTask, index: int, url: str, exc: DownloadError) -> str:
        message = f"result {index + 1}: {exc}"
        event = FileEvent(task.ref.key, index, url, None, FileState.FAILED, error=str(exc))
        self._engine.emit(event)
        return message

    async def _fetch_with_retries(
        self, url: str, save_dir: Path, owned_elsewhere: frozenset[Path]
    ) -> DownloadedFile:
        """A cut or a server error is retried (resuming the `.part`) with a short backoff."""
        downloader = self._downloader
        assert downloader is not None

        async def fetch() -> DownloadedFile:
            return await downloader.fetch(
                url, save_dir, adopt_identical=True, owned_elsewhere=owned_elsewhere
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
        engine = self._engine
        runtime = engine.runtime_for(task)
        outcome = await engine.call(runtime, task.provider.status_request(task.ref))
        if not isinstance(outcome, Observed) or outcome.snapshot.state is not State.SUCCEEDED:
            return False
        old = task.snapshot.outputs if task.snapshot else ()
        if tuple(o.url for o in outcome.snapshot.outputs) == tuple(o.url for o in old):
            return False
        task.snapshot = outcome.snapshot
        return True

    async def aclose(self) -> None:
        if self._downloader is not None:
            await self._downloader.aclose()
