"""TASKMON_FIRST_PAINT_EPOCH: the window says when its table is first painted (issue 14)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from self_test_runner import clean_env

FIRST_PAINT = re.compile(r"taskmon: first paint ([0-9.]+) s after start")


def start_window(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "taskmon"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_window_prints_its_first_paint_time_when_asked(tmp_path: Path) -> None:
    env = clean_env(tmp_path, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    started = time.time()
    env["TASKMON_FIRST_PAINT_EPOCH"] = repr(started)
    window = start_window(env)
    try:
        assert window.stderr is not None
        seen = None
        for line in window.stderr:
            if (seen := FIRST_PAINT.search(line)) is not None:
                break
        assert seen is not None, "no first-paint line before the window ended"
        elapsed = float(seen.group(1))
        # The line rounds to the millisecond: allow that half-millisecond up.
        assert 0 < elapsed <= time.time() - started + 0.0005
    finally:
        window.send_signal(signal.SIGTERM)
        _, rest = window.communicate(timeout=60)
    assert window.returncode == 0, rest
    assert not FIRST_PAINT.search(rest), "printed once only"


def test_without_the_variable_nothing_is_printed(tmp_path: Path) -> None:
    env = clean_env(tmp_path, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    window = start_window(env)
    data_db = Path(env["TASKMON_DATA_DIR"]) / "taskmon.db"
    try:
        deadline = time.monotonic() + 60
        while not data_db.exists() and window.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2.0)  # the window is up and painted by now
    finally:
        window.send_signal(signal.SIGTERM)
        _, said = window.communicate(timeout=60)
    assert window.returncode == 0, said
    assert data_db.exists(), "the window never opened its store"
    assert "first paint" not in said
