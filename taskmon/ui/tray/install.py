"""`install_tray(window)`: the tray, notifications, pause and background rules, in a few hooks.

The window knows none of this: it offers `close_handler` and `confirm_quit`
hooks, and everything else is added from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QSystemTrayIcon, QToolBar

from taskmon.service import Sender
from taskmon.ui.bridge import EngineBridge
from taskmon.ui.tray.background import Background
from taskmon.ui.tray.pause import PauseControl
from taskmon.ui.tray.tray_icon import TrayIcon
from taskmon.ui.tray.window_notices import WindowNotices

if TYPE_CHECKING:
    from taskmon.ui.window import MainWindow


def show_task(window: MainWindow, key: str) -> None:
    """Bring the window forward on one task: selected, its details open (and its quick look,
    where the window has one)."""
    window.bring_to_front()
    row = window.model.row_of(key)
    if row is None:
        window.statusBar().showMessage("That task is no longer tracked", 6000)
        return
    if not window.proxy.mapFromSource(window.model.index(row, 0)).isValid():
        # A filter hides it: show everything rather than nothing.
        window.filter_bar.set_chip("All")
        window.filter_bar.set_provider("")
        window.filter_bar.search.setText("")
    window._select_keys({key})
    window.show_details(True)
    # The preview too, where the window has quick look (its result actions, issue 12).
    quick_look = getattr(getattr(window, "results", None), "quick_look", None)
    view = window.model.view_at(row)
    if callable(quick_look) and view.files:
        quick_look(view)


def show_tasks(window: MainWindow, keys: Sequence[str]) -> None:
    """The window, with `keys` selected (one: as `show_task`)."""
    if len(keys) == 1:
        show_task(window, keys[0])
        return
    window.bring_to_front()
    if keys:
        window._select_keys(set(keys))


class TrayFeatures:
    """What install_tray added; `aclose()` before the service stops."""

    def __init__(
        self,
        window: MainWindow,
        bridge: EngineBridge,
        settings: QSettings,
        tray_available: bool | None = None,
        sender: Sender | None = None,
    ) -> None:
        self.pause = PauseControl(window, bridge)
        toolbar = window.findChild(QToolBar, "actionsToolbar")
        if toolbar is not None:
            toolbar.insertAction(window.settings_action, self.pause.action)
        if tray_available is None:
            tray_available = QSystemTrayIcon.isSystemTrayAvailable()
        self.tray = (
            TrayIcon(window, self.pause, lambda key: show_task(window, key), window.quit_app)
            if tray_available
            else None
        )
        fallback = None
        if self.tray is not None:
            icon = self.tray.icon
            fallback = lambda title, body: icon.showMessage(title, body)  # noqa: E731
        self.notices = WindowNotices(
            window, bridge, settings, lambda keys: show_tasks(window, keys), fallback, sender
        )
        self.background = Background(
            window,
            settings,
            self.tray.icon if self.tray is not None else None,
            lambda title, body: bridge.run(self.notices.say(title, body)),
        )
        window.close_handler = self.background.on_close
        window.confirm_quit = self.background.confirm_quit
        if self.tray is not None:
            self.tray.show()

    async def aclose(self) -> None:
        if self.tray is not None:
            self.tray.hide()
        await self.notices.aclose()


def install_tray(
    window: MainWindow,
    bridge: EngineBridge,
    settings: QSettings,
    tray_available: bool | None = None,
    sender: Sender | None = None,
) -> TrayFeatures:
    """Add the tray (where one exists), notifications, Pause polling and the close rules.

    `tray_available` and `sender` are for tests (default: ask Qt; the desktop's service)."""
    return TrayFeatures(window, bridge, settings, tray_available, sender)
