"""A full disk: one clear message, tracking goes on in memory, nothing lost afterwards."""

from __future__ import annotations

import errno
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from store_helpers import new_tasks, ref

from taskmon.domain.records import Observation
from taskmon.domain.snapshot import State
from taskmon.domain.task import HistoryEntry, utcnow
from taskmon.store import ops as store_ops
from taskmon.store.store import Store
from taskmon.store.writer import StoreWriter

TASKS = 50
BIG_RAW = {"frames": "x" * 8000}  # every observation needs new pages


class Disk:
    """Caps the writer's database at its current size while `full` is set (a real SQLITE_FULL)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.full = threading.Event()
        for name in ("update_observation", "append_history", "upsert_file"):
            monkeypatch.setattr(store_ops, name, self._capped(getattr(store_ops, name)))

    def _capped(self, write: Callable[..., None]) -> Callable[..., None]:
        def capped(conn: sqlite3.Connection, *args: object) -> None:
            # Runs on the writer thread, inside its transaction: the cap is per connection,
            # and SQLite never sets it below the current size.
            limit = 1 if self.full.is_set() else 1_000_000_000
            conn.execute(f"PRAGMA max_page_count = {limit}")
            write(conn, *args)

        return capped


def _wait_for(predicate: object, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.01)
    assert predicate()  # type: ignore[operator]


def test_a_full_disk_is_reported_once_cleared_once_and_nothing_is_lost(
    store: Store, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.add_tasks(new_tasks(range(TASKS)))
    disk = Disk(monkeypatch)
    reports: list[str | None] = []
    writer = StoreWriter(
        db,
        on_problem=reports.append,
        batch_interval_s=0.01,
        retry_initial_s=0.01,
        retry_max_s=0.05,
    )
    disk.full.set()
    for round_ in range(5):  # the engine keeps polling while the disk is full
        for i in range(TASKS):
            key = ref(i).key
            writer.save_observation(key, Observation(State.RUNNING, progress=round_, raw=BIG_RAW))
            writer.append_history(
                key, HistoryEntry(utcnow(), State.RUNNING if round_ % 2 else State.QUEUED, None)
            )
        time.sleep(0.05)
    _wait_for(lambda: writer.stats().failed_attempts >= 3)
    assert not writer.flush(timeout_s=0.2)
    assert writer.problem is not None and "the disk is full" in writer.problem
    stats = writer.stats()
    assert stats.enqueued > stats.written + stats.coalesced + stats.dropped  # still queued
    assert all(t.progress is None for t in store.tasks())  # nothing half-written either

    disk.full.clear()  # space comes back
    assert writer.flush(timeout_s=5)
    assert writer.problem is None
    assert writer.close()
    assert reports == [reports[0], None]
    assert reports[0] is not None and str(db) in reports[0]
    assert "tracked in memory" in reports[0]
    for task in store.tasks():
        assert (task.state, task.progress, task.raw) == (State.RUNNING, 4.0, BIG_RAW)
        states = [h.state for h in store.history(task.key)]
        assert states == [State.QUEUED, State.RUNNING, State.QUEUED, State.RUNNING, State.QUEUED]
    assert writer.stats().dropped == 0


def test_enqueueing_stays_instant_while_the_disk_is_full(
    store: Store, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.add_tasks(new_tasks(range(TASKS)))
    disk = Disk(monkeypatch)
    disk.full.set()
    writer = StoreWriter(db, batch_interval_s=0.01, retry_initial_s=0.01, retry_max_s=0.02)
    returned = threading.Event()

    def enqueue() -> None:
        for n in range(10_000):
            writer.save_observation(ref(n % TASKS).key, Observation(State.RUNNING, raw=BIG_RAW))
        returned.set()

    caller = threading.Thread(target=enqueue)
    caller.start()
    # The disk stays full all along: only a caller that never waits for it returns.
    assert returned.wait(timeout=60), "a write waited for the full disk"
    caller.join()
    _wait_for(lambda: writer.problem is not None)
    disk.full.clear()
    assert writer.close()


def test_an_os_level_no_space_error_is_held_and_retried(
    store: Store, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.add_tasks(new_tasks(range(3)))
    failing = threading.Event()
    failing.set()
    real = store_ops.append_history

    def no_space(conn: sqlite3.Connection, key: str, entry: HistoryEntry) -> None:
        if failing.is_set():
            raise OSError(errno.ENOSPC, "No space left on device")
        real(conn, key, entry)

    monkeypatch.setattr(store_ops, "append_history", no_space)
    reports: list[str | None] = []
    writer = StoreWriter(db, on_problem=reports.append, retry_initial_s=0.01, retry_max_s=0.02)
    for i in range(3):
        writer.save_observation(ref(i).key, Observation(State.SUCCEEDED))
        writer.append_history(ref(i).key, HistoryEntry(utcnow(), State.SUCCEEDED, "done"))
    _wait_for(lambda: bool(reports))
    failing.clear()
    assert writer.close()
    assert len(reports) == 2 and reports[1] is None and "the disk is full" in str(reports[0])
    assert all(len(store.history(ref(i).key)) == 1 for i in range(3))
    assert {t.state for t in store.tasks()} == {State.SUCCEEDED}


def test_a_locked_database_is_reported_and_written_once_the_lock_is_gone(
    store: Store, db: Path
) -> None:
    store.add_tasks(new_tasks(range(3)))
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holding the write lock too long
    reports: list[str | None] = []
    writer = StoreWriter(db, on_problem=reports.append, retry_initial_s=0.01, busy_timeout_s=0.05)
    writer.save_observation(ref(0).key, Observation(State.RUNNING))
    _wait_for(lambda: bool(reports))
    assert "locked by another process" in str(reports[0])
    blocker.execute("ROLLBACK")
    blocker.close()
    assert writer.close()
    assert store.task(ref(0).key).state is State.RUNNING  # type: ignore[union-attr]


def test_close_gives_up_after_its_timeout_when_the_disk_stays_full(
    store: Store, db: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store.add_tasks(new_tasks(range(3)))
    disk = Disk(monkeypatch)
    disk.full.set()
    writer = StoreWriter(db, retry_initial_s=0.01, retry_max_s=0.02)
    writer.save_observation(ref(0).key, Observation(State.RUNNING, raw=BIG_RAW))
    assert writer.close(timeout_s=0.3) is False
    assert "unsaved writes" in caplog.text


def test_a_problem_its_owner_shows_is_not_also_logged_as_a_warning(
    store: Store, db: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """`taskmon run` printed "cannot save to the task store…" twice: once from the
    StoreEvent it shows, once more (without its prefix) through logging's last resort."""
    store.add_tasks(new_tasks(range(1)))
    disk = Disk(monkeypatch)
    reports: list[str | None] = []
    writer = StoreWriter(db, on_problem=reports.append, batch_interval_s=0.01)
    disk.full.set()
    with caplog.at_level("WARNING", logger="taskmon"):
        writer.save_observation(ref(0).key, Observation(State.RUNNING, raw=BIG_RAW))
        _wait_for(lambda: reports != [])
        disk.full.clear()
        assert writer.flush(timeout_s=5)
        writer.close()
    assert reports[0] is not None and "cannot save to the task store" in reports[0]
    assert [r.getMessage() for r in caplog.records if "task store" in r.getMessage()] == []


def test_without_an_owner_the_problem_is_logged(
    store: Store, db: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store.add_tasks(new_tasks(range(1)))
    disk = Disk(monkeypatch)
    writer = StoreWriter(db, batch_interval_s=0.01)
    disk.full.set()
    with caplog.at_level("WARNING", logger="taskmon"):
        writer.save_observation(ref(0).key, Observation(State.RUNNING, raw=BIG_RAW))
        _wait_for(lambda: writer.problem is not None)
        disk.full.clear()
        assert writer.flush(timeout_s=5)
        writer.close()
    assert any("cannot save to the task store" in r.getMessage() for r in caplog.records)
