"""Runs the real app (`taskmon --demo`), switches to the grid with Ctrl+2, saves a screenshot.

Used by test_grid_screenshot.py as a child process on a real X server:
    python grid_screenshot_driver.py OUT.png SECONDS
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from taskmon.ui.app import run_app


def main() -> int:
    out, seconds = sys.argv[1], float(sys.argv[2])
    app = QApplication(sys.argv[:1])

    def main_window() -> QWidget | None:
        for widget in app.topLevelWidgets():
            if widget.objectName() == "mainWindow" and widget.isVisible():
                return widget
        return None

    def prepare() -> None:
        window = main_window()
        if window is None:
            return
        window.resize(1400, 860)
        window.activateWindow()  # shortcuts reach the active window only

    def switch() -> None:
        window = main_window()
        if window is None:
            return
        # The key a person presses (the window's shortcut), not a method call.
        QTest.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)

    def shoot() -> None:
        window = main_window()
        if window is None:
            print("no visible main window", file=sys.stderr, flush=True)
            app.exit(1)
            return
        mode = window.views.mode()  # type: ignore[attr-defined]
        shot = QGuiApplication.primaryScreen().grabWindow(window.winId())
        if shot.isNull():
            shot = window.grab()
        shot.save(out)
        print(f"saved {out} in {mode} mode", flush=True)
        window.confirm_quit = None  # type: ignore[attr-defined]  # no 'tasks run: quit?'
        window.quit_app()  # type: ignore[attr-defined]

    QTimer.singleShot(int((seconds - 4) * 1000), prepare)
    QTimer.singleShot(int((seconds - 2) * 1000), switch)
    QTimer.singleShot(int(seconds * 1000), shoot)
    return run_app(demo=True)


if __name__ == "__main__":
    sys.exit(main())
