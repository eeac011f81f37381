"""Desktop notifications from the window: the user's settings, and what a click does.

The notifier itself lives in the service (`taskmon run --notify` sends the same
ones); here it gets the window's actions: a click on a notification opens the
task in the window, Open hands a media result to its default application
(only when its bytes are media), Show in folder opens its folder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QUrl
from PySide6.QtGui import QDesktopServices

from taskmon.downloads import open_refusal
from taskmon.service import (
    Announcement,
    DesktopNotices,
    NoticeActions,
    Sender,
    TaskNotifier,
)
from taskmon.ui.bridge import EngineBridge
from taskmon.ui.settings.notification_page import notify_settings, share_notify_settings

if TYPE_CHECKING:
    from taskmon.ui.window import MainWindow


class WindowNotices:
    """The window's notifier and sender; `aclose()` when the window goes."""

    def __init__(
        self,
        window: MainWindow,
        bridge: EngineBridge,
        settings: QSettings,
        show_tasks: Callable[[Sequence[str]], None],
        fallback: Callable[[str, str], None] | None = None,
        sender: Sender | None = None,
    ) -> None:
        """`sender`: where announcements go (default: the desktop's notification service)."""
        self._window = window
        self._fallback = fallback
        actions = NoticeActions(self.open_file, self.show_in_folder, show_tasks)
        self.sender: Sender = sender or DesktopNotices(actions)
        self.notifier = TaskNotifier(
            self.sender,
            lambda: notify_settings(settings),
            views=bridge.tasks,
            suppressed=self.looking_at,
            fallback=self._unsent,
        )
        bridge.service.subscribe(self.notifier)
        share_notify_settings(bridge.service, settings)  # those chosen before it was shared

    def looking_at(self, key: str) -> bool:
        """Whether the user is looking at that very task in the window right now."""
        window = self._window
        if not window.isVisible() or not window.isActiveWindow() or window.isMinimized():
            return False
        current = window.details.current()
        return current is not None and current.key == key

    def open_file(self, path: str) -> None:
        open_paths = self._results_action("open_paths")
        if open_paths is not None:
            open_paths([path])
            return
        refusal = open_refusal(path)
        if refusal is not None:
            self._window.statusBar().showMessage(f"Not opened: {refusal}", 8000)
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(path))

    def show_in_folder(self, path: str) -> None:
        reveal_paths = self._results_action("reveal_paths")
        if reveal_paths is not None:
            reveal_paths([path])  # selects the file
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))

    def _results_action(self, name: str) -> Callable[[list[str]], object] | None:
        """The window's own result action `name`, where it has them (issue 12's)."""
        method = getattr(getattr(self._window, "results", None), name, None)
        return method if callable(method) else None

    async def say(self, summary: str, body: str) -> None:
        """A notification of the window's own (not about tasks): Show brings it back."""
        announcement = Announcement(summary, body, (), False)
        if not await self.sender.show(announcement):
            self._unsent(announcement)

    def _unsent(self, announcement: Announcement) -> None:
        if self._fallback is not None:
            self._fallback(announcement.summary, announcement.body)

    async def aclose(self) -> None:
        await self.notifier.aclose()
        if isinstance(self.sender, DesktopNotices):
            await self.sender.aclose()
