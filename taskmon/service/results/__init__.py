"""Results where the user wants them: `taskmon save`, auto-save, the window's Save…,
the save folder the window chose, and how far a task's downloads have come."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskmon.lazy_exports import lazy_exports

if TYPE_CHECKING:
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

_EXPORTS = {
    "download_progress": "result_progress",
    "AutoSaver": "result_saving",
    "SaveReport": "result_saving",
    "SaveTarget": "result_saving",
    "save_stored_results": "result_saving",
    "read_save_folder": "save_folder",
    "write_save_folder": "save_folder",
    "AutoSaveSwitch": "tracked_saving",
    "save_tracked_results": "tracked_saving",
    "suggested_name": "tracked_saving",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = [
    "AutoSaveSwitch",
    "AutoSaver",
    "SaveReport",
    "SaveTarget",
    "download_progress",
    "read_save_folder",
    "save_stored_results",
    "save_tracked_results",
    "suggested_name",
    "write_save_folder",
]
