"""What `taskmon run` and the window share: the tracking service and its data dir."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskmon.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from taskmon.service.data_paths import cache_dir, data_dir, db_path, ensure_data_dir
    from taskmon.service.event_persistence import EventPersistence
    from taskmon.service.handover import (
        Command,
        HandoverServer,
        Holder,
        HolderRole,
        asend_to_holder,
        send_to_holder,
    )
    from taskmon.service.instance_lock import AlreadyTracking, InstanceLock
    from taskmon.service.key_check import KeyCheck, KeyVerdict
    from taskmon.service.result_progress import download_progress
    from taskmon.service.result_saving import (
        AutoSaver,
        SaveReport,
        SaveTarget,
        save_stored_results,
    )
    from taskmon.service.tracked_saving import (
        AutoSaveSwitch,
        save_tracked_results,
        suggested_name,
    )
    from taskmon.service.tracking_service import RemoveResult, TrackingService, task_cache_dir

_EXPORTS = {
    "TrackingService": "tracking_service",
    "RemoveResult": "tracking_service",
    "task_cache_dir": "tracking_service",
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
    "AutoSaver": "result_saving",
    "SaveReport": "result_saving",
    "SaveTarget": "result_saving",
    "save_stored_results": "result_saving",
    "AutoSaveSwitch": "tracked_saving",
    "save_tracked_results": "tracked_saving",
    "suggested_name": "tracked_saving",
    "download_progress": "result_progress",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = [
    "AlreadyTracking",
    "AutoSaveSwitch",
    "AutoSaver",
    "Command",
    "EventPersistence",
    "HandoverServer",
    "Holder",
    "HolderRole",
    "InstanceLock",
    "KeyCheck",
    "KeyVerdict",
    "RemoveResult",
    "SaveReport",
    "SaveTarget",
    "TrackingService",
    "asend_to_holder",
    "cache_dir",
    "data_dir",
    "db_path",
    "download_progress",
    "ensure_data_dir",
    "save_stored_results",
    "save_tracked_results",
    "send_to_holder",
    "suggested_name",
    "task_cache_dir",
]
