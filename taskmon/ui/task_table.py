"""The task table widget: sorting, column sizes, and a friendly empty state."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from taskmon.ui.progress_delegate import ProgressDelegate
from taskmon.ui.task_model import Column

EMPTY_HINT = (
    "No tasks yet.\n\n"
    "Paste task IDs, status URLs or JSON responses with Ctrl+V,\n"
    "drop .txt or .json files here, or click “Add tasks”."
)
# Starting widths (px); the user's own widths are restored from the settings.
DEFAULT_WIDTHS = {
    Column.PROVIDER: 110,
    Column.TASK_ID: 200,
    Column.LABEL: 110,
    Column.MODEL: 120,
    Column.KIND: 60,
    Column.STATE: 120,
    Column.PROGRESS: 130,
    Column.QUEUED: 70,
    Column.RUNNING: 75,
    Column.ETA: 75,
    Column.COST: 70,
    Column.RESULTS: 80,
    Column.EXPIRES: 100,
}


class TaskTable(QTableView):
    """A QTableView set up for tasks; shows a hint instead of an empty grid."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("taskTable")
        self.setSortingEnabled(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # IDs differ at both ends
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.setItemDelegateForColumn(Column.PROGRESS, ProgressDelegate(self))
        vertical = self.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(max(26, self.fontMetrics().height() + 10))
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsMovable(True)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

    def apply_default_widths(self) -> None:
        for column, width in DEFAULT_WIDTHS.items():
            self.setColumnWidth(column, width)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(self.palette().ColorRole.PlaceholderText))
            rect: QRect = self.viewport().rect().adjusted(24, 24, -24, -24)
            text = self.property("emptyHint") or EMPTY_HINT
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)
            painter.end()
