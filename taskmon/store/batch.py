"""Running one batch of queued store writes in one transaction.

A batch is a list of writes `(slot, write function, arguments)`. Writes that
share a slot overwrite each other (a task's observation, one output's file
record), so only the last of each slot is run, in its place; writes without
a slot (history, adds, removals, durations) all run, in order.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Hashable
from typing import Any

log = logging.getLogger(__name__)

# (coalescing slot or None, write function, its arguments after the connection)
Write = tuple[Hashable | None, Callable[..., Any], tuple[Any, ...]]


def coalesce(batch: list[Write]) -> list[Write]:
    """Keep only the last write of each slot, in its place."""
    last: dict[Hashable, int] = {}
    slotted = 0
    for i, (slot, _, _) in enumerate(batch):
        if slot is not None:
            last[slot] = i
            slotted += 1
    if len(last) == slotted:
        return batch
    return [w for i, w in enumerate(batch) if w[0] is None or last[w[0]] == i]


def cannot_write(exc: BaseException) -> bool:
    """The store cannot be written now (full, read-only, locked, damaged): not a bad write."""
    return isinstance(exc, sqlite3.OperationalError | OSError) or type(exc) is sqlite3.DatabaseError


def commit(conn: sqlite3.Connection, batch: list[Write]) -> int:
    """Run `batch` in one transaction; returns how many writes were executed.

    Raises when the store cannot be written (see `cannot_write`), having
    rolled back: the caller keeps the batch and retries it. A write that fails
    for any other reason is a bug; it is logged and skipped so that it cannot
    block every other write.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        for _, write, args in batch:
            write(conn, *args)
        conn.execute("COMMIT")
        return len(batch)
    except Exception as exc:
        rollback(conn)
        if cannot_write(exc):
            raise
        log.exception("a store write failed; retrying the batch one write at a time")
    return _commit_one_by_one(conn, batch)


def _commit_one_by_one(conn: sqlite3.Connection, batch: list[Write]) -> int:
    conn.execute("BEGIN IMMEDIATE")
    written = 0
    try:
        for _, write, args in batch:
            conn.execute("SAVEPOINT one_write")
            try:
                write(conn, *args)
            except Exception as exc:
                if cannot_write(exc):
                    raise
                log.exception("dropped a store write that cannot be saved: %s", write.__name__)
                conn.execute("ROLLBACK TO one_write")
            else:
                written += 1
            conn.execute("RELEASE one_write")
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise
    return written


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back what is open (SQLite already rolled back after some errors, e.g. SQLITE_FULL)."""
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        log.exception("store rollback failed")
