"""The grid: the same tasks, filters and selection as the list, shown as thumbnail tiles."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QRect, QSize, Qt
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from taskmon.domain import TaskView
from taskmon.ui.grid.tile_delegate import PICTURE, TILE, TileDelegate
from taskmon.ui.media import NOTHING, Thumbnails, Visible
from taskmon.ui.table.task_model import VIEW_ROLE, Column

SPACING_PX: Final = 6


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
        self.repaints = 0  # viewport updates asked for by arriving thumbnails (tests count)
        thumbnails.add_size(PICTURE)  # workers scale every new thumbnail for the tiles too
        thumbnails.add_source(self.visible_files)
        thumbnails.arrived.connect(self._repaint_tiles)
        self.verticalScrollBar().valueChanged.connect(lambda _value: thumbnails.plan_soon())

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        # The task ID's words: typing a few letters jumps to a task, as in the list.
        self.setModelColumn(Column.TASK_ID)

    def _tiles_on_screen(self) -> tuple[list[QModelIndex], int]:
        """The tiles on screen in reading order, and how many fit on one screen."""
        model = self.model()
        if model is None or not self.isVisible() or model.rowCount() == 0:
            return [], 0
        grid = self.gridSize()
        viewport = self.viewport().rect()
        per_line = max(1, viewport.width() // max(1, grid.width()))
        lines = viewport.height() // max(1, grid.height()) + 2
        top = self.verticalScrollBar().value() // max(1, grid.height())
        column = self.modelColumn()
        rows = model.rowCount()
        shown = []
        for row in range(max(0, (top - 1) * per_line), min(rows, (top + lines) * per_line)):
            index = model.index(row, column)
            if self.visualRect(index).intersects(viewport):
                shown.append(index)
        return shown, per_line * lines

    def _first_file(self, index: QModelIndex) -> str | None:
        view = index.data(VIEW_ROLE)
        return view.files[0] if isinstance(view, TaskView) and view.files else None

    def visible_files(self) -> Visible:
        """The first file of each tile on screen in reading order, then the next screenful."""
        shown, screen = self._tiles_on_screen()
        if not shown:
            return NOTHING
        model = self.model()
        after = shown[-1].row() + 1
        ahead = (model.index(row, self.modelColumn()) for row in range(after, after + screen))
        now_files = [self._first_file(index) for index in shown]
        ahead_files = [self._first_file(index) for index in ahead if index.isValid()]
        return Visible([f for f in now_files if f], [f for f in ahead_files if f])

    def _repaint_tiles(self, paths: frozenset[str]) -> None:
        """Repaint only the tiles on screen whose thumbnail arrived (one update)."""
        region = QRect()
        for index in self._tiles_on_screen()[0]:
            if self._first_file(index) in paths:
                region = region.united(self.visualRect(index))
        if not region.isEmpty():
            self.viewport().update(region)
            self.repaints += 1

    def repaint_running(self) -> None:
        """The clock moved: running tiles' rings and words change (only visible ones repaint)."""
        if self.isVisible():
            self.viewport().update()
