"""Draws one task as a tile of the grid: its picture, its name, and its state while it runs.

A finished task shows its first result (a count when there are more); a task
still queued, running or saving shows a progress ring in its state colour over
the picture area (solid when the provider reports progress, lighter when
estimated, a short arc when nobody knows) and a frame in that colour; a failed
or lost one its state word in the state colour. No widget per tile.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from taskmon.domain import State, TaskView
from taskmon.ui import theme
from taskmon.ui.media import Thumbnails, paint_badge, paint_file
from taskmon.ui.table import cell_text
from taskmon.ui.table.cell_text import ProgressInfo, ProgressMode
from taskmon.ui.table.task_model import PROGRESS_ROLE, VIEW_ROLE, Column

TILE: Final = QSize(176, 184)  # a 160 × 120 picture and two lines of words
PICTURE: Final = QSize(160, 120)
MARGIN: Final = 8
RING_PX: Final = 44


class TileDelegate(QStyledItemDelegate):
    """Paints a task (VIEW_ROLE) as a tile; progress comes from the progress column."""

    def __init__(self, thumbnails: Thumbnails, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(TILE)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        view = index.data(VIEW_ROLE)
        if not isinstance(view, TaskView):
            return
        palette = option.palette
        rect = QRect(option.rect).adjusted(2, 2, -2, -2)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        back = palette.color(QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(back)
        painter.drawRoundedRect(QRectF(rect), 6, 6)

        picture = QRect(
            rect.x() + (rect.width() - PICTURE.width()) // 2,
            rect.y() + MARGIN // 2,
            *PICTURE.toTuple(),
        )
        active = not view.state.is_terminal or view.downloads_pending
        colour = theme.state_colour(view.state.value if view.observed else "queued", palette)
        if view.files:
            paint_file(painter, picture, self.thumbnails, view.files[0], palette)
            if len(view.files) > 1:
                paint_badge(painter, picture.adjusted(0, 0, -3, -3), len(view.files), palette)
        else:
            shade = QColor(palette.color(QPalette.ColorRole.Mid))
            shade.setAlpha(50)
            painter.fillRect(picture, shade)
        if active:
            info = _progress(index)
            _ring(painter, picture, info, colour)
        elif not view.files:
            painter.setPen(colour)
            painter.drawText(picture, Qt.AlignmentFlag.AlignCenter, cell_text.state_text(view))
        if active or view.state in (State.FAILED, State.LOST, State.CANCELLED):
            painter.setPen(QPen(colour, 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(rect).adjusted(1, 1, -1, -1), 6, 6)

        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        line_height = option.fontMetrics.height()
        words = QRect(rect.x() + 6, picture.bottom() + 4, rect.width() - 12, line_height)
        name = view.label or view.ref.task_id
        mode = Qt.TextElideMode.ElideRight if view.label else Qt.TextElideMode.ElideMiddle
        painter.setPen(text_colour)
        painter.drawText(
            words,
            Qt.AlignmentFlag.AlignCenter,
            option.fontMetrics.elidedText(name, mode, words.width()),
        )
        state_line = words.translated(0, line_height)
        state_words = cell_text.state_text(view)
        info = _progress(index)
        if active and info is not None and info.text and info.text != state_words:
            state_words = f"{state_words} · {info.text}"
        small = QFont(option.font)
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.9))
        painter.setFont(small)
        painter.setPen(text_colour if selected else colour)
        painter.drawText(
            state_line,
            Qt.AlignmentFlag.AlignCenter,
            painter.fontMetrics().elidedText(
                state_words, Qt.TextElideMode.ElideRight, words.width()
            ),
        )
        painter.restore()


def _progress(index: QModelIndex | QPersistentModelIndex) -> ProgressInfo | None:
    """What the progress column says about the row (the model answers there only)."""
    model = index.model()
    if model is None:
        return None
    info = model.index(index.row(), Column.PROGRESS, index.parent()).data(PROGRESS_ROLE)
    return info if isinstance(info, ProgressInfo) else None


def _ring(painter: QPainter, picture: QRect, info: ProgressInfo | None, colour: QColor) -> None:
    """A progress ring in the middle of the picture, on a dimmed disc so it reads on any image."""
    size = RING_PX
    ring = QRectF(
        picture.center().x() - size / 2 + 1, picture.center().y() - size / 2 + 1, size, size
    )
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0, 110))
    painter.drawEllipse(ring.adjusted(-6, -6, 6, 6))
    track = QColor(colour)
    track.setAlpha(70)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(track, 5))
    painter.drawEllipse(ring)
    fraction = info.fraction if info is not None else None
    solid = info is not None and info.mode in (ProgressMode.REPORTED, ProgressMode.DONE)
    arc_colour = QColor(colour) if solid or fraction is None else colour.lighter(130)
    pen = QPen(arc_colour, 5)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    span = 0.25 if fraction is None else max(0.02, min(1.0, fraction))
    painter.drawArc(ring, 90 * 16, -round(span * 360 * 16))  # clockwise from 12 o'clock
    if info is not None and info.fraction is not None and info.mode is not ProgressMode.DONE:
        font = QFont(painter.font())
        font.setPixelSize(11)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(ring, Qt.AlignmentFlag.AlignCenter, f"{round(info.fraction * 100)}")
    painter.restore()
