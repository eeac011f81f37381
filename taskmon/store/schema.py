"""The store's SQLite schema, its forward migrations and connection settings.

Times are stored as unix seconds (REAL, UTC): compact, sortable, cheap to
compare in SQL; the codec turns them into aware UTC datetimes on read. JSON
columns hold outputs, cost and the raw payload. There is no column for an API
key, and none may be added: keys live only in the keyring.

`PRAGMA user_version` is the schema version. Each migration takes the file
from version N to N+1 inside one IMMEDIATE transaction, so two processes that
open an old file at once migrate it exactly once.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from taskmon.store.errors import SchemaTooNew, StoreUnavailable, explain_sqlite_error

BUSY_TIMEOUT_S: Final = 5.0

_V1: Final[Sequence[str]] = (
    """CREATE TABLE tasks (
        key TEXT PRIMARY KEY,               -- TaskRef.key
        provider TEXT NOT NULL,
        task_id TEXT NOT NULL,
        model TEXT,                         -- the model the user gave (part of the reference)
        by_out_task_id INTEGER NOT NULL DEFAULT 0,
        label TEXT,
        added_at REAL NOT NULL,
        observed INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'queued',
        raw_status TEXT,
        progress REAL,
        outputs TEXT NOT NULL DEFAULT '[]',
        error_code TEXT,
        error_message TEXT,
        problem TEXT,
        cost TEXT,
        reported_model TEXT,                -- the model the provider reported
        media_kind TEXT,
        created_at REAL,
        started_at REAL,
        finished_at REAL,
        next_poll_at REAL,
        provider_task_id TEXT,
        raw TEXT,
        updated_at REAL
    )""",
    "CREATE INDEX tasks_by_state ON tasks(state)",
    """CREATE TABLE files (
        task_key TEXT NOT NULL REFERENCES tasks(key) ON DELETE CASCADE,
        output_index INTEGER NOT NULL,
        url TEXT NOT NULL,
        path TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'partial', 'complete', 'failed')),
        size INTEGER,
        error TEXT,
        updated_at REAL NOT NULL,
        PRIMARY KEY (task_key, output_index)
    )""",
    """CREATE TABLE history (
        id INTEGER PRIMARY KEY,
        task_key TEXT NOT NULL REFERENCES tasks(key) ON DELETE CASCADE,
        at REAL NOT NULL,
        state TEXT NOT NULL,
        raw_status TEXT
    )""",
    "CREATE INDEX history_by_task ON history(task_key, id)",
    # Bumped whenever tasks are added or removed, by any process: a running
    # engine polls this one row to notice `taskmon add` beside it.
    "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "INSERT INTO counters (name, value) VALUES ('task_set', 0)",
)

_V2: Final[Sequence[str]] = (
    """CREATE TABLE durations (
        id INTEGER PRIMARY KEY,
        task_key TEXT UNIQUE,               -- one sample per task, even after a re-poll
        provider TEXT NOT NULL,
        model TEXT,
        media_kind TEXT,
        queue_s REAL,
        run_s REAL,
        finished_at REAL NOT NULL
    )""",
    "CREATE INDEX durations_lookup ON durations(provider, model, media_kind, finished_at)",
    # Tasks that finished before v2 already teach something: keep their durations.
    """INSERT OR IGNORE INTO durations
        (task_key, provider, model, media_kind, queue_s, run_s, finished_at)
    SELECT key, provider, COALESCE(reported_model, model), media_kind,
           MAX(0.0, started_at - COALESCE(created_at, added_at)),
           MAX(0.0, finished_at - started_at), finished_at
    FROM tasks
    WHERE state = 'succeeded' AND started_at IS NOT NULL AND finished_at IS NOT NULL""",
)

_V3: Final[Sequence[str]] = (
    # `taskmon retry` asks for another look; the tracker takes (deletes) each request.
    """CREATE TABLE retry_requests (
        task_key TEXT PRIMARY KEY REFERENCES tasks(key) ON DELETE CASCADE,
        at REAL NOT NULL
    )""",
)

Migration = Callable[[sqlite3.Connection], None]


def _statements(sql: Sequence[str]) -> Migration:
    def run(conn: sqlite3.Connection) -> None:
        for statement in sql:
            conn.execute(statement)  # not executescript: it would COMMIT our transaction

    return run


# MIGRATIONS[n] takes the file from version n to n + 1.
MIGRATIONS: Final[Sequence[Migration]] = (
    _statements(_V1),
    _statements(_V2),
    _statements(_V3),
)
LATEST_VERSION: Final = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, path: Path, target: int = LATEST_VERSION) -> None:
    """Bring the file forward to `target`, one transaction per step."""
    while (version := schema_version(conn)) < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the write lock.
            version = schema_version(conn)
            if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise StoreUnavailable(f"{path} is not a taskmon database")
            if version < target:
                MIGRATIONS[version](conn)
                conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    if version > LATEST_VERSION:
        raise SchemaTooNew(
            f"{path} was written by a newer taskmon (schema v{version}; this one knows up to "
            f"v{LATEST_VERSION}): upgrade taskmon to use it"
        )


def connect(
    path: Path,
    *,
    durable: bool,
    busy_timeout_s: float = BUSY_TIMEOUT_S,
    target: int = LATEST_VERSION,
) -> sqlite3.Connection:
    """Open `path` in WAL mode, migrated to `target`; raise StoreUnavailable when unusable.

    `durable=True` gives synchronous=FULL: each commit is fsynced, so an
    acknowledged `taskmon add` survives even a power cut. `durable=False`
    (the engine's batched writer) gives synchronous=NORMAL: in WAL mode a
    commit is in the WAL before it returns, so it survives kill -9 or any
    crash of the process; only an OS crash or power cut can lose the last
    commits, and those hold observations the engine re-polls anyway. The
    database is never corrupted either way.
    """
    _refuse_empty_file(path)
    _create_whole(path, busy_timeout_s, target)
    try:
        conn = sqlite3.connect(
            path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise StoreUnavailable(f"cannot open {path}: {explain_sqlite_error(exc)}") from exc
    try:
        # Another process (the CLI beside a running engine) waits for the write
        # lock instead of failing at once.
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreUnavailable(f"cannot use {path}: the file system does not support WAL")
        conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn, path, target)
        _check_integrity(conn, path)
    except sqlite3.Error as exc:
        conn.close()
        raise StoreUnavailable(f"cannot open {path}: {explain_sqlite_error(exc)}") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _create_whole(path: Path, busy_timeout_s: float, target: int) -> None:
    """A missing store is made beside it and linked into place whole.

    SQLite creates a database as an empty file and writes its first page only
    later: another process (a second `taskmon add`) opening it in between saw a
    0-byte store, which is what a truncated one looks like. Made elsewhere and
    linked (which never replaces a store another process linked first), the
    store's name only ever names a real database.
    """
    if path.exists():
        return
    scratch = path.with_name(f".{path.name}.new-{os.getpid()}")
    try:
        conn = sqlite3.connect(scratch, timeout=busy_timeout_s, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")  # kept in the file's header
            migrate(conn, scratch, target)
        finally:
            conn.close()  # checkpoints and removes the scratch WAL
        with contextlib.suppress(FileExistsError):  # another process made it first
            os.link(scratch, path)
    except (sqlite3.Error, OSError) as exc:
        raise StoreUnavailable(f"cannot create {path}: {explain_sqlite_error(exc)}") from exc
    finally:
        for leftover in (scratch, *(scratch.with_name(scratch.name + s) for s in ("-wal", "-shm"))):
            with contextlib.suppress(OSError):  # never made, or its folder is no folder
                leftover.unlink()


def _refuse_empty_file(path: Path) -> None:
    """A 0-byte file where the store should be was truncated: say so, never start afresh in it."""
    try:
        empty = path.stat().st_size == 0
    except OSError:  # missing (a new store) or unreadable (connect says why)
        return
    if empty:
        raise StoreUnavailable(
            f"the task store {path} is empty (0 bytes), so it holds no tasks: it may have been "
            "truncated. Move it away (or restore it from a backup) to start a new one"
        )


def _check_integrity(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a damaged store before anything is written into it.

    Reading every task finds a damaged page, but a plain insert may not: `add`
    once wrote into a store that `list` refused. quick_check reads every page
    (about 10 ms for 5,000 tasks here), so each command judges the file alike.
    """
    verdict = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
    if verdict != "ok":
        raise StoreUnavailable(f"cannot open {path}: the database is damaged ({verdict})")
