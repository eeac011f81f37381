"""The task list's thumbnail column: the first output's picture, a count when there are more."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect
from PySide6.QtGui import QHelpEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolTip,
)

from taskmon.domain import TaskView
from taskmon.ui.media.painting import paint_badge, paint_file
from taskmon.ui.media.thumbnails import NOTHING, Thumbnails, Visible


class ThumbnailDelegate(QStyledItemDelegate):
    """Paints a row's first result file (its view under VIEW_ROLE) as a small thumbnail."""

    def __init__(
        self, thumbnails: Thumbnails, view_role: int, view: QTableView, column: int
    ) -> None:
        super().__init__(view)
        self.thumbnails = thumbnails
        self.repaints = 0  # viewport updates asked for by arriving thumbnails (tests count)
        self._view_role = view_role
        self._column = column
        self._table = view
        thumbnails.arrived.connect(self._repaint_cells)
        thumbnails.add_source(self.visible_files)
        view.verticalScrollBar().valueChanged.connect(lambda _value: thumbnails.plan_soon())

    def _rows_on_screen(self) -> tuple[int, int]:
        """First and last row on screen (-1, -2 when none)."""
        table = self._table
        model = table.model()
        if model is None or not table.isVisible() or model.rowCount() == 0:
            return -1, -2
        first = table.rowAt(0)
        if first < 0:
            return -1, -2
        last = table.rowAt(table.viewport().height() - 1)
        return first, last if last >= 0 else model.rowCount() - 1

    def _first_files(self, rows: Iterable[int]) -> list[tuple[int, str]]:
        model = self._table.model()
        found = []
        for row in rows:
            view = model.index(row, self._column).data(self._view_role)
            if isinstance(view, TaskView) and view.files:
                found.append((row, view.files[0]))
        return found

    def visible_files(self) -> Visible:
        """The first file of each row on screen, top to bottom; then the next page (and the
        one above): what the thumbnails plan follows."""
        if self._table.isColumnHidden(self._column):
            return NOTHING
        first, last = self._rows_on_screen()
        if first < 0:
            return NOTHING
        page = last - first + 1
        rows = self._table.model().rowCount()
        ahead = [*range(last + 1, min(rows, last + 1 + page)), *range(max(0, first - page), first)]
        return Visible(
            [path for _, path in self._first_files(range(first, last + 1))],
            [path for _, path in self._first_files(ahead)],
        )

    def _repaint_cells(self, paths: frozenset[str]) -> None:
        """Repaint only the cells on screen whose file's thumbnail arrived (one update)."""
        first, last = self._rows_on_screen()
        if first < 0 or self._table.isColumnHidden(self._column):
            return
        model = self._table.model()
        region = QRect()
        for row, path in self._first_files(range(first, last + 1)):
            if path in paths:
                region = region.united(self._table.visualRect(model.index(row, self._column)))
        if not region.isEmpty():
            self._table.viewport().update(region)
            self.repaints += 1

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        # The cell's panel (selection, hover) only: initStyleOption would ask the model for
        # a dozen roles this column does not use, in every row of every paint.
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)
        view = index.data(self._view_role)
        if not isinstance(view, TaskView) or not view.files:
            return
        rect: QRect = option.rect.adjusted(3, 2, -3, -2)
        paint_file(painter, rect, self.thumbnails, view.files[0], option.palette, words=False)
        if len(view.files) > 1:
            paint_badge(painter, rect, len(view.files), option.palette)

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            task = index.data(self._view_role)
            if isinstance(task, TaskView) and task.files:
                thumbnail = self.thumbnails.get(task.files[0])
                words = [thumbnail.problem] if thumbnail is not None and thumbnail.problem else []
                if len(task.files) > 1:
                    words.append(f"{len(task.files)} result files")
                if words:
                    QToolTip.showText(event.globalPos(), "\n".join(words), view)
                    return True
        return super().helpEvent(event, view, option, index)
