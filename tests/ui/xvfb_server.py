"""A private Xvfb for the tests that need a real X server (screenshots, real drags).

Each test module starts its own on the first free display from `first` (another
X server, or a stale lock of a killed run, may hold one) and stops it by PID.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


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
