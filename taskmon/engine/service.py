"""The engine with a memory: tracks every stored task and survives restarts.

`TrackingService` is what `taskmon run` (and later the window) runs: it holds
the one-poller lock for the data dir, resumes every stored task where it was
left, saves every change through the batched store writer, downloads results
into the media cache, and notices tasks that another process (`taskmon add`)
put into the store: at once when it says so over the hand-over socket
(handover.py), else at the next store poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Final

from taskmon.engine.core import Engine, EngineConfig, KeyLookup
from taskmon.engine.data_dir import cache_dir, db_path, ensure_data_dir
from taskmon.engine.events import EngineEvent, FileEvent, StoreEvent, TaskEvent
from taskmon.engine.filenames import safe_name
from taskmon.engine.handover import Command, HandoverServer, HolderRole
from taskmon.engine.instance_lock import InstanceLock
from taskmon.engine.poll_schedule import DurationPrior, prior_from_totals
from taskmon.engine.store import Store
from taskmon.engine.store_errors import StoreError
from taskmon.engine.store_records import Observation, StoredTask
from taskmon.engine.store_writer import StoreWriter
from taskmon.providers.base import ProviderError, TaskRef
from taskmon.snapshot import State

log = logging.getLogger(__name__)

STORE_POLL_S: Final = 1.0  # how often to look for tasks added by another process (fallback)
PRIOR_SAMPLES: Final = 50  # learned durations: the most recent finished tasks count


def task_cache_dir(directory: Path, ref: TaskRef) -> Path:
    """Where one task's results live: readable, collision-free, never outside the cache."""
    digest = hashlib.sha256(ref.key.encode()).hexdigest()[:10]
    return cache_dir(directory) / ref.provider / f"{safe_name(ref.task_id)[:80]}-{digest}"


