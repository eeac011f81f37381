"""The tray icon: running count at a glance, and a menu to reach everything.

Menu: Show / Hide window, Pause polling / Resume, the last five completions
(click: the window opens on that task), Add tasks from clipboard, Quit. A left
click toggles the window.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from taskmon.ui import icons
from taskmon.ui.tray import status
from taskmon.ui.tray.pause import PauseControl

if TYPE_CHECKING:
    from taskmon.ui.window import MainWindow

REFRESH_MS: Final = 1000  # the icon and tooltip follow task changes at most this often


class TrayIcon(QObject):
    """A QSystemTrayIcon for the window; only made where a tray exists."""

    def __init__(
        self,
        window: MainWindow,
        pause: PauseControl,
        show_task: Callable[[str], None],
        quit_app: Callable[[], None],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._pause = pause
        self._show_task = show_task
        self._running = -1
        self._paused = False
        self.icon = QSystemTrayIcon(icons.app_icon(), self)
        self.icon.setObjectName("trayIcon")
        self.menu = QMenu()
        self.menu.setObjectName("trayMenu")
        self.toggle_action = QAction("Show window", self.menu)
        self.toggle_action.triggered.connect(self.toggle_window)
        self.menu.addAction(self.toggle_action)
        self.menu.addAction(pause.action)
        self.menu.addSeparator()
        self.recent_header = self.menu.addSection("Last finished")
        self.recent_actions: list[QAction] = []
        self.recent_end = self.menu.addSeparator()
        self.clipboard_action = QAction("Add tasks from clipboard", self.menu)
        self.clipboard_action.triggered.connect(self.add_from_clipboard)
        self.menu.addAction(self.clipboard_action)
        self.quit_action = QAction("Quit", self.menu)
        self.quit_action.triggered.connect(quit_app)
        self.menu.addAction(self.quit_action)
        self.menu.aboutToShow.connect(self.refresh_menu)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self.refresh)
        window.bridge.tasksChanged.connect(self._soon)
        window.bridge.tasksRemoved.connect(self._soon)
        pause.pausedChanged.connect(lambda _p: self.refresh())
        self.refresh()
        self.refresh_menu()

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    def _soon(self, _changed: object = None) -> None:
        if not self._refresh.isActive():
            self._refresh.start()

    def refresh(self) -> None:
        """Icon and tooltip from the tasks as the window shows them."""
        views = self._window.model.views()
        running = sum(1 for v in views if status.is_active(v))
        paused = self._pause.paused
        if (running, paused) != (self._running, self._paused):
            self._running, self._paused = running, paused
            self.icon.setIcon(status.tray_icon(icons.app_icon(), running, paused))
        self.icon.setToolTip(status.tooltip(views, datetime.now(UTC), paused))

    def refresh_menu(self) -> None:
        """Show or Hide, and the last five completions, as they are now."""
        visible = self._window.isVisible() and not self._window.isMinimized()
        self.toggle_action.setText("Hide window" if visible else "Show window")
        for action in self.recent_actions:
            self.menu.removeAction(action)
            action.deleteLater()
        self.recent_actions = []
        recent = status.recent_completions(self._window.model.views())
        for view in recent:
            name = view.label or view.ref.task_id
            if len(name) > 48:
                name = name[:47] + "…"
            action = QAction(icons.state_icon(view.state), f"{name} — {view.state.value}")
            action.setParent(self.menu)
            key = view.key
            action.triggered.connect(lambda _c=False, key=key: self._show_task(key))
            self.menu.insertAction(self.recent_end, action)
            self.recent_actions.append(action)
        if not recent:
            none = QAction("Nothing finished yet", self.menu)
            none.setEnabled(False)
            self.menu.insertAction(self.recent_end, none)
            self.recent_actions.append(none)

    def toggle_window(self) -> None:
        window = self._window
        if window.isVisible() and not window.isMinimized():
            window.hide()
        else:
            window.bring_to_front()

    def add_from_clipboard(self) -> None:
        text = QGuiApplication.clipboard().text()
        self._window.bring_to_front()
        if text.strip():
            self._window.add_text(text)
        else:
            self._window.statusBar().showMessage("The clipboard holds no text to add", 4000)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:  # a left click
            self.toggle_window()
