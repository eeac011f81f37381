"""The grid: the same tasks, filters and selection as the list, shown as thumbnail tiles."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QAbstractItemModel, QSize, Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from taskmon.ui.grid.tile_delegate import TILE, TileDelegate
from taskmon.ui.media import Thumbnails
from taskmon.ui.table.task_model import Column

SPACING_PX: Final = 6
REPAINT_DELAY_MS: Final = 100  # thumbnails arriving together cause one repaint


class TaskGrid(QListView):
    """A QListView in icon mode over the task proxy; tiles drawn by `TileDelegate`."""

    def __init__(self, thumbnails: Thumbnails, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("taskGrid")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setUniformItemSizes(True)  # one size for all: layout of 1,000 tiles stays cheap
        self.setSpacing(SPACING_PX)
        self.setGridSize(QSize(TILE.width() + SPACING_PX, TILE.height() + SPACING_PX))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.setDragEnabled(False)
        self.delegate = TileDelegate(thumbnails, self)
        self.setItemDelegate(self.delegate)
        self._repaint = QTimer(self)
        self._repaint.setSingleShot(True)
        self._repaint.setInterval(REPAINT_DELAY_MS)
        self._repaint.timeout.connect(self.viewport().update)
        thumbnails.ready.connect(lambda _path: self._repaint.start() if self.isVisible() else None)

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        # The task ID's words: typing a few letters jumps to a task, as in the list.
        self.setModelColumn(Column.TASK_ID)

    def repaint_running(self) -> None:
        """The clock moved: running tiles' rings and words change (only visible ones repaint)."""
        if self.isVisible():
            self.viewport().update()
