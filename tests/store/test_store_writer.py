"""The engine's batched writer: non-blocking, coalescing, flushable, drained on close."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from store_helpers import new_tasks, observation_of, ref

from taskmon.domain.records import NewTask, Observation
from taskmon.domain.snapshot import State
from taskmon.domain.task import HistoryEntry, utcnow
from taskmon.store import ops as store_ops
from taskmon.store.store import Store
from taskmon.store.writer import StoreWriter, StoreWriterClosed

WRITES = 20_000
TASKS = 1_000


def test_twenty_thousand_writes_become_few_transactions(store: Store, db: Path) -> None:
    """The caller's cost per write is a figure for bench/store_writer.py, not a test."""
    store.add_tasks(new_tasks(range(TASKS)))
    writer = StoreWriter(db)
    keys = [ref(i).key for i in range(TASKS)]
    observations = [Observation(State.RUNNING, progress=float(p)) for p in range(WRITES // TASKS)]
    for n in range(WRITES):
        writer.save_observation(keys[n % TASKS], observations[n // TASKS])
    assert writer.flush(timeout_s=20)
    stats = writer.stats()
    writer.close()
    assert stats.enqueued == WRITES
    assert stats.written + stats.coalesced == WRITES
    assert stats.transactions <= 20
    assert {t.progress for t in store.tasks()} == {float(WRITES // TASKS - 1)}


def test_writes_never_wait_for_the_disk_while_another_process_holds_the_database(
    store: Store, db: Path
) -> None:
    """An exclusive lock held elsewhere stalls the writer thread, never the caller."""
    store.add_tasks(new_tasks(range(TASKS)))
    writer = StoreWriter(db, busy_timeout_s=60.0)
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    returned = threading.Event()

    def write_everything() -> None:
        for n in range(WRITES):
            key = ref(n % TASKS).key
            writer.save_observation(key, Observation(State.RUNNING, progress=float(n // TASKS)))
            if n % 50 == 0:
                writer.append_history(key, HistoryEntry(utcnow(), State.RUNNING, None))
        returned.set()

    caller = threading.Thread(target=write_everything)
    caller.start()
    try:
        # The lock is held all along: only a caller that never touches the disk returns.
        assert returned.wait(timeout=60), "a write waited for the locked database"
        assert writer.stats().transactions == 0
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        caller.join()
    assert writer.flush(timeout_s=60)
    stats = writer.stats()
    writer.close()
    assert stats.transactions < stats.enqueued / 100  # batched, not one per write
    assert {t.progress for t in store.tasks()} == {float(WRITES // TASKS - 1)}


def test_only_the_latest_observation_of_a_task_in_a_batch_is_written(
    store: Store, db: Path
) -> None:
    store.add_tasks(new_tasks(range(2)))
    writer = StoreWriter(db, batch_interval_s=10.0)
    for p in range(50):
        writer.save_observation(ref(0).key, Observation(State.RUNNING, progress=float(p)))
    writer.save_observation(ref(1).key, Observation(State.QUEUED))
    assert writer.flush()
    stats = writer.stats()
    writer.close()
    assert (stats.written, stats.coalesced, stats.transactions) == (2, 49, 1)
    assert store.task(ref(0).key).progress == 49.0  # type: ignore[union-attr]


def test_a_flush_commits_at_once_without_waiting_for_the_batch_interval(db: Path) -> None:
    writer = StoreWriter(db, batch_interval_s=30.0)
    writer.add_tasks(new_tasks(range(3)))
    started = time.perf_counter()
    assert writer.flush(timeout_s=5)
    assert time.perf_counter() - started < 1.0
    writer.close()


async def test_aflush_waits_without_blocking_the_loop(db: Path) -> None:
    writer = StoreWriter(db, batch_interval_s=0.2)
    writer.add_tasks(new_tasks(range(3)))
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    ticker = asyncio.create_task(tick())
    assert await writer.aflush()
    ticker.cancel()
    assert await writer.aflush()  # nothing new: returns at once
    writer.close()
    assert ticks > 0
    with Store.open(db) as store:
        assert len(store.tasks()) == 3


def test_without_a_flush_writes_land_within_the_batch_interval(store: Store, db: Path) -> None:
    writer = StoreWriter(db, batch_interval_s=0.05)
    writer.add_tasks([NewTask(ref(1))])
    deadline = time.monotonic() + 2.0
    while store.task(ref(1).key) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert store.task(ref(1).key) is not None
    writer.close()


def test_close_drains_every_queued_write(db: Path) -> None:
    writer = StoreWriter(db, batch_interval_s=60.0)
    writer.add_tasks(new_tasks(range(500)))
    assert writer.close()
    with Store.open(db) as store:
        assert len(store.tasks()) == 500


def test_writes_after_close_are_refused(db: Path) -> None:
    writer = StoreWriter(db)
    writer.close()
    with pytest.raises(StoreWriterClosed):
        writer.add_tasks([NewTask(ref(1))])


def test_a_write_that_can_never_succeed_is_dropped_alone_and_counted(
    store: Store, db: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store.add_tasks(new_tasks(range(3)))
    real = store_ops.update_observation

    def broken_for_task_1(conn: object, key: str, obs: Observation) -> None:
        if key == ref(1).key:
            raise TypeError("a bug")
        real(conn, key, obs)  # type: ignore[arg-type]

    monkeypatch.setattr(store_ops, "update_observation", broken_for_task_1)
    writer = StoreWriter(db)
    for i in range(3):
        writer.save_observation(ref(i).key, Observation(State.SUCCEEDED))
    assert writer.flush(timeout_s=5)
    assert writer.stats().dropped == 1
    writer.close()
    assert [t.state for t in store.tasks()] == [State.SUCCEEDED, State.QUEUED, State.SUCCEEDED]
    assert "dropped a store write" in caplog.text


def test_a_published_view_is_saved_exactly_as_its_observation(store: Store, db: Path) -> None:
    # The engine saves its immutable TaskView itself; nothing may differ from
    # saving the Observation made of it.
    from taskmon.domain.snapshot import Cost, Output, Snapshot, TaskError
    from taskmon.providers import PROVIDERS
    from taskmon.tracking.task import TrackedTask

    store.add_tasks(new_tasks(range(2)))
    now = utcnow()
    task = TrackedTask(ref(0), PROVIDERS["reapi"], 0.0, now, label="cat")
    snapshot = Snapshot(
        state=State.FAILED,
        raw_status="failed",
        progress=0.5,
        outputs=(Output("https://cdn.example/a.png"),),
        error=TaskError("no credit", "billing"),
        cost=Cost(credits=3.0),
        created_at=now,
        model="m-1",
        provider_task_id="p-9",
        raw={"status": "failed", "nested": [1, "ü"]},
    )
    task.apply(snapshot, 1.0, now)
    task.note_problem("a transient problem")
    view = task.view(2.0, now)
    writer = StoreWriter(db)
    writer.save_observation(ref(0).key, view)
    writer.save_observation(ref(1).key, observation_of(view))
    writer.close()
    saved = {t.key: t for t in store.tasks()}
    direct, copied = saved[ref(0).key], saved[ref(1).key]
    assert direct.state is State.FAILED and direct.raw == snapshot.raw
    for name in (
        "observed",
        "state",
        "raw_status",
        "progress",
        "outputs",
        "error",
        "problem",
        "cost",
        "model",
        "media_kind",
        "created_at",
        "started_at",
        "finished_at",
        "next_poll_at",
        "provider_task_id",
        "raw",
    ):
        assert getattr(direct, name) == getattr(copied, name), name
