"""A private Xvfb for the tests that need a real X server (screenshots, real drags).

Each test module starts its own on the first free display from `first` (another
X server, or a stale lock of a killed run, may hold one) and stops it by PID.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_display(first: int) -> int:
    return next(
        n
        for n in range(first, first + 40)
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists()
    )


@contextmanager
def xvfb_display(
    size: str = "1280x800x24", *, first: int = 60, needs: tuple[str, ...] = ()
) -> Iterator[str]:
    """Run Xvfb with one screen of `size` while the block runs; yields its DISPLAY."""
    missing = [tool for tool in ("Xvfb", *needs) if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (scripts/test.sh installs them)")
    number = _free_display(first)
    display = f":{number}"
    server = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", size, "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        socket = Path(f"/tmp/.X11-unix/X{number}")
        deadline = time.monotonic() + 10
        while not socket.exists():
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Xvfb did not start on {display}")
            time.sleep(0.05)
        yield display
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run_demo_driver(
    driver: Path, shot: Path, seconds: float, display: str, tmp_path: Path, timeout_s: float
) -> subprocess.CompletedProcess[str]:
    """Run a screenshot driver (`driver SHOT SECONDS`: the demo window, photographed) on
    `display`, with its own config, data, runtime dir and session bus; stop it whole."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TASKMON_", "QT_QPA", "DBUS_SESSION"))
    }
    # A rendezvous of its own: a demo another test (or person) runs is not this one.
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env.update(
        XDG_RUNTIME_DIR=str(runtime),
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        PYTHONPATH=os.pathsep.join([str(ROOT), *sys.path]),
    )
    command = [sys.executable, str(driver), str(shot), str(seconds)]
    # A private session bus, so Qt's D-Bus use never reaches (or spawns) another one.
    if shutil.which("dbus-run-session"):
        command = ["dbus-run-session", "--", *command]
    # A session of its own: on a timeout the bus daemon goes too, not only its parent.
    child = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = child.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        out, err = child.communicate()
        pytest.fail(f"{driver.name} did not finish in {timeout_s:.0f} s: {err[-3000:]}")
    return subprocess.CompletedProcess(command, child.returncode, out, err)
