"""IDs that could forge output lines or break the `list` table are refused up front."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKMON_")}
    env["TASKMON_DATA_DIR"] = str(data)
    return subprocess.run(
        [sys.executable, "-m", "taskmon", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )


@pytest.mark.parametrize(
    "task_id", ["bad id with spaces", "x1\nadded reapi task_forged", "x1\x1b[2J"]
)
def test_add_refuses_an_id_with_whitespace_or_control_characters(
    tmp_path: Path, task_id: str
) -> None:
    data = tmp_path / "data"
    result = run(data, "add", "--provider", "reapi", task_id)
    assert result.returncode == 2
    assert result.stdout == ""  # no forged "added ..." line
    assert len(result.stderr.splitlines()) == 1
    assert "cannot contain spaces, line breaks or control characters" in result.stderr
    listed = run(data, "list", "--json")
    assert listed.stdout.strip() in ("", "[]")  # nothing was added
