"""Saving the results of tasks a running service tracks: the window's Save… and auto-save.

While the service runs it holds the data dir's lock and its engine owns the
media cache, so a result that is not in the cache yet is fetched by the engine
itself, never by a second downloader writing the same `.part`: a failed
download is tried again (`Engine.retry`, as the Retry button does) and the save
waits for the task's downloads to end, the way `taskmon save` fetches first
while the links work. Each result is then copied out by the same ResultCopier
`taskmon save` and `run --save-to` use, off the event loop.

Auto-save is `run --save-to`'s AutoSaver, attached to the running engine and
switched on, off or to another folder while the window runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Final
from urllib.parse import urlsplit

from taskmon.domain import State, TaskView
from taskmon.downloads import DownloadError, SavePattern
from taskmon.service.results.result_saving import (
    AutoSaver,
    ResultCopier,
    SaveReport,
    SaveTarget,
    describe_result,
    failure_reason,
    not_saved_reason,
)
from taskmon.service.tracking_service import TrackingService
from taskmon.tracking import Engine

# How long a save waits for results still downloading before it says so and ends.
MAX_WAIT_S: Final = 600.0


def _ignore(_value: object) -> None:
    return None


def _which(view: TaskView, index: int) -> str:
    return f"result {index + 1}" if len(view.outputs) > 1 else "the result"


def _engine(service: TrackingService) -> Engine:
    if service.engine is None:
        raise RuntimeError("the tracking service is not running")
    return service.engine


def _cached_files(engine: Engine, key: str) -> dict[int, Path]:
    """Output index -> its file in the media cache, for the files still there (blocking)."""
    tracked = engine.tracked(key)
    recorded = {} if tracked is None else dict(tracked.file_paths)
    found: dict[int, Path] = {}
    for index, path in recorded.items():
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            found[index] = Path(path)
    return found


async def save_tracked_results(
    service: TrackingService,
    keys: Sequence[str],
    target: SaveTarget,
    *,
    on_saved: Callable[[Path], None] = _ignore,
    on_problem: Callable[[str], None] = _ignore,
    on_waiting: Callable[[int], None] = _ignore,
    wait_s: float = MAX_WAIT_S,
) -> SaveReport:
    """Copy every result of the tracked tasks `keys` to `target`; say each one not saved.

    Results not in the cache yet are fetched by the engine first (`on_waiting`
    hears how many tasks that holds up); after `wait_s` the ones still on
    their way are reported, never dropped silently.
    """
    engine = _engine(service)
    report = SaveReport()
    copier = ResultCopier(target)

    def problem(view: TaskView, text: str) -> None:
        message = f"{view.ref.provider} {view.ref.task_id}: {text}"
        report.problems.append(message)
        on_problem(message)

    async def copy_all(
        view: TaskView, files: dict[int, Path], handled: set[int], last_chance: bool
    ) -> None:
        """Copy the outputs in `files` not handled yet; `handled` gains each one tried."""
        for index in range(len(view.outputs)):
            if index in handled:
                continue
            cached = files.get(index)
            if cached is None:
                if last_chance:
                    problem(view, f"{_which(view, index)} {_missing_reason(view)}")
                continue
            handled.add(index)
            try:
                saved = await asyncio.to_thread(copier.copy, view, index, cached)
            except (DownloadError, OSError) as exc:
                problem(view, f"{_which(view, index)} could not be copied: {failure_reason(exc)}")
                continue
            report.saved.append(saved.path)
            on_saved(saved.path)

    later: dict[str, set[int]] = {}
    for key in dict.fromkeys(keys):
        view = engine.task(key)
        if view is None:
            message = f"{key}: not saved: no longer tracked"
            report.problems.append(message)
            on_problem(message)
            continue
        if view.state is not State.SUCCEEDED:
            problem(view, not_saved_reason(view))
            continue
        if not view.outputs:
            problem(view, "not saved: the provider gave no result")
            continue
        files = await asyncio.to_thread(_cached_files, engine, key)
        handled: set[int] = set()
        if len(files) < len(view.outputs):
            if not view.downloads_pending:
                engine.retry(key)  # fetch what is missing while the links work
            later[key] = handled
        # What is here is saved now; the rest once the engine has fetched it.
        await copy_all(view, files, handled, last_chance=False)
    if later:
        on_waiting(len(later))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait_s):
                await engine.wait_idle(list(later))
        for key, handled in later.items():
            view = engine.task(key)
            if view is None:
                message = f"{key}: not saved: no longer tracked"
                report.problems.append(message)
                on_problem(message)
                continue
            files = await asyncio.to_thread(_cached_files, engine, key)
            await copy_all(view, files, handled, last_chance=True)
    return report


def _missing_reason(view: TaskView) -> str:
    """What follows "the result" when it is still not in the cache after the wait."""
    if view.downloads_pending:
        return "is still downloading; save it again once it has landed"
    if view.problem:
        return f"could not be fetched: {view.problem.removeprefix('results not saved: ')}"
    return "could not be fetched into the media cache"


def suggested_name(view: TaskView, index: int, pattern: SavePattern) -> PurePosixPath:
    """The path `pattern` gives output `index` (suffix: the cached file's, else the link's)."""
    suffix = ""
    if len(view.files) == len(view.outputs):  # files are in output order when all are in
        suffix = Path(view.files[index]).suffix
    if not suffix and index < len(view.outputs):
        suffix = PurePosixPath(urlsplit(view.outputs[index].url).path).suffix
    fields, _ = describe_result(view, index, suffix if len(suffix) <= 8 else "")
    return pattern.render(fields)


class AutoSaveSwitch:
    """Auto-save for a running service: an AutoSaver that can be switched on, off or moved.

    The copies are `run --save-to`'s (AutoSaver); switching to another
    target lets the copies already asked for finish where they were going.
    """

    def __init__(
        self,
        service: TrackingService,
        *,
        on_saved: Callable[[Path], None] = _ignore,
        on_problem: Callable[[str], None] = _ignore,
    ) -> None:
        self._service = service
        self._on_saved = on_saved
        self._on_problem = on_problem
        self._saver: AutoSaver | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.target: SaveTarget | None = None

    def set_target(self, target: SaveTarget | None) -> None:
        """Save every result that lands from now on to `target` (None: stop auto-saving)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._saver = None
        self.target = target
        if target is None:
            return
        engine = _engine(self._service)
        saver = AutoSaver(target, engine.task, on_saved=self._on_saved, on_problem=self._on_problem)
        self._saver = saver
        self._unsubscribe = engine.subscribe(saver)

    async def drain(self) -> None:
        """Until every copy asked for so far is written (or has failed)."""
        if self._saver is not None:
            await self._saver.drain()
