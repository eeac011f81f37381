"""The engine with a memory: tracks every stored task and survives restarts.

`TrackingService` is what `taskmon run` (and later the window) runs: it holds
the one-poller lock for the data dir, resumes every stored task where it was
left, saves every change through the batched store writer, downloads results
into the media cache, and notices tasks that another process (`taskmon add`)
put into the store: at once when it says so over the hand-over socket
(handover.py), else at the next store poll.

It is also the window's one way in: the commands below (add, remove, retry,
cancel, keys, provider settings, history) are coroutines or quick calls on the
service's event loop, and never block it; the provider ones (keys, base URLs,
switches) are in provider_settings.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from taskmon.domain import (
    DURATION_SAMPLES,
    AddResult,
    HistoryEntry,
    NewTask,
    StoredTask,
    TaskRef,
    counted,
)
from taskmon.downloads import PurgeAction, PurgeReport, cache_purge
from taskmon.providers import PROVIDERS, BadReference, ProviderError
from taskmon.service.data_paths import cache_dir, db_path, ensure_data_dir, task_cache_dir
from taskmon.service.event_persistence import EventPersistence
from taskmon.service.handover import Command, HandoverServer, HolderRole
from taskmon.service.instance_lock import InstanceLock
from taskmon.service.provider_settings import ProviderSettings
from taskmon.store import Store, StoreError, StoreWriter
from taskmon.tracking import (
    NOT_TRACKED,
    Engine,
    EngineConfig,
    EngineEvent,
    KeyLookup,
    StoreEvent,
)

log = logging.getLogger(__name__)

STORE_POLL_S: Final = 1.0  # how often to look for tasks added by another process (fallback)
FLUSH_WAIT_S: Final = 2.0  # how long a read waits for queued writes (a full disk never ends)
# Stored tasks resumed per event-loop turn: 1,000 at once held the window's thread ~50 ms.
RESUMED_PER_TURN: Final = 200


@dataclass(frozen=True, slots=True)
class RemoveResult:
    """What `remove_tasks` did: keys removed, keys not tracked, and the purge's report."""

    removed: tuple[str, ...]
    not_tracked: tuple[str, ...]
    purge: PurgeReport | None  # None without purge

    @property
    def message(self) -> str:
        """One sentence for a status bar."""
        words = [f"Removed {counted(len(self.removed), 'task')}"]
        if self.not_tracked:
            words.append(f"{len(self.not_tracked)} not tracked")
        if self.purge is not None:
            words.append(f"deleted {counted(len(self.purge.deleted), 'file')}")
            for note in self.purge.notes:
                if note.action is PurgeAction.LEFT_OUTSIDE:
                    words.append(f"left {note.path} alone (outside the cache)")
                elif note.action is PurgeAction.FAILED:
                    words.append(f"cannot delete {note.path}: {note.reason}")
        return "; ".join(words)


