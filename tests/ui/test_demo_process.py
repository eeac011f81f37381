"""`taskmon --demo` as a process: one demo at a time, and no data left behind (issue 11)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from window_app import App

from taskmon.ui.window import MainWindow

ROOT = Path(__file__).resolve().parents[2]


def demo_env(tmp_path: Path) -> dict[str, str]:
    """The app offscreen, with its temp dir, runtime dir and settings inside `tmp_path`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TASKMON_", "DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION"))
    }
    for name in ("tmp", "run", "config", "data"):
        (tmp_path / name).mkdir(mode=0o700, exist_ok=True)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        TMPDIR=str(tmp_path / "tmp"),
        XDG_RUNTIME_DIR=str(tmp_path / "run"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        PYTHONPATH=os.pathsep.join([str(ROOT), *sys.path]),
    )
    return env


def demo_dirs(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "tmp").glob("taskmon-demo-*"))


def wait_for(condition: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """A running `python -m taskmon --demo`, its data dir made and its tasks stored."""
    process = subprocess.Popen(
        [sys.executable, "-m", "taskmon", "--demo"],
        env=demo_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(
            lambda: any((d / "taskmon.db").exists() for d in demo_dirs(tmp_path))
            or process.poll() is not None,
            60,
            "the demo to start",
        )
        assert process.poll() is None, process.communicate()[1][-2000:]
        time.sleep(1.0)  # the window is up and the sample tasks are being polled
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_demo_removes_its_data_dir(
    demo: subprocess.Popen[str], tmp_path: Path, signum: int
) -> None:
    (directory,) = demo_dirs(tmp_path)
    demo.send_signal(signum)
    _out, err = demo.communicate(timeout=30)
    assert demo.returncode == 0, err[-2000:]
    assert not directory.exists(), f"{directory} was left behind"
    assert demo_dirs(tmp_path) == []


def test_a_second_demo_brings_the_first_forward(
    demo: subprocess.Popen[str], tmp_path: Path
) -> None:
    second = subprocess.run(
        [sys.executable, "-m", "taskmon", "--demo"],
        env=demo_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert second.returncode == 0, second.stderr[-2000:]
    assert "demo is already running" in second.stdout
    assert len(demo_dirs(tmp_path)) == 1  # no second demo was started
    assert demo.poll() is None


def test_the_demo_never_says_to_start_plain_taskmon_to_bring_it_back(
    app: App, qsettings: QSettings, qtbot: Any, monkeypatch: Any
) -> None:
    said: list[str] = []

    def ask(box: QMessageBox) -> int:
        said.append(box.informativeText())
        return 0

    monkeypatch.setattr(QMessageBox, "exec", ask)
    window = MainWindow(app.bridge, qsettings, demo=True)
    qtbot.addWidget(window)
    window._ask_on_close(3)
    assert said and "taskmon --demo" in said[0]
