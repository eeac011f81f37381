"""A damaged or truncated store is refused by every command, and nothing is written into it."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from taskmon.domain import NewTask, TaskRef
from taskmon.service import db_path
from taskmon.store import Store, StoreUnavailable

PAGE = 4096


def _taskmon(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKMON_")}
    env["TASKMON_DATA_DIR"] = str(data)
    return subprocess.run(
        [sys.executable, "-m", "taskmon", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )


def _damaged_store(data: Path) -> Path:
    """A store of 2,000 tasks with two middle pages overwritten."""
    data.mkdir()
    path = db_path(data)
    with Store.open(path) as store:
        store.add_tasks([NewTask(TaskRef("reapi", f"task-{i:06d}")) for i in range(2000)])
        store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = path.stat().st_size // PAGE
    assert pages > 8
    with path.open("r+b") as f:
        for page in (pages // 2, pages // 2 + 1):
            f.seek(page * PAGE)
            f.write(b"\xa5" * PAGE)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "command",
    [
        ("add", "--provider", "reapi", "task-new"),
        ("list",),
        ("remove", "task-000001"),
    ],
    ids=["add", "list", "remove"],
)
def test_every_command_refuses_a_damaged_store_and_writes_nothing(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    data = tmp_path / "data"
    path = _damaged_store(data)
    before = _digest(path)

    result = _taskmon(data, *command)

    assert result.returncode == 2, result
    assert "damaged" in result.stderr
    assert result.stdout == ""
    assert _digest(path) == before


def test_an_empty_store_file_is_reported_not_reused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    path = db_path(data)
    path.write_bytes(b"")

    added = _taskmon(data, "add", "--provider", "reapi", "task-new")

    assert added.returncode == 2
    assert "is empty (0 bytes)" in added.stderr
    assert path.stat().st_size == 0
    with pytest.raises(StoreUnavailable, match="empty"):
        Store.open(path)


def test_adds_racing_to_create_a_new_store_all_succeed(tmp_path: Path) -> None:
    """A store being created never looks truncated to a second process (it once did:
    SQLite creates the file empty and writes its first page later)."""
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKMON_")}
    env["TASKMON_DATA_DIR"] = str(data)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "taskmon", "add", "--provider", "reapi", f"task-race-{i}"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(6)
    ]
    results = [(p.wait(60), *p.communicate()) for p in procs]
    assert [code for code, _out, _err in results] == [0] * 6, results
    with Store.open(db_path(data)) as store:
        assert sorted(t.ref.task_id for t in store.tasks()) == [f"task-race-{i}" for i in range(6)]
    assert [p.name for p in data.iterdir() if ".new-" in p.name] == []
