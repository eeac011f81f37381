"""The grid view: the task list's rows as thumbnail tiles, switched with Ctrl+1 / Ctrl+2."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskmon.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from taskmon.ui.grid.grid_view import TaskGrid
    from taskmon.ui.grid.tile_delegate import TileDelegate
    from taskmon.ui.grid.view_switch import ViewSwitch, install_grid

_EXPORTS = {
    "TaskGrid": "grid_view",
    "TileDelegate": "tile_delegate",
    "ViewSwitch": "view_switch",
    "install_grid": "view_switch",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = ["TaskGrid", "TileDelegate", "ViewSwitch", "install_grid"]