class TrackingService(ProviderSettings):
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
        # Held while the set of tracked tasks changes (store sync, add, remove), so a
        # sync that read the store a moment ago cannot undo a command's change.
        self._task_set_lock = asyncio.Lock()
        self._stopped = False
        self._subscribers: list[Callable[[EngineEvent], None]] = []

    def subscribe(self, callback: Callable[[EngineEvent], None]) -> None:
        """Hear every engine event, store problems included (before or after start())."""
        self._subscribers.append(callback)
        if self.engine is not None:
            self.engine.subscribe(callback)

    async def start(self) -> None:
        """Lock the data dir, open the store, resume every task; raises StoreError."""
        directory = await asyncio.to_thread(ensure_data_dir, self._requested_dir)
        lock = InstanceLock(directory)
        await asyncio.to_thread(lock.acquire_or_raise)
        self._lock, self.directory = lock, directory
        loop = asyncio.get_running_loop()

        def report_store_problem(message: str | None) -> None:
            """Called on the writer's thread: the problem is shown from the loop's."""
            loop.call_soon_threadsafe(self._store_problem, message)

        self._store = await asyncio.to_thread(Store.open, db_path(directory))
        self._writer = await asyncio.to_thread(
            StoreWriter, db_path(directory), on_problem=report_store_problem
        )
        self._config.result_dir = lambda ref: task_cache_dir(directory, ref)
        self._config.result_root = directory
        totals = await asyncio.to_thread(self._store.recent_totals, DURATION_SAMPLES)
        persistence = EventPersistence(self._writer, lambda key: key in self._known, totals)
        self._config.duration_prior = persistence.prior
        self.engine = Engine(self._keys, self._config)
        self.engine.subscribe(persistence)
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
            while self.engine.has_unfinished():  # noqa: ASYNC110
                await asyncio.sleep(0.25)
            if self._writer is not None:
                await self._writer.aflush()
            # A task added by another process meanwhile keeps us going.
            await self._sync_with_store()
            if not self.engine.has_unfinished():
                return

    async def stop(self) -> None:
        """Stop polling, write everything out, release the lock (once; later calls do nothing)."""
        if self._stopped:
            return
        self._stopped = True
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

    # -- commands (the window) ------------------------------------------------------

    async def add_tasks(self, refs: Sequence[TaskRef], label: str | None = None) -> AddResult:
        """Store `refs` and track the new ones at once; already tracked keys are duplicates.

        Every reference is checked first (BadReference, and nothing is added),
        as `taskmon add` does.
        """
        engine, store = self._running()
        for ref in refs:
            provider = PROVIDERS.get(ref.provider)
            if provider is None:
                raise BadReference(f"unknown provider {ref.provider!r}")
            provider.validate_ref(ref)
        label = (label or "").strip() or None
        new = [NewTask(ref, label=label) for ref in refs]
        async with self._task_set_lock:
            result = await asyncio.to_thread(store.add_tasks, new)
            by_key = {ref.key: ref for ref in refs}
            for key in result.added:
                self._known.add(key)
                engine.track(by_key[key], label=label)
        return result

    async def remove_tasks(self, keys: Iterable[str], purge: bool = False) -> RemoveResult:
        """Stop tracking `keys` and delete them from the store; `purge` deletes their files too.

        The purge follows `taskmon remove --purge`'s rules (cache_purge.py); the
        tasks' downloads are stopped first, so nothing is written after it.
        """
        engine, store = self._running()
        wanted = list(dict.fromkeys(keys))
        async with self._task_set_lock:
            stopping = [job for key in wanted for job in engine.untrack(key)]
            self._known.difference_update(wanted)
            await asyncio.gather(*stopping, return_exceptions=True)
            await self._flush_writes()  # the file records of what was fetched so far
            stored = await asyncio.to_thread(store.tasks)
            chosen = set(wanted)
            removing = [t for t in stored if t.key in chosen]
            await asyncio.to_thread(store.remove, [t.key for t in removing])
        report = None
        if purge and self.directory is not None:
            remaining = [t for t in stored if t.key not in chosen]
            report = await asyncio.to_thread(
                cache_purge.purge, removing, remaining, cache_dir(self.directory)
            )
        found = {t.key for t in removing}
        removed = tuple(k for k in wanted if k in found)
        return RemoveResult(removed, tuple(k for k in wanted if k not in found), report)

    async def retry(self, key: str) -> str:
        """Retry a lost or given-up lookup, or a failed result download; says what happened."""
        engine, _ = self._running()
        return engine.retry(key)

    async def cancel(self, key: str) -> str:
        """Ask the provider to cancel the task; says what happened."""
        engine, _ = self._running()
        try:
            return await engine.cancel(key)
        except KeyError:
            return NOT_TRACKED

    async def history(self, key: str) -> list[HistoryEntry]:
        """The task's state changes as stored (they outlive restarts), oldest first."""
        _, store = self._running()
        await self._flush_writes()
        return await asyncio.to_thread(store.history, key)

    @property
    def polling_paused(self) -> bool:
        return self.engine is not None and self.engine.polling_paused

    def set_polling_paused(self, paused: bool) -> None:
        """Pause (no status call, no stream) or resume polling; subscribers hear a PauseEvent."""
        engine, _ = self._running()
        if paused:
            engine.pause_polling()
        else:
            engine.resume_polling()

    def _running(self) -> tuple[Engine, Store]:
        if self.engine is None or self._store is None or self._stopped:
            raise RuntimeError("the tracking service is not running")
        return self.engine, self._store

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
        async with self._task_set_lock:
            stored = await asyncio.to_thread(self._store.tasks)
            keys = {t.key for t in stored}
            new = [t for t in stored if t.key not in self._known]
            for gone in self._known - keys:
                self.engine.untrack(gone)
            self._known = keys
            for done, task in enumerate(new, 1):
                self._resume(task)
                if done % RESUMED_PER_TURN == 0:  # a full store: the window stays responsive
                    await asyncio.sleep(0)
            # What `taskmon retry` asked for (it marks the store, then says `sync`).
            for key in await asyncio.to_thread(self._store.take_retry_requests):
                message = self.engine.retry(key)
                log.info("retry of %s asked from the command line: %s", key, message)

    async def _flush_writes(self) -> None:
        """Let queued writes reach the store, waiting FLUSH_WAIT_S at most."""
        if self._writer is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(FLUSH_WAIT_S):
                    await self._writer.aflush()

    def _on_handover(self, command: Command) -> None:
        if command is Command.SYNC:
            self._store_changed.set()  # the watcher syncs now; several at once sync once
        elif command is Command.SHOW and self.on_show_requested is not None:
            self.on_show_requested()

    def _resume(self, stored: StoredTask) -> None:
        assert self.engine is not None
        try:
            self.engine.resume(stored)
        except (ProviderError, KeyError, ValueError) as exc:
            log.warning("cannot track %s: %s", stored.key, exc)

    def _store_problem(self, message: str | None) -> None:
        if self.engine is not None:
            self.engine.emit(StoreEvent(message))
