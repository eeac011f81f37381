"""The tracked-task store: a SQLite file in the data directory.

`Store` is the synchronous API for the CLI and for reads anywhere: every call
commits at once and is safe from any thread. The engine writes through
`StoreWriter` (store_writer.py) instead, which batches on its own thread so
the asyncio loop never waits for the disk. Several processes may open the
same file: WAL lets readers and one writer work at the same time, and a busy
timeout makes a second writer wait its turn rather than fail.

Typical use:

    directory = ensure_data_dir()          # data_dir.py; StoreUnavailable if unusable
    with Store.open(db_path(directory)) as store:
        store.add_tasks([NewTask(TaskRef("reapi", "abc"))])
"""

from __future__ import annotations

import sqlite3
import statistics
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from taskmon.domain.records import (
    DURATION_SAMPLES,
    AddResult,
    DurationSummary,
    NewTask,
    Quantiles,
    StoredFile,
    StoredTask,
)
from taskmon.domain.snapshot import MediaKind, State
from taskmon.domain.task import HistoryEntry
from taskmon.store import codec as codec
from taskmon.store import ops as ops
from taskmon.store.errors import StoreUnavailable, explain_sqlite_error
from taskmon.store.schema import BUSY_TIMEOUT_S, connect


class Store:
    """Synchronous, immediately committed access to the store (thread-safe)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        """Use `Store.open`; this takes an already migrated connection."""
        conn.row_factory = sqlite3.Row
        self._conn = conn
        self._lock = threading.Lock()  # one connection, used by one thread at a time
        self.path = path

    @classmethod
    def open(cls, path: Path, *, busy_timeout_s: float = BUSY_TIMEOUT_S) -> Store:
        """Open (creating and migrating) the database file; raises StoreUnavailable.

        A write waits up to `busy_timeout_s` for another process's write to end.
        """
        return cls(connect(path, durable=True, busy_timeout_s=busy_timeout_s), path)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- writes -----------------------------------------------------------------

    def add_tasks(self, tasks: Sequence[NewTask]) -> AddResult:
        """Start tracking `tasks`; keys already tracked are skipped and reported as duplicates."""
        with self._write() as conn:
            return ops.insert_tasks(conn, tasks)

    def remove(self, keys: Iterable[str]) -> int:
        """Stop tracking `keys` (their history and file records go too; files on disk stay)."""
        with self._write() as conn:
            return ops.delete_tasks(conn, keys)

    def request_retry(self, keys: Iterable[str]) -> None:
        """Ask the tracker (running now, or the next one) to look at `keys` again."""
        with self._write() as conn:
            ops.request_retry(conn, keys)

    def take_retry_requests(self) -> list[str]:
        """The keys `request_retry` was asked about since the last take (then forgotten)."""
        with self._read() as conn:  # nearly always none: no write lock for that
            if conn.execute("SELECT 1 FROM retry_requests LIMIT 1").fetchone() is None:
                return []
        with self._write() as conn:
            return ops.take_retry_requests(conn)

    # -- reads ------------------------------------------------------------------

    def tasks(self, state: State | None = None, provider: str | None = None) -> list[StoredTask]:
        """Tracked tasks in the order they were added, optionally filtered."""
        where, params = [], []
        if state is not None:
            where.append("state = ?")
            params.append(State(state).value)
        if provider is not None:
            where.append("provider = ?")
            params.append(provider)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {codec.TASK_COLUMNS} FROM tasks{clause} ORDER BY added_at, rowid", params
            ).fetchall()
            files = self._files_of(conn, clause, params)
        return [codec.task_from_row(row, files.get(row["key"], ())) for row in rows]

    def task(self, key: str) -> StoredTask | None:
        """One task, or None when it is not tracked."""
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {codec.TASK_COLUMNS} FROM tasks WHERE key = ?", (key,)
            ).fetchone()
            if row is None:
                return None
            files = self._files_of(conn, " WHERE key = ?", [key])
        return codec.task_from_row(row, files.get(key, ()))

    def files(self, key: str) -> list[StoredFile]:
        """The task's output files, by output index."""
        with self._read() as conn:
            return list(self._files_of(conn, " WHERE key = ?", [key]).get(key, ()))

    def history(self, key: str) -> list[HistoryEntry]:
        """The task's state changes, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT at, state, raw_status FROM history WHERE task_key = ? ORDER BY id", (key,)
            ).fetchall()
        return [
            HistoryEntry(datetime.fromtimestamp(r["at"], UTC), State(r["state"]), r["raw_status"])
            for r in rows
        ]

    def learned_durations(
        self,
        provider: str,
        model: str | None,
        kind: MediaKind | None,
        last_n: int = DURATION_SAMPLES,
    ) -> DurationSummary | None:
        """Quantiles of queue and run time over the last `last_n` finished tasks; None if none.

        `model` and `kind` match exactly: None selects the samples recorded without one.
        """
        with self._read() as conn:
            rows = conn.execute(
                "SELECT queue_s, run_s FROM durations WHERE provider = ? AND model IS ?"
                " AND media_kind IS ? ORDER BY finished_at DESC LIMIT ?",
                (provider, model, None if kind is None else MediaKind(kind).value, last_n),
            ).fetchall()
        if not rows:
            return None
        return DurationSummary(
            samples=len(rows),
            queue_s=_quantiles([r["queue_s"] for r in rows if r["queue_s"] is not None]),
            run_s=_quantiles([r["run_s"] for r in rows if r["run_s"] is not None]),
        )

    def recent_totals(
        self, last_n: int = DURATION_SAMPLES
    ) -> dict[tuple[str, str | None], list[float]]:
        """Recent total durations (queue + run, seconds) per provider and model, newest first."""
        totals: dict[tuple[str, str | None], list[float]] = {}
        with self._read() as conn:
            rows = conn.execute(
                "SELECT provider, model, COALESCE(queue_s, 0) + COALESCE(run_s, 0) AS total"
                " FROM durations ORDER BY finished_at DESC"
            ).fetchall()
        for row in rows:
            bucket = totals.setdefault((row["provider"], row["model"]), [])
            if len(bucket) < last_n:
                bucket.append(float(row["total"]))
        return totals

    def change_counter(self) -> int:
        """A number that changes whenever any process adds or removes tasks (cheap to poll)."""
        with self._read() as conn:
            return int(
                conn.execute("SELECT value FROM counters WHERE name = 'task_set'").fetchone()[0]
            )

    # -- plumbing ---------------------------------------------------------------

    @staticmethod
    def _files_of(
        conn: sqlite3.Connection, task_clause: str, params: Sequence[object]
    ) -> dict[str, tuple[StoredFile, ...]]:
        rows = conn.execute(
            f"SELECT {codec.FILE_COLUMNS} FROM files WHERE task_key IN"
            f" (SELECT key FROM tasks{task_clause}) ORDER BY task_key, output_index",
            params,
        ).fetchall()
        grouped: dict[str, list[StoredFile]] = {}
        for row in rows:
            grouped.setdefault(row["task_key"], []).append(codec.file_from_row(row))
        return {key: tuple(files) for key, files in grouped.items()}

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            # One read transaction: the tasks and their files come from the same snapshot.
            try:
                self._conn.execute("BEGIN")
                try:
                    yield self._conn
                finally:
                    if self._conn.in_transaction:
                        self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise self._unavailable(exc) from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                # IMMEDIATE takes the write lock first, so the busy timeout applies
                # and no read-then-upgrade deadlock can happen with another writer.
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                    self._conn.execute("COMMIT")
                except BaseException:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise self._unavailable(exc) from exc

    def _unavailable(self, exc: sqlite3.Error) -> StoreUnavailable:
        return StoreUnavailable(
            f"cannot use the task store {self.path}: {explain_sqlite_error(exc)}"
        )


def _quantiles(values: list[float]) -> Quantiles | None:
    if not values:
        return None
    if len(values) == 1:
        return Quantiles(values[0], values[0], values[0])
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    return Quantiles(p10=deciles[0], median=statistics.median(values), p90=deciles[-1])
