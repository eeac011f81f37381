"""Show in folder: open the file manager with the result files selected.

Linux: `org.freedesktop.FileManager1.ShowItems(as uris, s startup_id)` on the
session bus (Nautilus, Dolphin, Nemo, Caja, Thunar… implement it). Windows:
`explorer /select,<path>`; macOS: `open -R <path>` (one file; the first).
When none of that works the folder is opened; when that fails too, a notice
gives the path.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from PySide6.QtCore import QObject, QProcess, QUrl
from PySide6.QtDBus import QDBusConnection, QDBusMessage, QDBusPendingCall, QDBusPendingCallWatcher
from PySide6.QtWidgets import QWidget

from taskmon.ui.results_actions.opening import open_folder

FILE_MANAGER_SERVICE: Final = "org.freedesktop.FileManager1"
FILE_MANAGER_PATH: Final = "/org/freedesktop/FileManager1"
FILE_MANAGER_INTERFACE: Final = "org.freedesktop.FileManager1"
DBUS_TIMEOUT_MS: Final = 5000


def select_command(platform: str, paths: Sequence[str]) -> tuple[str, list[str]] | None:
    """The program and arguments that show `paths` selected, or None: use D-Bus (Linux…).

    As qBittorrent does it: `/select,` and the path are two arguments, so
    QProcess quotes a path with spaces on its own.
    """
    if not paths:
        return None
    if platform == "win32":
        return "explorer.exe", ["/select,", str(Path(paths[0]))]
    if platform == "darwin":
        return "open", ["-R", *paths]
    return None


def show_items_message(paths: Sequence[str], startup_id: str = "") -> QDBusMessage:
    """The ShowItems call: the files as `file://` URIs (an array of strings) and a startup ID."""
    message = QDBusMessage.createMethodCall(
        FILE_MANAGER_SERVICE, FILE_MANAGER_PATH, FILE_MANAGER_INTERFACE, "ShowItems"
    )
    uris = [
        QUrl.fromLocalFile(p).toString(QUrl.ComponentFormattingOption.FullyEncoded) for p in paths
    ]
    message.setArguments([uris, startup_id])  # a list of str goes out as `as`
    return message


class FolderRevealer(QObject):
    """Shows files selected in the file manager; `done(str)` says how (for the status bar)."""

    def __init__(
        self,
        parent: QWidget,
        bus: Callable[[], QDBusConnection] = QDBusConnection.sessionBus,
        platform: str = sys.platform,
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self.bus = bus  # a callable: tests hand in a private bus
        self._platform = platform
        self._watchers: set[QDBusPendingCallWatcher] = set()
        self.last_notice: object | None = None
        self.on_shown: Callable[[str], None] = lambda _words: None

    def reveal(self, paths: Sequence[str]) -> None:
        if not paths:
            return
        command = select_command(self._platform, paths)
        if command is not None:
            started, _pid = QProcess.startDetached(command[0], command[1])
            if started:
                self.on_shown(f"Shown in the file manager: {Path(paths[0]).name}")
            else:
                self._open_folder(paths)
            return
        bus = self.bus()
        if not bus.isConnected():
            self._open_folder(paths)
            return
        pending: QDBusPendingCall = bus.asyncCall(show_items_message(paths), DBUS_TIMEOUT_MS)
        watcher = QDBusPendingCallWatcher(pending, self)
        self._watchers.add(watcher)
        watcher.finished.connect(lambda w=watcher, p=list(paths): self._answered(w, p))

    def _answered(self, watcher: QDBusPendingCallWatcher, paths: list[str]) -> None:
        self._watchers.discard(watcher)
        reply = watcher.reply()
        watcher.deleteLater()
        if reply.type() == QDBusMessage.MessageType.ErrorMessage:
            self._open_folder(paths)  # no FileManager1 on this desktop
            return
        self.on_shown(f"Shown in the file manager: {Path(paths[0]).name}")

    def _open_folder(self, paths: Sequence[str]) -> None:
        folder = str(Path(paths[0]).parent)
        self.last_notice = open_folder(self._parent, folder)
        if self.last_notice is None:
            self.on_shown(f"Opened the folder {folder}")
