"""The store's write statements, shared by the CLI's Store and the engine's StoreWriter.

Each function runs inside a transaction the caller owns. Writes about a task
(observation, history, file) never create the task: once another process has
removed it, a late observation must not bring it back.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Final

from taskmon.domain.records import AddResult, FileState, NewTask, Observation
from taskmon.domain.snapshot import MediaKind
from taskmon.domain.task import MAX_HISTORY, HistoryEntry, TaskView
from taskmon.store import codec as codec

_IN_CHUNK: Final = 500  # stay well under SQLite's bound-parameter limit


def bump_task_set(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE counters SET value = value + 1 WHERE name = 'task_set'")


def insert_tasks(conn: sqlite3.Connection, tasks: Sequence[NewTask]) -> AddResult:
    """Insert new tasks; keys already present (or repeated in `tasks`) are duplicates."""
    added: list[str] = []
    duplicates: list[str] = []
    now = time.time()
    for new in tasks:
        ref = new.ref
        cursor = conn.execute(
            "INSERT OR IGNORE INTO tasks (key, provider, task_id, model, by_out_task_id, label,"
            " added_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                ref.key,
                ref.provider,
                ref.task_id,
                ref.model,
                int(ref.by_out_task_id),
                new.label,
                now if new.added_at is None else codec.to_epoch(new.added_at),
            ),
        )
        (added if cursor.rowcount == 1 else duplicates).append(ref.key)
    if added:
        bump_task_set(conn)
    return AddResult(tuple(added), tuple(duplicates))


def delete_tasks(conn: sqlite3.Connection, keys: Iterable[str]) -> int:
    """Delete tasks with their files and history rows; returns how many existed."""
    unique = list(dict.fromkeys(keys))
    removed = 0
    for start in range(0, len(unique), _IN_CHUNK):
        chunk = unique[start : start + _IN_CHUNK]
        marks = ",".join("?" * len(chunk))
        removed += conn.execute(f"DELETE FROM tasks WHERE key IN ({marks})", chunk).rowcount
    if removed:
        bump_task_set(conn)
    return removed


def request_retry(conn: sqlite3.Connection, keys: Iterable[str]) -> None:
    """Ask the tracker to look at `keys` again (tasks that are not stored are skipped)."""
    now = time.time()
    conn.executemany(
        "INSERT OR REPLACE INTO retry_requests (task_key, at)"
        " SELECT key, ? FROM tasks WHERE key = ?",
        [(now, key) for key in dict.fromkeys(keys)],
    )
    bump_task_set(conn)  # a running tracker notices at its next store check


def take_retry_requests(conn: sqlite3.Connection) -> list[str]:
    """The keys `taskmon retry` asked about, oldest first; the requests are gone after."""
    rows = conn.execute("SELECT task_key FROM retry_requests ORDER BY at, rowid").fetchall()
    conn.execute("DELETE FROM retry_requests")
    return [str(row[0]) for row in rows]


def update_observation(conn: sqlite3.Connection, key: str, obs: Observation | TaskView) -> None:
    """Overwrite the task's latest observation (no-op when the task is gone)."""
    error = obs.error
    conn.execute(
        "UPDATE tasks SET observed = ?, state = ?, raw_status = ?, progress = ?, outputs = ?,"
        " error_code = ?, error_message = ?, problem = ?, cost = ?, reported_model = ?,"
        " media_kind = ?, created_at = ?, started_at = ?, finished_at = ?, next_poll_at = ?,"
        " provider_task_id = ?, raw = ?, updated_at = ? WHERE key = ?",
        (
            int(obs.observed),
            obs.state.value,
            obs.raw_status,
            obs.progress,
            codec.outputs_to_json(obs.outputs),
            None if error is None else error.code,
            None if error is None else error.message,
            obs.problem,
            codec.cost_to_json(obs.cost),
            obs.model,
            None if obs.media_kind is None else obs.media_kind.value,
            codec.to_epoch(obs.created_at),
            codec.to_epoch(obs.started_at),
            codec.to_epoch(obs.finished_at),
            codec.to_epoch(obs.next_poll_at),
            obs.provider_task_id,
            codec.raw_to_json(obs.raw),
            time.time(),
            key,
        ),
    )


def append_history(conn: sqlite3.Connection, key: str, entry: HistoryEntry) -> None:
    """Record a state change; an entry repeating the last recorded state is dropped."""
    cursor = conn.execute(
        "INSERT INTO history (task_key, at, state, raw_status)"
        " SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM tasks WHERE key = ?1)"
        " AND (SELECT state FROM history WHERE task_key = ?1 ORDER BY id DESC LIMIT 1)"
        " IS NOT ?3",
        (key, codec.to_epoch(entry.at), entry.state.value, entry.raw_status),
    )
    if cursor.rowcount:
        conn.execute(
            "DELETE FROM history WHERE task_key = ?1 AND id <= (SELECT id FROM history"
            " WHERE task_key = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
            (key, MAX_HISTORY),
        )


def upsert_file(
    conn: sqlite3.Connection,
    key: str,
    index: int,
    url: str,
    path: str | None,
    state: FileState,
    size: int | None,
    error: str | None,
) -> None:
    """Create or overwrite the record of output `index` of task `key`."""
    conn.execute(
        "INSERT INTO files (task_key, output_index, url, path, state, size, error, updated_at)"
        " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE EXISTS (SELECT 1 FROM tasks WHERE key = ?1)"
        " ON CONFLICT (task_key, output_index) DO UPDATE SET url = excluded.url,"
        " path = excluded.path, state = excluded.state, size = excluded.size,"
        " error = excluded.error, updated_at = excluded.updated_at",
        (key, index, url, path, FileState(state).value, size, error, time.time()),
    )


def insert_duration(
    conn: sqlite3.Connection,
    key: str,
    provider: str,
    model: str | None,
    kind: MediaKind | None,
    queue_s: float | None,
    run_s: float | None,
    finished_at: datetime,
) -> None:
    """Remember how long a finished task took; a second sample for the same task is ignored."""
    conn.execute(
        "INSERT OR IGNORE INTO durations"
        " (task_key, provider, model, media_kind, queue_s, run_s, finished_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            key,
            provider,
            model,
            None if kind is None else kind.value,
            queue_s,
            run_s,
            codec.to_epoch(finished_at),
        ),
    )
