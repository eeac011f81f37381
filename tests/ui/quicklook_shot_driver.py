"""Runs the real app (`taskmon --demo`), opens quick look on a finished image task, saves it.

Used by test_quicklook_screenshot.py as a child process on a real X server:
    python quicklook_shot_driver.py OUT.png SECONDS [own]
For the test's pixel check the driver first puts tests/data/image.png (320×240,
known colours) in the place of the task's first cached file, as if the provider
had sent it; with `own` it keeps the demo's own picture (README's screenshot).
Then it selects the row and presses Space, as a person would, and grabs the
quick look window from the screen.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from taskmon.ui.app import run_app

IMAGE = Path(__file__).resolve().parents[1] / "data" / "image.png"


def main() -> int:
    out, seconds = sys.argv[1], float(sys.argv[2])
    own_media = sys.argv[3:] == ["own"]
    app = QApplication(sys.argv[:1])
    state: dict[str, object] = {}

    def main_window() -> QWidget | None:
        for widget in app.topLevelWidgets():
            if widget.objectName() == "mainWindow" and widget.isVisible():
                return widget
        return None

    def prepare() -> None:
        window: object = main_window()
        if window is None:
            return
        window.resize(1400, 860)  # type: ignore[attr-defined]
        proxy, model = window.proxy, window.model  # type: ignore[attr-defined]
        for row in range(proxy.rowCount()):
            view = model.view_at(proxy.mapToSource(proxy.index(row, 0)).row())
            if view.media_kind is not None and view.media_kind.value == "image" and view.files:
                if not own_media:
                    shutil.copyfile(IMAGE, view.files[0])
                window.table.selectRow(row)  # type: ignore[attr-defined]
                window.table.setFocus()  # type: ignore[attr-defined]
                window.activateWindow()  # type: ignore[attr-defined]
                QTest.keyClick(window.table, Qt.Key.Key_Space)  # type: ignore[attr-defined]
                results = window.results  # type: ignore[attr-defined]
                if results.quicklook is None:  # no window manager made the window active
                    results.toggle_quick_look()
                state["quicklook"] = results.quicklook
                return
        print("no saved image task yet", file=sys.stderr, flush=True)

    def shoot() -> None:
        ql = state.get("quicklook")
        window = main_window()
        if not isinstance(ql, QWidget) or not ql.isVisible() or window is None:
            print("quick look is not open", file=sys.stderr, flush=True)
            app.exit(1)
            return
        shot = QGuiApplication.primaryScreen().grabWindow(ql.winId())
        if shot.isNull():
            shot = ql.grab()
        shot.save(out)
        print(f"saved {out}: {ql.subtitle.text()}", flush=True)  # type: ignore[attr-defined]
        window.confirm_quit = None  # type: ignore[attr-defined]  # no 'tasks run: quit?'
        window.quit_app()  # type: ignore[attr-defined]

    QTimer.singleShot(int((seconds - 2.0) * 1000), prepare)
    QTimer.singleShot(int(seconds * 1000), shoot)
    return run_app(demo=True)


if __name__ == "__main__":
    sys.exit(main())