class TrackingService:
    """Engine + store + lock + media cache, for one data dir."""

    def __init__(
        self,
        directory: Path | None,
        keys: KeyLookup,
        config: EngineConfig | None = None,
        *,
        role: HolderRole = HolderRole.RUN,
    ) -> None:
        self._requested_dir = directory
        self.role = role  # what the hand-over socket answers: a headless run or the window
        # Called (on the loop) when another window launch asks this one to show itself.
        self.on_show_requested: Callable[[], None] | None = None
        self._keys = keys
        self._config = config or EngineConfig()
        self.directory: Path | None = None
        self.engine: Engine | None = None
        self._store: Store | None = None
        self._writer: StoreWriter | None = None
        self._lock: InstanceLock | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._store_changed = asyncio.Event()  # set by a hand-over `sync`: look now
        self._handover: HandoverServer | None = None
        self._known: set[str] = set()
        self._subscribers: list[Callable[[EngineEvent], None]] = []
        self._totals: dict[tuple[str, str | None], list[float]] = {}
        self._priors: dict[tuple[str, str | None], DurationPrior | None] = {}

    def subscribe(self, callback: Callable[[EngineEvent], None]) -> None:
        """Hear every engine event, store problems included."""
        self._subscribers.append(callback)

    async def start(self) -> None:
        """Lock the data dir, open the store, resume every task; raises StoreError."""
        directory = await asyncio.to_thread(ensure_data_dir, self._requested_dir)
        lock = InstanceLock(directory)
        await asyncio.to_thread(lock.acquire_or_raise)
        self._lock, self.directory = lock, directory
        loop = asyncio.get_running_loop()
        self._store = await asyncio.to_thread(Store.open, db_path(directory))
        self._writer = await asyncio.to_thread(
            StoreWriter,
            db_path(directory),
            on_problem=lambda message: loop.call_soon_threadsafe(self._store_problem, message),
        )
        self._config.result_dir = lambda ref: task_cache_dir(directory, ref)
        self._totals = await asyncio.to_thread(self._store.recent_totals, PRIOR_SAMPLES)
        self._priors = {k: prior_from_totals(v) for k, v in self._totals.items()}
        self._config.duration_prior = lambda provider, model: self._priors.get((provider, model))
        self.engine = Engine(self._keys, self._config)
        self.engine.subscribe(self._persist)
        for callback in self._subscribers:
            self.engine.subscribe(callback)
        # Read the counter before the first sync: a task added in between is then
        # seen as a change, never missed.
        seen = await asyncio.to_thread(self._store.change_counter)
        await self._sync_with_store()
        self._watcher = asyncio.create_task(self._watch_store(seen))
        self._handover = HandoverServer(directory, self.role, self._on_handover)
        await self._handover.start()

    async def wait_until_done(self) -> None:
        """Until no stored task is queued or running and no download is pending."""
        assert self.engine is not None
        while True:
            # Tasks of a provider that cannot be polled (no key, key rejected)
            # will not move: they do not hold the run open.
            # A cheap scan four times a second beats re-checking on every event.
            while self.engine.unfinished_keys():  # noqa: ASYNC110
                await asyncio.sleep(0.25)
            if self._writer is not None:
                await self._writer.aflush()
            # A task added by another process meanwhile keeps us going.
            await self._sync_with_store()
            if not self.engine.unfinished_keys():
                return

    async def stop(self) -> None:
        """Stop polling, write everything out, release the lock."""
        if self._handover is not None:
            await self._handover.close()
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        if self.engine is not None:
            await self.engine.aclose()
        if self._writer is not None:
            await asyncio.to_thread(self._writer.close)
        if self._store is not None:
            await asyncio.to_thread(self._store.close)
        if self._lock is not None:
            self._lock.release()

    # -- the store ------------------------------------------------------------

    async def _watch_store(self, seen: int) -> None:
        assert self._store is not None
        while True:
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancel
            # that arrives as the event is set, and stop() would wait for ever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(STORE_POLL_S):
                    await self._store_changed.wait()
            self._store_changed.clear()
            try:
                counter = await asyncio.to_thread(self._store.change_counter)
                if counter != seen:
                    seen = counter
                    await self._sync_with_store()
            except StoreError as exc:
                self._store_problem(str(exc))

    async def _sync_with_store(self) -> None:
        """Track what was added to the store, drop what was removed from it."""
        assert self._store is not None and self.engine is not None
        stored = await asyncio.to_thread(self._store.tasks)
        keys = {t.key for t in stored}
        new = [t for t in stored if t.key not in self._known]
        for gone in self._known - keys:
            self.engine.untrack(gone)
        self._known = keys
        for task in new:
            self._resume(task)

    def _on_handover(self, command: Command) -> None:
        if command is Command.SYNC:
            self._store_changed.set()  # the watcher syncs now; several at once sync once
        elif command is Command.SHOW and self.on_show_requested is not None:
            self.on_show_requested()

    def _resume(self, stored: StoredTask) -> None:
        assert self.engine is not None
        try:
            self.engine.track(stored.ref, label=stored.label, stored=stored)
        except (ProviderError, KeyError, ValueError) as exc:
            log.warning("cannot track %s: %s", stored.key, exc)

    def _persist(self, event: EngineEvent) -> None:
        writer = self._writer
        if writer is None:
            return
        if isinstance(event, TaskEvent):
            view = event.view
            if view.key not in self._known:
                return  # removed from the store meanwhile
            writer.save_observation(view.key, Observation.from_view(view))
            if (event.first or event.state_changed) and view.history:
                writer.append_history(view.key, view.history[-1])
            if event.state_changed and view.state is State.SUCCEEDED:
                self._record_duration(writer, event)
        elif isinstance(event, FileEvent):
            writer.set_file(
                event.key,
                event.index,
                url=event.url,
                path=event.path,
                state=event.state,
                size=event.size,
                error=event.error,
            )

    def _record_duration(self, writer: StoreWriter, event: TaskEvent) -> None:
        view = event.view
        born = view.created_at or view.first_seen_at
        end = view.finished_at
        if end is None:
            return
        started = view.started_at or end
        # Learn at once in memory too; the store keeps it for the next start.
        bucket = self._totals.setdefault((view.ref.provider, view.model), [])
        bucket.insert(0, (end - born).total_seconds())
        del bucket[PRIOR_SAMPLES:]
        self._priors[(view.ref.provider, view.model)] = prior_from_totals(bucket)
        writer.record_duration(
            view.key,
            provider=view.ref.provider,
            model=view.model,
            kind=view.media_kind,
            queue_s=max(0.0, (started - born).total_seconds()),
            run_s=max(0.0, (end - started).total_seconds()),
            finished_at=end,
        )

    def _store_problem(self, message: str | None) -> None:
        if self.engine is not None:
            self.engine.emit(StoreEvent(message))
