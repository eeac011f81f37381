"""Saving results where the user wants them: `taskmon save` and `taskmon run --save-to`.

A result is always fetched into the media cache first (by the engine, or here
when `save` finds it missing, through the engine's downloader and download
client: service/results/cache_filling.py) and then copied out by a save pattern
(downloads/result_copy.py), optionally with its metadata sidecar. The cache
stays the one place taskmon itself keeps results.

`save_stored_results` fetches into the cache only while it holds the data
dir's lock: a running `taskmon run` (or the window) owns that cache and its
downloads, and two processes never write the same `.part`. A link that is dead
(or known to have expired) makes it ask the provider once for the task's links
(service/results/fresh_links.py); only when that gives none that works is it "link dead".
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from taskmon.domain import (
    Cost,
    FileState,
    MediaKind,
    Output,
    State,
    StoredTask,
    TaskRef,
    TaskView,
)
from taskmon.downloads import (
    DownloadError,
    ResultFields,
    ResultOrigin,
    SavedCopy,
    SavePattern,
    save_copy,
)
from taskmon.downloads.errors import HttpStatus
from taskmon.net import ApiClients
from taskmon.providers import PROVIDERS
from taskmon.service.results.cache_filling import CacheFiller
from taskmon.service.results.fresh_links import FreshLinks, KeySource, link_known_dead
from taskmon.tracking import EngineEvent, FileEvent

log = logging.getLogger(__name__)


class SavableTask(Protocol):
    """What a stored task and the engine's view both tell about a task's results."""

    @property
    def ref(self) -> TaskRef: ...
    @property
    def label(self) -> str | None: ...
    @property
    def model(self) -> str | None: ...
    @property
    def media_kind(self) -> MediaKind | None: ...
    @property
    def outputs(self) -> tuple[Output, ...]: ...
    @property
    def created_at(self) -> datetime | None: ...
    @property
    def finished_at(self) -> datetime | None: ...
    @property
    def cost(self) -> Cost: ...
    @property
    def raw(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class SaveTarget:
    """Where copies go: the chosen folder (its real path), the pattern, and sidecars or not."""

    folder: Path
    pattern: SavePattern
    metadata: bool = False


@dataclass
class ResultCopier:
    """Copies cached results to a SaveTarget; remembers the names it chose (blocking)."""

    target: SaveTarget
    _claimed: set[Path] = field(default_factory=set)

    def copy(self, task: SavableTask, index: int, cached: Path) -> SavedCopy:
        """Copy output `index` of `task`, cached at `cached`; raises DownloadError or OSError."""
        fields, origin = describe_result(task, index, cached.suffix)
        relative = self.target.pattern.render(fields)
        sidecar = origin.sidecar_bytes if self.target.metadata else None
        saved = save_copy(
            cached, self.target.folder, relative, sidecar=sidecar, claimed=self._claimed
        )
        self._claimed.add(saved.path)
        return saved


def describe_result(
    task: SavableTask, index: int, suffix: str
) -> tuple[ResultFields, ResultOrigin]:
    """What a pattern may name about output `index` (a file ending in `suffix`), and its origin."""
    request = echoed_request(task)
    untrusted_prompt = None if request is None else request.get("prompt")
    prompt = untrusted_prompt if isinstance(untrusted_prompt, str) else None
    output = task.outputs[index] if index < len(task.outputs) else None
    kind: MediaKind | None = None if output is None else output.kind
    if kind in (None, MediaKind.OTHER):
        kind = task.media_kind or kind
    fields = ResultFields(
        provider=task.ref.provider,
        task_id=task.ref.task_id,
        model=task.model,
        kind=None if kind is None else kind.value,
        label=task.label,
        prompt=prompt,
        index=index + 1,
        n=len(task.outputs),
        ext=suffix.lstrip(".").lower(),
        finished_at=task.finished_at,
    )
    origin = ResultOrigin(
        provider=task.ref.provider,
        task_id=task.ref.task_id,
        model=task.model,
        kind=fields.kind,
        label=task.label,
        prompt=prompt,
        request=request,
        created_at=task.created_at,
        finished_at=task.finished_at,
        cost=task.cost,
        source_url="" if output is None else output.url,
    )
    return fields, origin


def echoed_request(task: SavableTask) -> dict[str, Any] | None:
    """What the provider echoed about the task's request (its module reads the payload)."""
    provider = PROVIDERS.get(task.ref.provider)
    return None if provider is None else provider.request_echo(task.raw)


def cached_file(path: str | None) -> Path | None:
    """The recorded cache file if it is still there as a plain file, else None."""
    if not path:
        return None
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return Path(path) if stat.S_ISREG(info.st_mode) else None


# -- taskmon save -------------------------------------------------------------------


@dataclass
class SaveReport:
    """What `save_stored_results` did: copies written and one sentence per result not saved."""

    saved: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


