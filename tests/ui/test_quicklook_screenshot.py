"""Quick look in the demo on a real X server (Xvfb): Space on a saved image task, photographed.

The PNG lands in test-output/quicklook-demo.png; the test checks the picture
shows the image (its magenta top, its white disc) inside a drawn window.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from xvfb_server import run_demo_driver, xvfb_display

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
DEMO_SECONDS = 20.0  # the demo's first image task is saved after about 7 s

pytestmark = [pytest.mark.xvfb, pytest.mark.slow]


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    with xvfb_display("1680x1000x24") as display:
        yield display


def count(image: QImage, wanted: str, tolerance: int = 30) -> int:
    want = QColor(wanted)
    hits = 0
    for x in range(0, image.width(), 5):
        for y in range(0, image.height(), 5):
            c = image.pixelColor(x, y)
            if (
                abs(c.red() - want.red()) <= tolerance
                and abs(c.green() - want.green()) <= tolerance
                and abs(c.blue() - want.blue()) <= tolerance
            ):
                hits += 1
    return hits


def test_quick_look_on_a_demo_image(xvfb: str, tmp_path: Path) -> None:
    OUTPUT.mkdir(exist_ok=True)
    shot = OUTPUT / "quicklook-demo.png"
    shot.unlink(missing_ok=True)
    driver = Path(__file__).with_name("quicklook_shot_driver.py")
    done = run_demo_driver(driver, shot, DEMO_SECONDS, xvfb, tmp_path, timeout_s=150)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "320 × 240" in done.stdout  # the header names the image's size
    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 640 and image.height() >= 480
    samples = (image.width() // 5) * (image.height() // 5)
    # The 320×240 picture fitted to the window: a large white disc on a magenta-blue gradient.
    assert count(image, "#ffffff", 10) > samples * 0.1
    assert count(image, "#f000ff", 40) > samples * 0.01
