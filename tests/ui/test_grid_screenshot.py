"""The demo's grid on a real X server (Xvfb), photographed: tiles with real thumbnails.

The PNG lands in test-output/grid-demo.png (CI keeps it) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from xvfb_server import run_demo_driver, xvfb_display

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
    driver = Path(__file__).with_name("grid_screenshot_driver.py")
    done = run_demo_driver(driver, shot, DEMO_SECONDS, xvfb, tmp_path, timeout_s=120)
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
