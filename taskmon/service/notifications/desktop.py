"""Announcements through the platform's notification service (desktop-notifier).

freedesktop D-Bus on Linux, the notification centres on macOS and Windows. The
actions are the front end's: the window opens a task; headless, only Open and
Show in folder are offered. A summary that replaces an earlier one of its burst
closes that one first (desktop-notifier sends no `replaces_id`), so they never
stack.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskmon.downloads import open_refusal, sniff_media_kind
from taskmon.service.notifications.batching import Announcement

log = logging.getLogger(__name__)

APP_NAME = "taskmon"
OPEN = "open"  # action identifiers, as they go over D-Bus
SHOW_IN_FOLDER = "show-in-folder"
SHOW = "show"


class _SendFailures(logging.Handler):
    """desktop-notifier logs a failed send (with its traceback) instead of raising: its
    reason is kept here, and said once by taskmon rather than per notification."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.last: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        self.last = str(error) if error is not None else record.getMessage()


_failures = _SendFailures()


def _catch_send_failures() -> None:
    library_log = logging.getLogger("desktop_notifier")
    if _failures not in library_log.handlers:
        library_log.addHandler(_failures)
        library_log.propagate = False


@dataclass(frozen=True, slots=True)
class NoticeActions:
    """What a notification's buttons and a click on it do."""

    open_file: Callable[[str], object]
    show_in_folder: Callable[[str], object]
    show_tasks: Callable[[Sequence[str]], object] | None = None  # None: no window to show


@dataclass(frozen=True, slots=True)
class Buttons:
    """Which actions one announcement offers (worked out off the loop: it reads files)."""

    open_path: str | None  # a result that may be opened (media by its bytes)
    folder_path: str | None
    image: str | None  # a result that is an image: the notification's picture


def buttons_for(announcement: Announcement) -> Buttons:
    """Open and Show in folder for a single task with a saved result; its image, if any."""
    notice = announcement.single
    if notice is None or not notice.files:
        return Buttons(None, None, None)
    first = notice.files[0]
    if not Path(first).is_file():
        return Buttons(None, None, None)
    openable = first if open_refusal(first) is None else None
    image = first if openable is not None and sniff_media_kind(first) == "image" else None
    return Buttons(openable, first, image)


def app_icon_path() -> Path | None:
    """taskmon's own icon, as installed with the package."""
    try:
        icon = importlib.resources.files("taskmon.resources") / "taskmon.svg"
    except ModuleNotFoundError:
        return None
    return Path(str(icon)) if icon.is_file() else None


class DesktopNotices:
    """Sends announcements; `problem` says why when the platform has no notification service."""

    def __init__(self, actions: NoticeActions) -> None:
        self._actions = actions
        self._notifier: Any = None  # DesktopNotifier, imported when first needed
        self._previous: str | None = None  # the last summary's identifier
        self.problem: str | None = None
        self.sent = 0

    async def show(self, announcement: Announcement, *, sound: bool = False) -> bool:
        """Show `announcement`; False when it could not be sent (see `problem`)."""
        from desktop_notifier import Button, DesktopNotifier, Icon, Notification
        from desktop_notifier.common import DEFAULT_SOUND, Attachment

        buttons = await asyncio.to_thread(buttons_for, announcement)
        _catch_send_failures()
        if self._notifier is None:
            icon = app_icon_path()
            self._notifier = DesktopNotifier(
                app_name=APP_NAME, app_icon=Icon(path=icon) if icon else None
            )
        actions = self._actions
        keys = announcement.keys
        choices: list[Button] = []
        if buttons.open_path is not None:
            path = buttons.open_path
            choices.append(Button("Open", lambda: actions.open_file(path), identifier=OPEN))
        if buttons.folder_path is not None:
            folder = buttons.folder_path
            choices.append(
                Button(
                    "Show in folder",
                    lambda: actions.show_in_folder(folder),
                    identifier=SHOW_IN_FOLDER,
                )
            )
        show_tasks = actions.show_tasks
        if show_tasks is not None and not choices:
            choices.append(Button("Show", lambda: show_tasks(keys), identifier=SHOW))
        dispatched: list[bool] = []
        notification = Notification(
            title=announcement.summary,
            on_dispatched=lambda: dispatched.append(True),
            message=announcement.body,
            buttons=tuple(choices),
            on_clicked=(lambda: show_tasks(keys)) if show_tasks is not None else None,
            icon=Icon(path=Path(buttons.image)) if buttons.image else None,
            attachment=Attachment(path=Path(buttons.image)) if buttons.image else None,
            sound=DEFAULT_SOUND if sound else None,
        )
        if announcement.replaces_previous and self._previous is not None:
            with contextlib.suppress(Exception):  # closed already by the user or the server
                await self._notifier.clear(self._previous)
        _failures.last = None
        try:
            identifier = await self._notifier.send_notification(notification)
        except Exception as exc:  # not raised by 6.x (it logs), but an OS error may be
            _failures.last = str(exc) or type(exc).__name__
        if not dispatched:
            reason = _failures.last or "no notification service answered"
            self.problem = f"cannot send desktop notifications: {reason}"
            log.warning("%s", self.problem)
            return False
        self.problem = None
        self.sent += 1
        self._previous = identifier if announcement.single is None else None
        return True

    async def aclose(self) -> None:
        """Close the connection to the notification service (D-Bus)."""
        notifier, self._notifier = self._notifier, None
        # desktop-notifier has no close of its own; its D-Bus backend keeps `bus`.
        bus = getattr(getattr(notifier, "_backend", None), "bus", None)
        if bus is not None:
            bus.disconnect()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2.0):
                    await bus.wait_for_disconnect()
