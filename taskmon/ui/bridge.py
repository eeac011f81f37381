"""The window's one door to the engine: engine events in, user commands out.

The engine runs on the same (qasync) loop as Qt, so its events arrive on the
main thread. They are coalesced per task and handed to the model in batches
a few times a second: a thousand tasks polling never means a thousand
repaints. Commands are coroutines; callers run them with `asyncio` and show
their outcome. Nothing here issues HTTP or touches the disk itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Final

from PySide6.QtCore import QObject, QTimer, Signal

from taskmon.domain import AddResult, TaskRef, TaskView
from taskmon.keys import BackendStatus, KeySource, KeyStore
from taskmon.service import KeyCheck, TrackingService
from taskmon.tracking import EngineEvent, ProviderEvent, StoreEvent, TaskEvent, TaskRemoved

log = logging.getLogger(__name__)

FLUSH_MS: Final = 150  # how long events are gathered before the table hears of them
# Tasks per flush; the rest follow a moment later, after the window drew. New rows: the
# table sorts each one in, and 1,000 at once (a start with a full store, a big paste)
# held the window for ~100 ms. Changed ones: 200 (the first polls of a restored store)
# held it 40-60 ms with the repaint of those on screen.
NEW_ROWS_PER_FLUSH: Final = 200
CHANGES_PER_FLUSH: Final = 100
# Into an empty table, a few rows first, then chunks twice the rows already there (up to
# NEW_ROWS_PER_FLUSH): the table draws only rows landing on screen, so the screen fills
# over a few loop turns instead of one full paint (30-45 ms at start-up, bench/ui.py),
# and the later chunks land below it, where nothing is drawn.
FIRST_ROWS: Final = 8
MORE_ROWS_MS: Final = 10


class EngineBridge(QObject):
    """Turns engine events into Qt signals and user actions into engine calls."""

    tasksChanged = Signal(list)  # list[TaskView]: new or changed tasks
    tasksRemoved = Signal(list)  # list[str]: keys no longer tracked
    providerStatus = Signal(str, object, str)  # provider, problem or None, kind
    storeStatus = Signal(object)  # problem or None
    showRequested = Signal()  # a second launch asked this window to come forward

    def __init__(
        self, service: TrackingService, keys: KeyStore, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.keys = keys
        # None: a tracked task whose view is made when it is handed over (a restored
        # one): 1,000 views made at once held the main thread ~40 ms, twice at start.
        self._pending: dict[str, TaskView | None] = {}
        self._removed: dict[str, None] = {}  # keys the table shows that the engine dropped
        self._known: set[str] = set()
        self.provider_problems: dict[str, tuple[str, str]] = {}
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(FLUSH_MS)
        self._flush.timeout.connect(self.flush)
        self._more = QTimer(self)  # the next chunk, after the window has drawn
        self._more.setSingleShot(True)
        self._more.setInterval(MORE_ROWS_MS)
        self._more.timeout.connect(self.flush)
        # Counted from the loop turn after a flush, not from the flush: the repaint it
        # causes runs in the same turn, and a chunk due before it ended ran straight after
        # it, the two one stretch of the window's thread (a first paint of rows: ~60 ms).
        self._drawn = QTimer(self)
        self._drawn.setSingleShot(True)
        self._drawn.setInterval(0)
        self._drawn.timeout.connect(self._more.start)
        service.subscribe(self._on_event)
        service.on_show_requested = self.showRequested.emit

    # -- events ------------------------------------------------------------------

    def _on_event(self, event: EngineEvent) -> None:
        if isinstance(event, TaskEvent):
            self._pending[event.view.key] = event.view
            if not self._flush.isActive():
                self._flush.start()
        elif isinstance(event, TaskRemoved):
            # Announced by the engine (removed here or by another process): the
            # table never has to look for what went away.
            self._pending.pop(event.key, None)
            if event.key in self._known:
                self._removed[event.key] = None
                if not self._flush.isActive():
                    self._flush.start()
        elif isinstance(event, ProviderEvent):
            if event.problem is None:
                self.provider_problems.pop(event.provider, None)
            else:
                self.provider_problems[event.provider] = (event.problem, event.kind)
            self.providerStatus.emit(event.provider, event.problem, event.kind)
        elif isinstance(event, StoreEvent):
            self.storeStatus.emit(event.problem)

    def flush(self) -> None:
        """Hand the gathered task changes to the table now."""
        self._flush.stop()
        self._more.stop()
        self._drawn.stop()
        if self._removed:
            gone, self._removed = list(self._removed), {}
            self._known.difference_update(gone)
            self.tasksRemoved.emit(gone)
        engine = self.service.engine
        if not self._pending:
            return
        views: list[TaskView] = []
        later: dict[str, TaskView | None] = {}
        new_rows = changes = 0
        new_cap = min(NEW_ROWS_PER_FLUSH, max(FIRST_ROWS, 2 * len(self._known)))  # see FIRST_ROWS
        for key, pending in self._pending.items():
            if engine is not None and not engine.is_tracked(key):
                continue
            if key in self._known:
                changes += 1
                if changes > CHANGES_PER_FLUSH:
                    later[key] = pending
                    continue
            else:
                new_rows += 1
                if new_rows > new_cap:
                    later[key] = pending
                    continue
            view = pending if pending is not None or engine is None else engine.task(key)
            if view is not None:
                views.append(view)
        self._pending = later
        self._known.update(v.key for v in views)
        if views:
            self.tasksChanged.emit(views)
        if later:
            self._drawn.start()

    # -- life cycle --------------------------------------------------------------

    async def start(self) -> None:
        """Start the service (raises StoreError); `replay()` hands its tasks to a table.

        The window listens only once it is built: views of the stored tasks made here
        went to nobody (1,000 of them cost the window's build ~40 ms).
        """
        await self.service.start()

    async def stop(self) -> None:
        await self.service.stop()

    def replay(self) -> int:
        """Hand every tracked task to the table, as new rows in chunks, soon (again, when
        called again: a new table starts from nothing); how many rows are on their way.

        The window calls it once it listens, after its first paint: applied in its
        constructor, 1,000 restored rows held the main thread for ~100 ms more
        before the first paint (bench/ui.py, start-up stall).
        """
        engine = self.service.engine
        if engine is None:
            return 0
        self._known.clear()
        for key in engine.tracked_keys():
            self._pending.setdefault(key, None)  # a view gathered meanwhile is as new
        if self._pending:
            self._more.start()  # the first chunk in a later loop turn
        return len(self._pending)

    def rows_pending(self) -> bool:
        """Whether tasks the table has not shown yet wait for a later chunk."""
        known = self._known
        return any(key not in known for key in self._pending)

    def tasks(self) -> list[TaskView]:
        engine = self.service.engine
        return [] if engine is None else engine.tasks()

    # -- commands ------------------------------------------------------------------

    async def add(self, refs: Sequence[TaskRef], label: str | None = None) -> AddResult:
        result = await self.service.add_tasks(refs, label)
        engine = self.service.engine
        if engine is not None:  # a new row shows now, not at its task's first answer
            for key in result.added:
                if (view := engine.task(key)) is not None:
                    self._pending.setdefault(key, view)
        self.flush()
        return result

    async def remove(self, keys: Sequence[str], purge: bool = False) -> Any:
        outcome = await self.service.remove_tasks(keys, purge=purge)
        self.flush()  # the rows go now, not at the next gathering of events
        return outcome

    async def retry(self, key: str) -> str:
        return await self.service.retry(key)

    async def cancel(self, key: str) -> str:
        return await self.service.cancel(key)

    async def key_source(self, provider: str) -> KeySource:
        return await self.keys.source(provider)

    async def keyring_status(self) -> BackendStatus:
        return await self.keys.backend()

    async def set_key(self, provider: str, value: str) -> None:
        await self.service.set_key(provider, value)

    async def delete_key(self, provider: str) -> bool:
        return await self.service.delete_key(provider)

    async def test_key(self, provider: str, value: str | None) -> KeyCheck:
        return await self.service.test_key(provider, value)

    def run(self, coro: Any) -> asyncio.Task[Any]:
        """Start a command without waiting; its failure is logged, never lost."""
        job = asyncio.ensure_future(coro)
        job.add_done_callback(_log_failure)
        return job


def _log_failure(job: asyncio.Future[Any]) -> None:
    if not job.cancelled() and job.exception() is not None:
        log.error("command failed", exc_info=job.exception())
