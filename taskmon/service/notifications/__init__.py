"""Desktop notifications of tasks that end: rules, batching and the platform's service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskmon.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from taskmon.service.notifications.batching import Announcement, NoticeBatcher, announcement
    from taskmon.service.notifications.desktop import DesktopNotices, NoticeActions
    from taskmon.service.notifications.notifier import Sender, TaskNotifier
    from taskmon.service.notifications.opener import open_result, show_in_folder
    from taskmon.service.notifications.rules import (
        Notice,
        NoticeKind,
        NoticeRules,
        NotifySettings,
    )
    from taskmon.service.notifications.shared_settings import (
        SharedNotifySettings,
        read_notify_settings,
        write_notify_settings,
    )

_EXPORTS = {
    "Announcement": "batching",
    "NoticeBatcher": "batching",
    "announcement": "batching",
    "DesktopNotices": "desktop",
    "NoticeActions": "desktop",
    "TaskNotifier": "notifier",
    "Sender": "notifier",
    "open_result": "opener",
    "show_in_folder": "opener",
    "Notice": "rules",
    "NoticeKind": "rules",
    "NoticeRules": "rules",
    "NotifySettings": "rules",
    "SharedNotifySettings": "shared_settings",
    "read_notify_settings": "shared_settings",
    "write_notify_settings": "shared_settings",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = [
    "Announcement",
    "DesktopNotices",
    "Notice",
    "NoticeActions",
    "NoticeBatcher",
    "NoticeKind",
    "NoticeRules",
    "NotifySettings",
    "Sender",
    "SharedNotifySettings",
    "TaskNotifier",
    "announcement",
    "open_result",
    "read_notify_settings",
    "show_in_folder",
    "write_notify_settings",
]
