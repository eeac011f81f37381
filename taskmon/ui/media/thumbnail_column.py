"""The task list's thumbnail column: the first output's picture, a count when there are more."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QTimer
from PySide6.QtGui import QHelpEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
)

from taskmon.domain import TaskView
from taskmon.ui.media.painting import paint_badge, paint_file
from taskmon.ui.media.thumbnails import Thumbnails

REPAINT_DELAY_MS: Final = 100  # thumbnails arriving together cause one repaint


class ThumbnailDelegate(QStyledItemDelegate):
    """Paints a row's first result file (its view under VIEW_ROLE) as a small thumbnail."""

    def __init__(
        self, thumbnails: Thumbnails, view_role: int, view: QAbstractItemView, column: int
    ) -> None:
        super().__init__(view)
        self.thumbnails = thumbnails
        self._view_role = view_role
        self._column = column
        self._table = view
        self._repaint = QTimer(self)
        self._repaint.setSingleShot(True)
        self._repaint.setInterval(REPAINT_DELAY_MS)
        self._repaint.timeout.connect(self._repaint_column)
        thumbnails.ready.connect(lambda _path: self._repaint.start())

    def _repaint_column(self) -> None:
        """Repaint the visible part of the thumbnail column only: a whole table costs tens of ms."""
        repaint = getattr(self._table, "repaint_columns", None)
        if repaint is not None:
            repaint([self._column])
        else:
            self._table.viewport().update()

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
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
