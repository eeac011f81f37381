"""Issue 11's layout on a real X server (Xvfb), photographed for a person to look at.

The PNGs land in test-output/ (CI keeps them): the Add dialog with 12 pasted
Xenodia IDs, a failed task's long error with its tooltip, and the window at
1100x650 with the details panel open (tests/ui/layout_screenshots.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from xvfb_server import xvfb_display

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"

pytestmark = [pytest.mark.xvfb, pytest.mark.slow]


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    with xvfb_display("1280x800x24") as display:
        yield display


def test_issue_11_layout_screenshots(xvfb: str, tmp_path: Path) -> None:
    OUTPUT.mkdir(exist_ok=True)
    names = ("window-1100x650-details", "long-error", "add-12-xenodia-before", "add-12-xenodia")
    for name in names:
        (OUTPUT / f"{name}.png").unlink(missing_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TASKMON_", "QT_QPA", "DBUS_SESSION"))
    }
    env.update(
        DISPLAY=xvfb,
        QT_QPA_PLATFORM="xcb",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        DBUS_SESSION_BUS_ADDRESS=f"unix:path={tmp_path / 'no-bus'}",  # none, and none spawned
        PYTHONPATH=os.pathsep.join([str(ROOT), *sys.path]),
    )
    driver = Path(__file__).with_name("layout_screenshots.py")
    done = subprocess.run(
        [sys.executable, str(driver), str(OUTPUT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Provider for all 12: Xenodia" in done.stdout
    assert "summary: 11 tasks, 1 needs a model | Add 11 tasks" in done.stdout
    for name in names:
        image = QImage(str(OUTPUT / f"{name}.png"))
        assert not image.isNull(), f"{name}.png was not saved"
        colours = {
            image.pixel(x, y)
            for x in range(0, image.width(), 9)
            for y in range(0, image.height(), 9)
        }
        assert len(colours) > 30, f"{name}.png looks empty"
