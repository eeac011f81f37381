"""Thumbnails in the main window: the list's column, the details panel's strip, and
results that land made at once."""

from __future__ import annotations

from typing import Any, Final, Protocol

from PySide6.QtWidgets import QApplication, QTableView

from taskmon.ui.media.landing import watch_landings
from taskmon.ui.media.thumbnail_column import ThumbnailDelegate
from taskmon.ui.media.thumbnails import Thumbnails
from taskmon.ui.table.task_model import VIEW_ROLE, Column

ROW_HEIGHT_PX: Final = 32  # room for a 46 × 28 picture in each row


class WindowParts(Protocol):
    """What is used of the main window (a protocol: main_window imports this module)."""

    @property
    def bridge(self) -> Any: ...
    @property
    def table(self) -> QTableView: ...
    @property
    def model(self) -> Any: ...


def install_thumbnails(window: WindowParts) -> Thumbnails:
    """Give the window's list a thumbnail column (the window hands them to its details strip).

    Thumbnails are cached under the engine's data dir (`<data dir>/thumbnails`).
    """
    data_dir = getattr(window.bridge.service, "directory", None)
    table = window.table
    thumbnails = Thumbnails(data_dir, parent=table)
    table.setItemDelegateForColumn(
        Column.THUMBNAIL, ThumbnailDelegate(thumbnails, VIEW_ROLE, table, Column.THUMBNAIL)
    )
    header = table.horizontalHeader()
    if header.visualIndex(Column.THUMBNAIL) == header.count() - 1:  # not placed by the user
        header.moveSection(header.visualIndex(Column.THUMBNAIL), 0)
    vertical = table.verticalHeader()
    vertical.setDefaultSectionSize(max(vertical.defaultSectionSize(), ROW_HEIGHT_PX))
    watch_landings(window.model, thumbnails, VIEW_ROLE, parent=table)
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(thumbnails.shutdown)
    return thumbnails
