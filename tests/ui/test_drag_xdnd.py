"""A real drag and drop between two processes on an X server (Xvfb, XDND), driven by xdotool.

The source is the taskmon window (drag_source_driver.py) with one finished
task; the target a small PySide6 window (drop_target_driver.py) that records
what it receives. The mouse is moved as a person would: press on the selected
row, a few small steps past the start-drag distance, then onto the target.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QUrl
from xvfb_server import xvfb_display

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
COPY_ACTION = 0x1  # Qt::CopyAction

pytestmark = [pytest.mark.xvfb, pytest.mark.slow]


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    with xvfb_display("1280x800x24", needs=("xdotool",)) as display:
        yield display


def _env(display: str, tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TASKMON_", "QT_QPA", "DBUS_SESSION"))
    }
    env.update(
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "xdg-data"),
        PYTHONPATH=os.pathsep.join([str(ROOT), str(HERE), *sys.path]),
    )
    return env


def _start(script: str, folder: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, str(HERE / script), str(folder)]
    # A private session bus each, so Qt's D-Bus use never reaches (or spawns) another one.
    if shutil.which("dbus-run-session"):
        command = ["dbus-run-session", "--", *command]
    # Output to a file, not a pipe: the bus daemon would hold a pipe open after the end.
    with open(folder / f"{Path(script).stem}.log", "wb") as log:
        # Its own process group: the stop takes down the bus daemon with it.
        return subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def _log(process: subprocess.Popen[bytes], folder: Path) -> str:
    script = next(a for a in process.args if str(a).endswith(".py"))  # type: ignore[union-attr]
    return (folder / f"{Path(str(script)).stem}.log").read_text(errors="replace")[-3000:]


def _wait_for(path: Path, processes: list[subprocess.Popen[bytes]], timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        for process in processes:
            if process.poll() is not None:
                log = _log(process, path.parent)
                pytest.fail(f"{process.args} ended early ({process.returncode}): {log}")
        if time.monotonic() > deadline:
            pytest.fail(f"{path.name} did not appear in {timeout_s} s")
        time.sleep(0.1)
    time.sleep(0.1)  # written whole
    return json.loads(path.read_text())


def _xdotool(env: dict[str, str], *args: str) -> None:
    subprocess.run(["xdotool", *args], env=env, check=True, timeout=10)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the process and everything in its group (its bus daemon), by its own PID."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def test_a_row_dragged_onto_another_application_drops_its_file_urls_as_a_copy(
    xvfb: str, tmp_path: Path
) -> None:
    env = _env(xvfb, tmp_path)
    source = _start("drag_source_driver.py", tmp_path, env)
    target: subprocess.Popen[bytes] | None = None
    try:
        row = _wait_for(tmp_path / "source.json", [source], 60)
        target = _start("drop_target_driver.py", tmp_path, env)
        box = _wait_for(tmp_path / "target.json", [source, target], 30)

        x, y = row["x"], row["y"]
        _xdotool(env, "mousemove", str(x), str(y))
        time.sleep(0.3)
        _xdotool(env, "mousedown", "1")
        for _ in range(12):  # small steps first: Qt sees the press turn into a drag
            x += 5
            _xdotool(env, "mousemove", str(x), str(y))
            time.sleep(0.03)
        goal_x, goal_y = box["x"] + box["size"] // 2, box["y"] + box["size"] // 2
        while abs(goal_x - x) > 20 or abs(goal_y - y) > 20:
            x += max(-20, min(20, goal_x - x))
            y += max(-20, min(20, goal_y - y))
            _xdotool(env, "mousemove", str(x), str(y))
            time.sleep(0.02)
        _xdotool(env, "mousemove", str(goal_x), str(goal_y))
        time.sleep(0.5)
        _xdotool(env, "mouseup", "1")

        dropped = _wait_for(tmp_path / "dropped.json", [source], 20)
    finally:
        (tmp_path / "stop").touch()
        if target is not None:
            _stop(target)
        with contextlib.suppress(subprocess.TimeoutExpired):
            source.wait(20)  # it leaves by itself, stopping its service
        _stop(source)

    assert "text/uri-list" in dropped["formats"]
    assert dropped["possible"] == COPY_ACTION  # Copy only: never Move out of the cache
    assert dropped["proposed"] == COPY_ACTION
    (url,) = dropped["urls"]
    path = Path(QUrl(url).toLocalFile())
    assert url.startswith("file://") and str(path) == row["files"][0]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == row["sha256"]
