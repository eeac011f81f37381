"""The engine's write path to the store: batched, on its own thread.

Every method the engine calls only appends to an in-memory queue (about a
microsecond), so the asyncio loop never waits for the disk. A background
thread commits what has queued up in one transaction every `batch_interval_s`
(sooner when `batch_max_items` are waiting or someone flushes). Within a
batch only the latest observation of a task (and of each of its files) is
written, since each one overwrites the last; history entries are all kept.

When a commit fails because the disk is full, the file is read-only or
another process holds the lock too long, nothing is dropped: the batch stays
in memory, later writes join it, the thread retries with backoff, and
`problem` says what is wrong in one sentence until a commit succeeds again.

A commit that returned survives kill -9 (WAL, see store_schema.connect); a
crash mid-batch loses only that uncommitted batch, which the engine re-polls.

Wiring on the engine's side (tests/store/test_store_no_keys.py does all of it):

    writer = StoreWriter(db_path(directory), on_problem=lambda message:
                         loop.call_soon_threadsafe(show_store_problem, message))

    def persist(event: TaskEvent) -> None:       # an engine subscriber
        view = event.view
        writer.save_observation(view.key, view)
        if (event.first or event.state_changed) and view.history:
            writer.append_history(view.key, view.history[-1])

    await writer.aflush()   # when a caller must know it is on disk
    writer.close()          # at shutdown, after the engine has stopped
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from taskmon.domain.records import FileState, NewTask, Observation
from taskmon.domain.snapshot import MediaKind
from taskmon.domain.task import HistoryEntry, TaskView
from taskmon.store import batch as store_batch
from taskmon.store import ops as ops
from taskmon.store.batch import Write
from taskmon.store.errors import explain_sqlite_error
from taskmon.store.schema import BUSY_TIMEOUT_S, connect

log = logging.getLogger(__name__)

ProblemCallback = Callable[[str | None], None]
_Waiter = tuple[int, asyncio.AbstractEventLoop, "asyncio.Future[bool]"]


@dataclass(frozen=True, slots=True)
class WriterStats:
    """Counters since the writer started."""

    enqueued: int  # writes asked for
    written: int  # writes executed in a committed transaction
    coalesced: int  # writes skipped because a later one replaced them
    transactions: int  # committed batches
    failed_attempts: int  # batches that could not be committed and were kept for a retry
    dropped: int  # writes that could never be executed (a bug; each is logged)


class StoreWriterClosed(RuntimeError):
    """A write was queued after close()."""


class StoreWriter:
    """Batched, non-blocking writes for the engine; see the module docstring."""

    def __init__(
        self,
        path: Path,
        *,
        on_problem: ProblemCallback | None = None,
        batch_interval_s: float = 0.1,
        batch_max_items: int = 2000,
        retry_initial_s: float = 0.25,
        retry_max_s: float = 5.0,
        busy_timeout_s: float = BUSY_TIMEOUT_S,
    ) -> None:
        """Open `path` (raises StoreUnavailable) and start the writer thread.

        `on_problem(message)` is called from the writer thread when a problem
        appears or changes, and `on_problem(None)` once when it clears; an
        asyncio user hands it to its loop with `call_soon_threadsafe`.
        """
        self.path = path
        self.problem: str | None = None
        self._on_problem = on_problem
        self._interval_s = batch_interval_s
        self._max_items = batch_max_items
        self._retry_initial_s = retry_initial_s
        self._retry_max_s = retry_max_s
        self._conn = connect(path, durable=False, busy_timeout_s=busy_timeout_s)
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # the writer thread waits here
        self._done = threading.Condition(self._lock)  # flush() waits here
        self._pending: list[Write] = []
        self._enqueued = 0  # sequence number of the last queued write
        self._committed = 0  # every write up to this sequence number is committed
        self._flush_now = False
        self._closing = False
        self._abandon = False
        self._stopped = False
        self._waiters: list[_Waiter] = []
        self._written = self._coalesced = self._transactions = 0
        self._failed_attempts = self._dropped = 0
        self._thread = threading.Thread(target=self._run, name="taskmon-store-writer", daemon=True)
        self._thread.start()

    # -- what the engine calls (never blocks on the disk) ---------------------

    def add_tasks(self, tasks: Sequence[NewTask]) -> None:
        """Start tracking `tasks`; already tracked keys are skipped."""
        self._put((None, ops.insert_tasks, (tuple(tasks),)))

    def save_observation(self, key: str, obs: Observation | TaskView) -> None:
        """Overwrite the task's latest observation (ignored once the task is removed).

        A published TaskView is saved as it is (it is immutable and has every
        field of an Observation): copying it into one cost the loop a few µs a poll.
        """
        self._put((("obs", key), ops.update_observation, (key, obs)))

    def append_history(self, key: str, entry: HistoryEntry) -> None:
        """Record a state change (a repeat of the last recorded state is dropped)."""
        self._put((None, ops.append_history, (key, entry)))

    def set_file(
        self,
        key: str,
        index: int,
        *,
        url: str,
        path: str | None,
        state: FileState,
        size: int | None = None,
        error: str | None = None,
    ) -> None:
        """Create or overwrite the record of output `index` of task `key`."""
        state = FileState(state)  # a bad value fails here, in the caller, not in a batch
        self._put(
            (("file", key, index), ops.upsert_file, (key, index, url, path, state, size, error))
        )

    def record_duration(
        self,
        key: str,
        *,
        provider: str,
        model: str | None,
        kind: MediaKind | None,
        queue_s: float | None,
        run_s: float | None,
        finished_at: datetime,
    ) -> None:
        """Teach the store how long a finished task took (once per task)."""
        args = (key, provider, model, kind, queue_s, run_s, finished_at)
        self._put((None, ops.insert_duration, args))

    # -- waiting and closing ----------------------------------------------------

    def stats(self) -> WriterStats:
        with self._lock:
            return WriterStats(
                self._enqueued,
                self._written,
                self._coalesced,
                self._transactions,
                self._failed_attempts,
                self._dropped,
            )

    def flush(self, timeout_s: float | None = None) -> bool:
        """Block until every write queued before this call is committed; False on timeout."""
        with self._lock:
            target = self._enqueued
            self._flush_now = True
            self._work.notify()
            self._done.wait_for(lambda: self._committed >= target or self._stopped, timeout_s)
            return self._committed >= target

    async def aflush(self) -> bool:
        """Like flush(), without blocking the loop; False if the writer stopped first."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        with self._lock:
            target = self._enqueued
            if self._committed >= target:
                return True
            if self._stopped:
                return False
            self._waiters.append((target, loop, future))
            self._flush_now = True
            self._work.notify()
        return await future

    def close(self, timeout_s: float = 10.0) -> bool:
        """Write everything queued, then stop; True when nothing had to be abandoned.

        If the store still cannot be written after `timeout_s` (full disk),
        the remaining writes are abandoned and logged, and False is returned.
        The thread is a daemon: writes still queued when the interpreter exits
        without close() are lost as in a crash (the engine re-polls them).
        """
        with self._lock:
            self._closing = True
            self._work.notify()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            with self._lock:
                self._abandon = True
                self._work.notify()
            self._thread.join()
        with self._lock:
            return self._committed >= self._enqueued

    # -- the writer thread --------------------------------------------------------

    def _put(self, op: Write) -> None:
        with self._lock:
            if self._closing:
                raise StoreWriterClosed("the store writer is closed")
            self._pending.append(op)
            self._enqueued += 1
            # Wake the thread only when it has something new to decide about.
            if len(self._pending) == 1 or len(self._pending) >= self._max_items:
                self._work.notify()

    def _take(self, batch: list[Write], retry_delay_s: float) -> tuple[list[Write], int]:
        """Wait for a batch to be due, then move the queue into it."""
        with self._lock:
            if batch:  # a failed batch: wait out the backoff (new writes join it)
                self._work.wait_for(lambda: self._abandon, retry_delay_s)
            else:
                self._work.wait_for(lambda: self._pending or self._closing)
                deadline = time.monotonic() + self._interval_s
                while not (
                    self._flush_now or self._closing or len(self._pending) >= self._max_items
                ):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or not self._work.wait(remaining):
                        break
            self._flush_now = False
            batch = batch + self._pending
            self._pending = []
            return batch, self._enqueued

    def _run(self) -> None:
        batch: list[Write] = []
        delay_s = self._retry_initial_s
        try:
            while True:
                batch, upto = self._take(batch, delay_s)
                if self._abandon:
                    log.error(
                        "store writer stopped with %d unsaved writes: %s", len(batch), self.problem
                    )
                    break
                if not batch:
                    if self._closing:
                        break
                    continue
                before = len(batch)
                batch = store_batch.coalesce(batch)
                try:
                    written = store_batch.commit(self._conn, batch)
                except Exception as exc:  # kept for a retry whatever it is: nothing is dropped
                    with self._lock:
                        self._coalesced += before - len(batch)
                        self._failed_attempts += 1
                    self._report(
                        f"cannot save to the task store {self.path}: {explain_sqlite_error(exc)};"
                        " tasks are still tracked in memory and everything will be saved once"
                        " it can write again"
                    )
                    delay_s = min(delay_s * 2, self._retry_max_s)
                    continue
                self._committed_upto(upto, before - len(batch), written, len(batch) - written)
                batch = []
                delay_s = self._retry_initial_s
                self._report(None)
        finally:
            self._conn.close()
            self._stop_waiters()

    def _committed_upto(self, upto: int, coalesced: int, written: int, dropped: int) -> None:
        with self._lock:
            self._committed = upto
            self._written += written
            self._coalesced += coalesced
            self._dropped += dropped
            self._transactions += 1
            self._done.notify_all()
            ready = [w for w in self._waiters if w[0] <= upto]
            self._waiters = [w for w in self._waiters if w[0] > upto]
        for _, loop, future in ready:
            _resolve_soon(loop, future, True)

    def _stop_waiters(self) -> None:
        with self._lock:
            self._stopped = True
            self._done.notify_all()
            waiters, self._waiters = self._waiters, []
        for _, loop, future in waiters:
            _resolve_soon(loop, future, False)

    def _report(self, problem: str | None) -> None:
        if problem == self.problem:
            return
        if problem is not None:
            # Whoever takes the report shows it (run's stderr, the window's banner):
            # logged as a warning too, it reached the terminal a second time.
            log.log(logging.INFO if self._on_problem else logging.WARNING, "%s", problem)
        self.problem = problem
        if self._on_problem is not None:
            try:
                self._on_problem(problem)
            except Exception:  # a broken callback must not stop the writes
                log.exception("store writer problem callback failed")


def _resolve_soon(
    loop: asyncio.AbstractEventLoop, future: asyncio.Future[bool], value: bool
) -> None:
    def resolve() -> None:
        if not future.done():
            future.set_result(value)

    with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
        loop.call_soon_threadsafe(resolve)
