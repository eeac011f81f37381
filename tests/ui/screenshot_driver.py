"""Runs the real app (`taskmon --demo`), saves a screenshot after a while, then quits.

Used by test_screenshot.py as a child process on a real X server:
    python screenshot_driver.py OUT.png SECONDS
The window is grabbed from the screen (what a person would see), and the
driver quits the app through its own Quit action, so shutdown is tested too.
Desktop notifications are switched off in the window's settings as soon as it
shows: without a notification service Qt draws its own balloon, which would sit
over the window in the picture.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
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

    def mute_notifications() -> None:
        """Before the first task ends (about 6 s into the demo); until the window shows, again."""
        window = main_window()
        if window is None:
            QTimer.singleShot(50, mute_notifications)
            return
        for kind in ("succeeded", "failed", "at_risk"):
            window.settings.setValue(f"notify/{kind}", False)  # type: ignore[attr-defined]

    def prepare() -> None:
        """As a person would look: a finished task selected, its details open."""
        window = main_window()
        if window is None:
            return
        window.resize(1600, 900)
        model = window.proxy  # type: ignore[attr-defined]
        for row in range(model.rowCount()):
            if model.index(row, 5).data() == "succeeded":
                window.table.selectRow(row)  # type: ignore[attr-defined]
                break
        window.show_details(True)  # type: ignore[attr-defined]

    def shoot() -> None:
        for widget in app.topLevelWidgets():
            if widget.objectName() == "mainWindow" and widget.isVisible():
                screen = QGuiApplication.primaryScreen()
                shot = screen.grabWindow(widget.winId())
                if shot.isNull():  # some servers refuse window grabs: draw it ourselves
                    shot = widget.grab()
                shot.save(out)
                print(f"saved {out}", flush=True)
                # Demo tasks still run: Quit would ask first (tests/ui/test_tray.py checks that).
                widget.confirm_quit = None  # type: ignore[attr-defined]
                widget.quit_app()  # type: ignore[attr-defined]
                return
        print("no visible main window", file=sys.stderr, flush=True)
        app.exit(1)

    QTimer.singleShot(0, mute_notifications)
    QTimer.singleShot(int((seconds - 1.5) * 1000), prepare)
    QTimer.singleShot(int(seconds * 1000), shoot)
    return run_app(demo=True)


if __name__ == "__main__":
    sys.exit(main())
