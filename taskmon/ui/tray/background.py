"""Closing and quitting: tracking goes on from the tray, and Quit asks while tasks run.

Closing the window with a tray keeps tracking from the tray (a notification says
so, once). Without a tray the window is minimized instead, and says why. Quit
(Ctrl+Q, the tray menu) with tasks running asks first, and can remember the
answer. The user's older choice "Quit" on close (Settings) still quits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QSettings
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QCheckBox, QMessageBox, QSystemTrayIcon

from taskmon.domain import counted
from taskmon.ui.tray.status import is_active

if TYPE_CHECKING:
    from taskmon.ui.window import MainWindow

TOLD_KEY: Final = "tray/told_background"
ASK_QUIT_KEY: Final = "quit/ask_while_running"
NO_TRAY_WHY: Final = (
    "Minimized instead of closed: there is no system tray here to keep taskmon in, "
    "and tasks are still being tracked. Quit with Ctrl+Q."
)


class Background:
    """The window's close and quit rules once the tray is installed."""

    def __init__(
        self,
        window: MainWindow,
        settings: QSettings,
        tray: QSystemTrayIcon | None,
        say: Callable[[str, str], object],
    ) -> None:
        self._window = window
        self._settings = settings
        self._tray = tray
        self._say = say  # a notification of the window's own

    def active(self) -> int:
        return sum(1 for v in self._window.model.views() if is_active(v))

    def tray_shown(self) -> bool:
        return self._tray is not None and self._tray.isVisible()

    def on_close(self, event: QCloseEvent) -> bool:
        """Handle the window's close; False leaves it to the window's own rules."""
        if self._settings.value("close/choice", "", str) == "quit":
            return False
        if self.tray_shown():
            event.ignore()
            self._window.hide()
            if not self._settings.value(TOLD_KEY, False, bool):
                self._settings.setValue(TOLD_KEY, True)
                self._say(
                    "taskmon keeps tracking in the background",
                    "Its icon is in the system tray: click it to bring the window back, "
                    "or use its menu to quit.",
                )
            return True
        if not self.active():
            return False  # nothing to keep tracking: close as usual
        event.ignore()
        self._window.showMinimized()
        self._window.statusBar().showMessage(NO_TRAY_WHY)
        return True

    def confirm_quit(self) -> bool:
        """Whether to quit now: asks while tasks run, unless told not to ask again."""
        running = self.active()
        if not running or not self._settings.value(ASK_QUIT_KEY, True, bool):
            return True
        window = self._window
        if not window.isVisible():
            window.bring_to_front()  # the question needs its window
        box = QMessageBox(window)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Quit taskmon?")
        box.setText(f"{counted(running, 'task is', 'tasks are')} still running or saving results.")
        box.setInformativeText(
            "Nothing is looked at while taskmon is closed; the next start picks every "
            "task up again where it was."
        )
        quit_button = box.addButton("Quit", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        remember = QCheckBox("Don't ask again", box)
        box.setCheckBox(remember)
        box.setDefaultButton(quit_button)
        box.exec()
        if box.clickedButton() is not quit_button:
            return False
        if remember.isChecked():
            self._settings.setValue(ASK_QUIT_KEY, False)
        return True
