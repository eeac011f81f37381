"""Store writer benchmark: what a write costs the engine's loop, beside writing directly.

The engine hands each observation to `StoreWriter`, which queues it and commits
batches from its own thread. The baseline is what the loop would pay without
it: one transaction per write on its own connection (durable=False, as the
writer's). Both run the engine's pattern (bursts every 10 ms for about a
second, a state change every 50 writes) while another thread keeps reading,
as the window does. Medians over repeats; the machine is shared, so compare
the ratio, not the absolute figures.

    python bench/store_writer.py             # 5 repeats of 20,000 writes over 1,000 tasks
    python bench/store_writer.py --repeats 9

Target (issue 5): the caller's cost per write a small fraction of a direct
write's, and about one transaction per 100 ms batch, not one per write.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from taskmon.domain.records import NewTask, Observation
from taskmon.domain.snapshot import State
from taskmon.domain.task import HistoryEntry, TaskRef, utcnow
from taskmon.store import ops
from taskmon.store.schema import connect
from taskmon.store.store import Store
from taskmon.store.writer import StoreWriter

BURSTS = 100
BURST_PERIOD_S = 0.01


def keys_of(tasks: int) -> list[str]:
    return [TaskRef("reapi", f"task-{i:06d}").key for i in range(tasks)]


def fresh_db(folder: Path, tasks: int) -> Path:
    db = folder / f"taskmon-{time.monotonic_ns()}.db"
    with Store.open(db) as store:
        store.add_tasks([NewTask(TaskRef("reapi", f"task-{i:06d}")) for i in range(tasks)])
    return db


class BusyReader:
    """Reads the running tasks in a loop, as a window refreshing its table does."""

    def __init__(self, db: Path) -> None:
        self.reads = 0
        self._db = db
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def __enter__(self) -> BusyReader:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with Store.open(self._db) as reader:
            while not self._stop.is_set():
                reader.tasks(state=State.RUNNING)
                self.reads += 1


WriteOne = Callable[[str, Observation, bool], None]


def paced_writes(keys: list[str], writes: int, write_one: WriteOne) -> float:
    """Run the bursts; return the seconds the caller spent inside write_one."""
    per_burst = writes // BURSTS
    started = time.perf_counter()
    busy_s = 0.0
    for burst in range(BURSTS):
        t = time.perf_counter()
        for i in range(per_burst):
            key = keys[(burst * per_burst + i) % len(keys)]
            write_one(key, Observation(State.RUNNING, progress=float(burst)), i % 50 == 0)
        busy_s += time.perf_counter() - t
        time.sleep(max(0.0, started + (burst + 1) * BURST_PERIOD_S - time.perf_counter()))
    return busy_s


def run_writer(folder: Path, tasks: int, writes: int) -> tuple[float, int]:
    db = fresh_db(folder, tasks)
    writer = StoreWriter(db)

    def write_one(key: str, obs: Observation, state_change: bool) -> None:
        writer.save_observation(key, obs)
        if state_change:
            writer.append_history(key, HistoryEntry(utcnow(), State.RUNNING, None))

    with BusyReader(db):
        busy_s = paced_writes(keys_of(tasks), writes, write_one)
        writer.flush(timeout_s=60)
    transactions = writer.stats().transactions
    writer.close()
    return busy_s, transactions


def run_direct(folder: Path, tasks: int, writes: int) -> tuple[float, int]:
    db = fresh_db(folder, tasks)
    conn = connect(db, durable=False)
    transactions = 0

    def write_one(key: str, obs: Observation, state_change: bool) -> None:
        nonlocal transactions
        with conn:  # one transaction per write: what the loop pays without the writer
            ops.update_observation(conn, key, obs)
            if state_change:
                ops.append_history(conn, key, HistoryEntry(utcnow(), State.RUNNING, None))
        transactions += 1

    with BusyReader(db):
        busy_s = paced_writes(keys_of(tasks), writes, write_one)
    conn.close()
    return busy_s, transactions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--writes", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    writer_us: list[float] = []
    direct_us: list[float] = []
    writer_tx: list[int] = []
    with tempfile.TemporaryDirectory(prefix="taskmon-bench-") as tmp:
        folder = Path(tmp)
        for _ in range(args.repeats):  # interleaved, so load drifts hit both alike
            busy_s, tx = run_writer(folder, args.tasks, args.writes)
            writer_us.append(busy_s / args.writes * 1e6)
            writer_tx.append(tx)
            busy_s, _ = run_direct(folder, args.tasks, args.writes)
            direct_us.append(busy_s / args.writes * 1e6)
    w, d = statistics.median(writer_us), statistics.median(direct_us)
    print(f"{args.writes:,} writes over {args.tasks:,} tasks in {BURSTS} bursts, a reader busy")
    print(f"{'':28}{'StoreWriter':>14}{'direct':>14}")
    print(f"{'caller µs per write (median)':28}{w:>14.2f}{d:>14.2f}")
    print(f"{'transactions (median)':28}{statistics.median(writer_tx):>14.0f}{args.writes:>14,}")
    print(f"ratio writer/direct: {w / d:.3f}")


if __name__ == "__main__":
    main()
