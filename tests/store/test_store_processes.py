"""Two processes on one store, and kill -9 in the middle of writing."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from store_helpers import ChildFactory, new_tasks, ref

from taskmon.domain.records import NewTask, Observation
from taskmon.domain.snapshot import State
from taskmon.domain.task import HistoryEntry, TaskRef, utcnow
from taskmon.store.store import Store
from taskmon.store.writer import StoreWriter

CLI_ADDS = """
    import sys
    from pathlib import Path
    from taskmon.store.store import Store
    from taskmon.domain.records import NewTask
    from taskmon.domain.task import TaskRef
    with Store.open(Path(sys.argv[1])) as store:
        for n in range(60):
            result = store.add_tasks([NewTask(TaskRef("vidgo", f"cli-{n}-{i}")) for i in range(5)])
            assert len(result.added) == 5, result
            assert len(store.tasks()) >= 5 * (n + 1)
    print("done", flush=True)
"""

WRITE_FOREVER = """
    import sys
    from pathlib import Path
    from taskmon.domain.records import NewTask, Observation
    from taskmon.store.writer import StoreWriter
    from taskmon.domain.task import HistoryEntry, utcnow
    from taskmon.domain.task import TaskRef
    from taskmon.domain.snapshot import State
    writer = StoreWriter(Path(sys.argv[1]), batch_interval_s=0.005)
    n = 0
    keys = []
    while True:
        for _ in range(25):
            ref = TaskRef("xenodia", f"k-{n}")
            n += 1
            writer.add_tasks([NewTask(ref)])
            writer.save_observation(ref.key, Observation(State.RUNNING, progress=float(n)))
            writer.append_history(ref.key, HistoryEntry(utcnow(), State.RUNNING, "run"))
            keys.append(ref.key)
        if n % 100 == 0:
            writer.flush()
            print(" ".join(keys), flush=True)  # acknowledged: everything up to here is committed
            keys = []
"""


def test_a_second_process_adds_while_the_writer_thread_commits(
    child: ChildFactory, store: Store, db: Path
) -> None:
    store.add_tasks(new_tasks(range(200)))
    counter_before = store.change_counter()
    writer = StoreWriter(db, batch_interval_s=0.02)
    cli = child(CLI_ADDS, str(db))
    progress = 0.0
    while cli.poll() is None:
        progress += 1
        for i in range(200):
            writer.save_observation(ref(i).key, Observation(State.RUNNING, progress=progress))
        time.sleep(0.005)
    assert cli.stdout is not None and cli.stderr is not None
    assert (cli.returncode, cli.stdout.read().strip()) == (0, "done"), cli.stderr.read()
    assert writer.close()
    assert writer.stats().transactions > 1
    tasks = store.tasks()
    assert len(tasks) == 200 + 300
    assert {t.progress for t in tasks if t.ref.provider == "reapi"} == {progress}
    assert store.change_counter() > counter_before  # how a running engine notices the adds


@pytest.mark.parametrize("seed", range(3))
def test_kill_9_mid_write_keeps_every_acknowledged_row_and_adds_no_duplicate(
    child: ChildFactory, db: Path, seed: int
) -> None:
    Store.open(db).close()
    proc = child(WRITE_FOREVER, str(db))
    assert proc.stdout is not None
    acknowledged: list[str] = []
    while len(acknowledged) < 1000:
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else "child died"
        acknowledged.extend(line.split())
    time.sleep(random.Random(seed).uniform(0.0, 0.02))  # mid-batch, mid-commit or idle
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=10) == -signal.SIGKILL

    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Store.open(db) as store:
        stored = {t.key: t for t in store.tasks()}
        missing = [k for k in acknowledged if k not in stored]
        assert missing == []
        for key in acknowledged:
            assert stored[key].state is State.RUNNING and stored[key].progress is not None
            assert [h.state for h in store.history(key)] == [State.RUNNING]
        # The restart re-adds what it had: every one is a duplicate.
        again = store.add_tasks([NewTask(TaskRef("xenodia", k.rsplit("/", 1)[1])) for k in stored])
        assert again.added == () and len(again.duplicates) == len(stored)
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT count(*) - count(DISTINCT task_id) FROM tasks").fetchone() == (
            0,
        )


def test_a_reader_in_another_thread_never_sees_a_half_written_batch(db: Path) -> None:
    with Store.open(db) as store:
        store.add_tasks(new_tasks(range(100)))
    # Batches wait for the flush (a long interval): with 2 ms, a loaded machine let the
    # writer commit half a step's writes before the test had enqueued the rest, and the
    # test saw its own split, not a torn transaction.
    writer = StoreWriter(db, batch_interval_s=10.0)
    stop = threading.Event()
    torn: list[set[float | None]] = []

    def read() -> None:
        with Store.open(db) as reader:
            while not stop.is_set():
                seen = {t.progress for t in reader.tasks()}
                if len(seen) > 1:
                    torn.append(seen)

    thread = threading.Thread(target=read)
    thread.start()
    for step in range(200):
        for i in range(100):  # one step = one flush = one transaction
            writer.save_observation(ref(i).key, Observation(State.RUNNING, progress=float(step)))
        writer.append_history(ref(0).key, HistoryEntry(utcnow(), State.RUNNING, None))
        writer.flush()
    stop.set()
    thread.join()
    writer.close()
    assert torn == []