async def save_stored_results(
    directory: Path,
    tasks: Sequence[StoredTask],
    target: SaveTarget,
    *,
    on_saved: Callable[[Path], None],
    on_problem: Callable[[str], None],
    keys: KeySource | None = None,
    clients: ApiClients | None = None,
) -> SaveReport:
    """Copy every result of `tasks` to `target`, fetching what the cache lacks first.

    `keys`: the API keys, to ask a provider for fresh links when one is dead.
    `clients`: the HTTP clients (a test's transport); by default taskmon's own,
    closed here. Results come through its download client, as the engine's do.
    """
    report = SaveReport()
    copier = ResultCopier(target)

    def problem(task: StoredTask, text: str) -> None:
        message = f"{task.ref.provider} {task.ref.task_id}: {text}"
        report.problems.append(message)
        on_problem(message)

    owned = clients is None
    http = ApiClients() if clients is None else clients
    fetcher = CacheFiller(directory, http.download_client)
    fresh = FreshLinks(keys, http)
    try:
        for task in tasks:
            if task.state is not State.SUCCEEDED:
                problem(task, not_saved_reason(task))
                continue
            recorded = {f.index: f for f in task.files if f.state is FileState.COMPLETE}
            for index, output in enumerate(task.outputs):
                which = f"result {index + 1}" if len(task.outputs) > 1 else "the result"
                record = recorded.get(index)
                cached = cached_file(None if record is None else record.path)
                if cached is None:
                    try:
                        cached = await _fetch(fetcher, fresh, task, index, output.url)
                    except DownloadError as exc:
                        problem(task, f"{which} could not be fetched: {exc}")
                        continue
                try:
                    saved = await asyncio.to_thread(copier.copy, task, index, cached)
                except (DownloadError, OSError) as exc:
                    problem(task, f"{which} could not be copied: {failure_reason(exc)}")
                    continue
                report.saved.append(saved.path)
                on_saved(saved.path)
    finally:
        try:
            await fresh.aclose()
            await fetcher.aclose()
        finally:
            if owned:
                await http.aclose()
    return report


async def _fetch(
    fetcher: CacheFiller, fresh: FreshLinks, task: StoredTask, index: int, url: str
) -> Path:
    """Output `index` into the cache: from a fresh link when the stored one is (known) dead."""
    if link_known_dead(url, task, datetime.now(UTC)):
        answer = await fresh.ask(task)
        if index < len(answer.outputs):
            url = answer.outputs[index].url
    try:
        return await fetcher.fetch(task, index, url)
    except HttpStatus as exc:
        if not exc.expired:
            raise
        answer = await fresh.ask(task)  # asked once per task: the same answer again
        if index >= len(answer.outputs) or answer.outputs[index].url == url:
            why = answer.why_not or "no fresh link for it"
            raise DownloadError(f"link dead: {exc}; {why}") from exc
    return await fetcher.fetch(task, index, answer.outputs[index].url)


def not_saved_reason(task: StoredTask | TaskView) -> str:
    """Why a task that has not succeeded has no results to save, in words."""
    if task.state.is_terminal:
        why = f": {task.error.message}" if task.error is not None else ""
        return f"not saved: the task {task.state.value}{why}"
    return f"not saved: the task has not finished ({task.state.value})"


def failure_reason(exc: BaseException) -> str:
    """An OSError's words and file name, else the error's own sentence."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror} ({exc.filename})" if exc.filename else exc.strerror
    return str(exc)


# -- taskmon run --save-to ------------------------------------------------------------


class AutoSaver:
    """An engine subscriber: each result that lands in the cache is copied to a SaveTarget.

    Copies run off the event loop, one at a time in arrival order; `drain()`
    waits for them. `failed` holds the keys of tasks with a copy that failed.
    """

    def __init__(
        self,
        target: SaveTarget,
        view_of: Callable[[str], TaskView | None],
        *,
        on_saved: Callable[[Path], None],
        on_problem: Callable[[str], None],
    ) -> None:
        self._copier = ResultCopier(target)
        self._view_of = view_of
        self._on_saved = on_saved
        self._on_problem = on_problem
        self._queue: asyncio.Queue[tuple[TaskView, int, Path]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self.failed: set[str] = set()

    def __call__(self, event: EngineEvent) -> None:
        if not isinstance(event, FileEvent) or event.state is not FileState.COMPLETE:
            return
        view = self._view_of(event.key)
        if view is None or event.path is None:
            return
        self._queue.put_nowait((view, event.index, Path(event.path)))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._work())

    async def drain(self) -> None:
        """Until every copy asked for so far is written (or has failed)."""
        await self._queue.join()

    async def aclose(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)

    async def _work(self) -> None:
        # Ends when the queue is empty (the next event starts another): no task is
        # left waiting for ever when the loop closes.
        while not self._queue.empty():
            view, index, cached = self._queue.get_nowait()
            try:
                saved = await asyncio.to_thread(self._copier.copy, view, index, cached)
            except (DownloadError, OSError) as exc:
                self.failed.add(view.key)
                which = f"result {index + 1}" if len(view.outputs) > 1 else "the result"
                self._on_problem(
                    f"{view.ref.provider} {view.ref.task_id}: {which} could not be copied: "
                    f"{failure_reason(exc)}"
                )
            else:
                self._on_saved(saved.path)
            finally:
                self._queue.task_done()
