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
    from taskmon.service.result_saving import (
        AutoSaver,
        SaveReport,
        SaveTarget,
        save_stored_results,
    )
    from taskmon.service.tls_check import check_tls
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
    "CheckResult": "install_checks",
    "CheckStatus": "install_checks",
    "check_data_dir": "install_checks",
    "check_keyring": "install_checks",
    "check_notifications": "install_checks",
    "check_simulator": "install_checks",
    "check_tls": "tls_check",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = [
    "AlreadyTracking",
    "AutoSaver",
    "CheckResult",
    "CheckStatus",
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
    "check_data_dir",
    "check_keyring",
    "check_notifications",
    "check_simulator",
    "check_tls",
    "data_dir",
    "db_path",
    "ensure_data_dir",
    "save_stored_results",
    "send_to_holder",
    "task_cache_dir",
]
