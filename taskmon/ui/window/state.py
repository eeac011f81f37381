"""The main window's life: bringing it forward, Quit, closing (to the background or
the tray), and keeping its geometry, splitter, header and filters across runs.

A mixin of `MainWindow` (ui/window/main_window.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QCheckBox, QMainWindow, QMessageBox, QSplitter

from taskmon.domain import counted

if TYPE_CHECKING:
    from taskmon.ui.adding.clipboard_watch import ClipboardWatcher
    from taskmon.ui.filter_bar import FilterBar
    from taskmon.ui.table.task_model import TaskTableModel
    from taskmon.ui.table.task_table import TaskTable

if TYPE_CHECKING:  # the mixin's methods run on the MainWindow, a QMainWindow
    _Base = QMainWindow
else:
    _Base = object

SETTINGS_VERSION: Final = 1


class WindowState(_Base):
    """Close, Quit and the settings the window restores at start."""

    settings: QSettings
    relaunch_command: str
    quit_requested: Callable[[], None]
    close_handler: Callable[[QCloseEvent], bool] | None
    confirm_quit: Callable[[], bool] | None
    model: TaskTableModel
    table: TaskTable
    splitter: QSplitter
    filter_bar: FilterBar
    clipboard_watcher: ClipboardWatcher

    if TYPE_CHECKING:

        def details_shown(self) -> bool: ...  # MainWindow
        def _restore_details(self, visible: bool) -> None: ...  # MainWindow

    def bring_to_front(self) -> None:
        self.show()
        self.setWindowState(
            (self.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive
        )
        self.raise_()
        self.activateWindow()

    def quit_app(self) -> None:
        self._save()
        if self.confirm_quit is None or self.confirm_quit():
            self.quit_requested()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._save()
        if self.close_handler is not None and self.close_handler(event):
            return
        active = [v for v in self.model.views() if not v.state.is_terminal or v.downloads_pending]
        choice = self.settings.value("close/choice", "", str)
        if active and choice not in ("background", "quit"):
            choice = self._ask_on_close(len(active))
        if choice == "cancel":
            event.ignore()
            return
        event.accept()
        if choice == "background" and active:
            self.hide()
            self.statusBar().showMessage("Polling goes on in the background")
        else:
            self.quit_requested()

    def _ask_on_close(self, active: int) -> str:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Tasks are still running")
        box.setText(f"{counted(active, 'task is', 'tasks are')} still running or saving results.")
        box.setInformativeText(
            "Keep tracking them in the background? "
            f"Run {self.relaunch_command} again to bring this window back."
        )
        keep = box.addButton("Keep polling", QMessageBox.ButtonRole.AcceptRole)
        quit_button = box.addButton("Quit", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        remember = QCheckBox("Don't ask again", box)
        box.setCheckBox(remember)
        box.setDefaultButton(keep)
        box.exec()
        clicked = box.clickedButton()
        choice = "background" if clicked is keep else "quit" if clicked is quit_button else "cancel"
        if remember.isChecked() and choice != "cancel":
            self.settings.setValue("close/choice", choice)
        return choice

    # -- persistence -------------------------------------------------------------------

    def _save(self) -> None:
        s = self.settings
        s.setValue("window/version", SETTINGS_VERSION)
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("window/header", self.table.horizontalHeader().saveState())
        s.setValue("window/columns_auto", self.table.auto_columns)
        s.setValue("window/details", self.details_shown())
        s.setValue("filter/chip", self.filter_bar.chip())
        s.setValue("filter/provider", self.filter_bar.provider())
        s.setValue("filter/text", self.filter_bar.search.text())
        s.sync()

    def _restore(self) -> None:
        s = self.settings
        if s.value("window/version", 0, int) == SETTINGS_VERSION:
            for key, restore in (
                ("window/geometry", self.restoreGeometry),
                ("window/state", self.restoreState),
                ("window/splitter", self.splitter.restoreState),
                ("window/header", self.table.horizontalHeader().restoreState),
            ):
                value = s.value(key)
                if isinstance(value, QByteArray | bytes):
                    restore(QByteArray(value))
        else:
            self.splitter.setSizes([1080, 360])
        self.table.auto_columns = bool(s.value("window/columns_auto", True, bool))
        self.table.fit_columns()
        self._restore_details(bool(s.value("window/details", False, bool)))
        self.filter_bar.set_chip(str(s.value("filter/chip", "All", str)))
        self.filter_bar.set_provider(str(s.value("filter/provider", "", str)))
        self.filter_bar.search.setText(str(s.value("filter/text", "", str)))
        self.clipboard_watcher.set_enabled(bool(s.value("clipboard/watch", False, bool)))
