"""Opening a result or its folder without a window (`taskmon run --notify`).

The window uses Qt's QDesktopServices instead; this is the headless way, one
command per platform, started and left alone (the viewer outlives taskmon).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from taskmon.downloads import open_refusal

log = logging.getLogger(__name__)

# Viewers started and not yet reaped: kept, so none is collected while it runs
# (Popen warns then), and reaped at the next launch.
_children: list[subprocess.Popen[bytes]] = []


def open_command(path: str, platform: str = sys.platform) -> list[str] | None:
    """The command that opens `path` with its default application (None on Windows)."""
    if platform == "darwin":
        return ["open", "--", path]
    if platform.startswith("win"):
        return None  # os.startfile
    return ["xdg-open", path]


def open_result(path: str) -> str | None:
    """Open a result with its default application; says why not when it may not."""
    refusal = open_refusal(path)
    if refusal is not None:
        log.warning("not opening %s: %s", path, refusal)
        return refusal
    return _launch(path)


def show_in_folder(path: str) -> str | None:
    """Open the folder holding `path` (the file manager; selecting it where it can)."""
    if sys.platform.startswith("win"):
        return _spawn(["explorer", f"/select,{path}"])
    if sys.platform == "darwin":
        return _spawn(["open", "-R", "--", path])
    return _launch(str(Path(path).parent))


def _launch(path: str) -> str | None:
    command = open_command(path)
    if command is None:
        try:
            os.startfile(path)  # type: ignore[attr-defined]  # Windows only
        except OSError as exc:
            return str(exc)
        return None
    return _spawn(command)


def _spawn(command: list[str]) -> str | None:
    _children[:] = [child for child in _children if child.poll() is None]
    try:
        # Detached: the viewer outlives taskmon, and taskmon never waits for it.
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        log.warning("cannot run %s: %s", command[0], exc)
        return str(exc)
    _children.append(child)
    return None
