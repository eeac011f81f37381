"""What `taskmon run` and the window share: the tracking service and its data dir."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskmon.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from taskmon.service.autostart import (
        autostart_path,
        desktop_entry,
        is_autostart_enabled,
        launch_agent_plist,
        launch_command,
        set_autostart,
        windows_run_command,
    )
    from taskmon.service.data_paths import (
        cache_dir,
        data_dir,
        db_path,
        ensure_data_dir,
        task_cache_dir,
    )
    from taskmon.service.event_persistence import EventPersistence
    from taskmon.service.handover import (
        Command,
        HandoverServer,
        Holder,
        HolderRole,
        asend_to_holder,
        send_to_holder,
    )
    from taskmon.service.install_checks import (
        CheckResult,
        CheckStatus,
        check_data_dir,
        check_keyring,
        check_notifications,
        check_simulator,
    )
    from taskmon.service.instance_lock import AlreadyTracking, InstanceLock
    from taskmon.service.key_check import KeyCheck, KeyVerdict
    from taskmon.service.notifications import (
        Announcement,
        DesktopNotices,
        NoticeActions,
        NoticeKind,
        NotifySettings,
        Sender,
        TaskNotifier,
        open_result,
        show_in_folder,
    )
    from taskmon.service.results.result_progress import download_progress
    from taskmon.service.results.result_saving import (
        AutoSaver,
        SaveReport,
        SaveTarget,
        save_stored_results,
    )
    from taskmon.service.results.save_folder import read_save_folder, write_save_folder
    from taskmon.service.results.tracked_saving import (
        AutoSaveSwitch,
        save_tracked_results,
        suggested_name,
    )
    from taskmon.service.tls_check import check_tls
    from taskmon.service.tracking_service import RemoveResult, TrackingService

_EXPORTS = {
    "autostart_path": "autostart",
    "desktop_entry": "autostart",
    "is_autostart_enabled": "autostart",
    "launch_agent_plist": "autostart",
    "launch_command": "autostart",
    "set_autostart": "autostart",
    "windows_run_command": "autostart",
    "TrackingService": "tracking_service",
    "RemoveResult": "tracking_service",
    "task_cache_dir": "data_paths",
    "EventPersistence": "event_persistence",
    "data_dir": "data_paths",
    "db_path": "data_paths",
    "cache_dir": "data_paths",
    "ensure_data_dir": "data_paths",
    "Command": "handover",
    "HolderRole": "handover",
    "Holder": "handover",
    "HandoverServer": "handover",
    "send_to_holder": "handover",
    "asend_to_holder": "handover",
    "InstanceLock": "instance_lock",
    "AlreadyTracking": "instance_lock",
    "KeyCheck": "key_check",
    "KeyVerdict": "key_check",
    "AutoSaver": "results.result_saving",
    "SaveReport": "results.result_saving",
    "SaveTarget": "results.result_saving",
    "save_stored_results": "results.result_saving",
    "read_save_folder": "results.save_folder",
    "write_save_folder": "results.save_folder",
    "CheckResult": "install_checks",
    "CheckStatus": "install_checks",
    "check_data_dir": "install_checks",
    "check_keyring": "install_checks",
    "check_notifications": "install_checks",
    "check_simulator": "install_checks",
    "check_tls": "tls_check",
    "Announcement": "notifications",
    "DesktopNotices": "notifications",
    "NoticeActions": "notifications",
    "NoticeKind": "notifications",
    "NotifySettings": "notifications",
    "TaskNotifier": "notifications",
    "Sender": "notifications",
    "open_result": "notifications",
    "show_in_folder": "notifications",
    "AutoSaveSwitch": "results.tracked_saving",
    "save_tracked_results": "results.tracked_saving",
    "suggested_name": "results.tracked_saving",
    "download_progress": "results.result_progress",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = [
    "AlreadyTracking",
    "Announcement",
    "AutoSaveSwitch",
    "AutoSaver",
    "CheckResult",
    "CheckStatus",
    "Command",
    "DesktopNotices",
    "EventPersistence",
    "HandoverServer",
    "Holder",
    "HolderRole",
    "InstanceLock",
    "KeyCheck",
    "KeyVerdict",
    "NoticeActions",
    "NoticeKind",
    "NotifySettings",
    "RemoveResult",
    "SaveReport",
    "SaveTarget",
    "Sender",
    "TaskNotifier",
    "TrackingService",
    "asend_to_holder",
    "autostart_path",
    "cache_dir",
    "check_data_dir",
    "check_keyring",
    "check_notifications",
    "check_simulator",
    "check_tls",
    "data_dir",
    "db_path",
    "desktop_entry",
    "download_progress",
    "ensure_data_dir",
    "is_autostart_enabled",
    "launch_agent_plist",
    "launch_command",
    "open_result",
    "read_save_folder",
    "save_stored_results",
    "save_tracked_results",
    "send_to_holder",
    "set_autostart",
    "show_in_folder",
    "suggested_name",
    "task_cache_dir",
    "windows_run_command",
    "write_save_folder",
]
