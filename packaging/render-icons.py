"""Render the app icon (resources/taskmon.svg) into the files packaging ships.

    python packaging/render-icons.py

Writes, from the one SVG the window uses (taskmon.ui.icons.APP_ICON):
- packaging/linux/icons/hicolor/scalable/apps/<APP_ID>.svg (a copy) and
  hicolor/<n>x<n>/apps/<APP_ID>.png for the sizes the icon theme spec lists;
- packaging/icons/taskmon.ico (Windows: 16-256 px) and taskmon.icns (macOS:
  16-1024 px), when Pillow is installed (`pip install pillow`).
Drawn with Qt's QSvgRenderer, the renderer the app itself uses, offscreen.
The outputs are committed; run this again after the SVG changes.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

APP_ID = "io.github.taskmon.Taskmon"
THEME_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)

packaging = Path(__file__).resolve().parent
svg = packaging.parent / "resources" / "taskmon.svg"


def render(renderer: QSvgRenderer, pixels: int) -> QImage:
    image = QImage(pixels, pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, pixels, pixels))
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        print(f"render-icons: cannot read {svg}", file=sys.stderr)
        return 1
    hicolor = packaging / "linux" / "icons" / "hicolor"
    scalable = hicolor / "scalable" / "apps"
    scalable.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(svg, scalable / f"{APP_ID}.svg")
    for size in THEME_SIZES:
        target = hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not render(renderer, size).save(str(target), "PNG"):
            print(f"render-icons: could not write {target}", file=sys.stderr)
            return 1
    try:
        from PIL import Image
    except ImportError:
        print("render-icons: Pillow not installed; .ico and .icns not written", file=sys.stderr)
        return 0
    icons = packaging / "icons"
    icons.mkdir(exist_ok=True)
    big = icons / "taskmon-1024.png"
    render(renderer, 1024).save(str(big), "PNG")
    with Image.open(big) as image:
        image.save(icons / "taskmon.ico", sizes=[(s, s) for s in ICO_SIZES])
        image.save(icons / "taskmon.icns", sizes=[(s, s) for s in ICNS_SIZES])
    big.unlink()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
