"""The schema moves forward from every earlier version with the data intact."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from taskmon.domain.snapshot import MediaKind, State
from taskmon.store.errors import SchemaTooNew, StoreUnavailable
from taskmon.store.schema import LATEST_VERSION, connect, schema_version
from taskmon.store.store import Store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()


def _version_of(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return schema_version(conn)


def _make_v1(path: Path) -> None:
    """A file as taskmon with schema v1 left it: one finished task, one running, their rows."""
    conn = connect(path, durable=True, target=1)
    conn.execute(
        "INSERT INTO tasks (key, provider, task_id, model, label, added_at, observed, state,"
        " raw_status, outputs, reported_model, media_kind, created_at, started_at, finished_at)"
        " VALUES ('apixo/m1/id/done', 'apixo', 'done', 'm1', 'cat', ?, 1, 'succeeded', 'success',"
        ' \'[{"url": "https://r.example/a.png", "kind": "image"}]\', NULL, \'image\','
        " ?, ?, ?)",
        (T0, T0 - 5, T0 + 10, T0 + 70),
    )
    conn.execute(
        "INSERT INTO tasks (key, provider, task_id, added_at, state)"
        " VALUES ('reapi//id/run', 'reapi', 'run', ?, 'running')",
        (T0,),
    )
    conn.execute(
        "INSERT INTO history (task_key, at, state, raw_status)"
        " VALUES ('apixo/m1/id/done', ?, 'queued', 'waiting'), ('apixo/m1/id/done', ?,"
        " 'succeeded', 'success')",
        (T0, T0 + 70),
    )
    conn.execute(
        "INSERT INTO files (task_key, output_index, url, path, state, size, updated_at)"
        " VALUES ('apixo/m1/id/done', 0, 'https://r.example/a.png', '/c/a.png', 'complete', 9, ?)",
        (T0,),
    )
    conn.execute("UPDATE counters SET value = 7 WHERE name = 'task_set'")
    conn.close()


def test_a_database_without_tables_is_version_0_and_migrates_to_the_latest(db: Path) -> None:
    # (A 0-byte file is refused as truncated: tests/store/test_store_damage.py.)
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("CREATE TABLE scratch (a)")
        conn.execute("DROP TABLE scratch")
    assert db.stat().st_size > 0
    assert _version_of(db) == 0
    with Store.open(db) as store:
        assert store.tasks() == []
        assert store.change_counter() == 0
    assert _version_of(db) == LATEST_VERSION == 3


def test_a_missing_file_is_created_at_the_latest_version(db: Path) -> None:
    Store.open(db).close()
    assert _version_of(db) == LATEST_VERSION


def test_version_1_migrates_to_the_latest_with_every_row_kept(db: Path) -> None:
    _make_v1(db)
    assert _version_of(db) == 1
    with Store.open(db) as store:
        assert _version_of(db) == LATEST_VERSION
        done = store.task("apixo/m1/id/done")
        assert done is not None
        assert (done.label, done.state, done.raw_status) == ("cat", State.SUCCEEDED, "success")
        assert done.outputs[0].url == "https://r.example/a.png"
        assert done.finished_at == datetime.fromtimestamp(T0 + 70, UTC)
        assert [h.state for h in store.history(done.key)] == [State.QUEUED, State.SUCCEEDED]
        assert [(f.path, f.size) for f in store.files(done.key)] == [("/c/a.png", 9)]
        assert [t.key for t in store.tasks(state=State.RUNNING)] == ["reapi//id/run"]
        assert store.change_counter() == 7


def test_the_version_2_migration_learns_from_tasks_finished_under_version_1(db: Path) -> None:
    _make_v1(db)
    with Store.open(db) as store:
        summary = store.learned_durations("apixo", "m1", MediaKind.IMAGE)
    assert summary is not None and summary.samples == 1
    assert summary.queue_s is not None and summary.queue_s.median == pytest.approx(15.0)
    assert summary.run_s is not None and summary.run_s.median == pytest.approx(60.0)


def test_migrating_twice_changes_nothing(db: Path) -> None:
    _make_v1(db)
    Store.open(db).close()
    with Store.open(db) as store:
        assert len(store.tasks()) == 2
        assert store.learned_durations("apixo", "m1", MediaKind.IMAGE).samples == 1  # type: ignore[union-attr]


def test_a_file_from_a_newer_taskmon_is_refused_with_a_clear_message(db: Path) -> None:
    Store.open(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    with pytest.raises(SchemaTooNew, match="newer taskmon"):
        Store.open(db)


def test_another_programs_database_is_not_taken_over(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    with pytest.raises(StoreUnavailable, match="not a taskmon database"):
        Store.open(db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("notes",)]


def test_a_file_that_is_not_sqlite_is_unavailable(db: Path) -> None:
    db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreUnavailable, match="not a taskmon database or is damaged"):
        Store.open(db)


def test_the_store_runs_in_wal_mode(db: Path) -> None:
    Store.open(db).close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
