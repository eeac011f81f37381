"""The main window: the task table, its filters, the details panel and the actions.

`MainWindow` (main_window.py) owns the widgets; its mixins hold its actions
(actions.py), what is pasted or dropped in (intake.py), closing, Quit and the
settings it restores (state.py), and the parts built after its first paint
(parts.py, deferred.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskmon.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from taskmon.ui.window.deferred import DeferredParts
    from taskmon.ui.window.intake import MAX_DROPPED_FILE_BYTES
    from taskmon.ui.window.main_window import MainWindow
    from taskmon.ui.window.state import SETTINGS_VERSION

_EXPORTS = {
    "DeferredParts": "deferred",
    "MAX_DROPPED_FILE_BYTES": "intake",
    "MainWindow": "main_window",
    "SETTINGS_VERSION": "state",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = ["MAX_DROPPED_FILE_BYTES", "SETTINGS_VERSION", "DeferredParts", "MainWindow"]
