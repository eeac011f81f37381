"""The demo window on a real X server (Xvfb), photographed for a person to look at.

The PNG lands in test-output/ (CI keeps it); the test checks that the window
drew real content, not an empty or one-colour frame.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from xvfb_server import run_demo_driver, xvfb_display

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
DEMO_SECONDS = 12.0

pytestmark = [pytest.mark.xvfb, pytest.mark.slow]


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    with xvfb_display("1680x1000x24") as display:
        yield display


def test_demo_window_screenshot(xvfb: str, tmp_path: Path) -> None:
    OUTPUT.mkdir(exist_ok=True)
    shot = OUTPUT / "window-demo.png"
    shot.unlink(missing_ok=True)
    driver = Path(__file__).with_name("screenshot_driver.py")
    done = run_demo_driver(driver, shot, DEMO_SECONDS, xvfb, tmp_path, timeout_s=120)
    assert done.returncode == 0, done.stderr[-3000:]
    image = QImage(str(shot))
    assert not image.isNull(), "no screenshot was saved"
    assert image.width() >= 900 and image.height() >= 500
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 50, "the window looks empty"
