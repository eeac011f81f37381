"""The demo's grid on a real X server (Xvfb), photographed: tiles with real thumbnails.

The PNG lands in test-output/grid-demo.png (CI keeps it) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from xvfb_server import xvfb_display

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
DEMO_SECONDS = 16.0

pytestmark = [pytest.mark.xvfb, pytest.mark.slow]


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    with xvfb_display("1600x1000x24") as display:
        yield display


def test_the_demo_grid_shows_thumbnails(xvfb: str, tmp_path: Path) -> None:
    OUTPUT.mkdir(exist_ok=True)
    shot = OUTPUT / "grid-demo.png"
    shot.unlink(missing_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TASKMON_", "QT_QPA", "DBUS_SESSION"))
    }
    # A rendezvous of its own: a demo another test (or person) runs is not this one.
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env.update(
        XDG_RUNTIME_DIR=str(runtime),
        DISPLAY=xvfb,
        QT_QPA_PLATFORM="xcb",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        PYTHONPATH=os.pathsep.join([str(ROOT), *sys.path]),
    )
    command = [sys.executable, str(Path(__file__).with_name("grid_screenshot_driver.py"))]
    wrapped = ["dbus-run-session", "--", *command] if shutil.which("dbus-run-session") else command
    done = subprocess.run(
        [*wrapped, str(shot), str(DEMO_SECONDS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "in grid mode" in done.stdout  # Ctrl+2 reached the window
    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 1000
    # The first demo task (an image, done after ~6 s) is the grid's first tile, top left:
    # a seeded picture of several flat colours, not an empty placeholder.
    tile = image.copy(0, 60, 400, 260)
    colours = {
        tile.pixel(x, y) for x in range(0, tile.width(), 3) for y in range(0, tile.height(), 3)
    }
    assert len(colours) > 30
