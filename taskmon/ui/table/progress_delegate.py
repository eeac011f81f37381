"""Draws the progress column: no widget per row, one paint per visible cell.

Reported progress is a solid bar; an estimate from elapsed versus expected
time is a striped, lighter bar with a `~`; when nothing is known a faint
dotted track says "working, no idea how far".
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from taskmon.domain import State
from taskmon.ui import theme
from taskmon.ui.table import cell_text
from taskmon.ui.table.cell_text import ProgressInfo, ProgressMode
from taskmon.ui.table.task_model import PROGRESS_ROLE, VIEW_ROLE

_MARGIN_X = 6.0
_BAR_HEIGHT = 14.0


class ProgressDelegate(QStyledItemDelegate):
    """Paints `PROGRESS_ROLE` (a ProgressInfo) as a bar with its words inside."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        info = index.data(PROGRESS_ROLE)
        view = index.data(VIEW_ROLE)
        if not isinstance(info, ProgressInfo) or view is None:
            super().paint(painter, option, index)
            return
        # The cell's panel (selection, hover) as the style draws it: initStyleOption would
        # ask the model for the seven roles of a text cell, in every row of every paint.
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)

        palette = option.palette
        rect = QRectF(option.rect).adjusted(_MARGIN_X, 0, -_MARGIN_X, 0)
        height = min(_BAR_HEIGHT, rect.height() - 6)
        bar = QRectF(rect.left(), rect.center().y() - height / 2, rect.width(), height)
        radius = height / 2
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = QColor(palette.color(palette.ColorRole.Mid))
        track.setAlpha(90)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(track)
        painter.drawRoundedRect(bar, radius, radius)

        state = view.state
        fill = theme.state_colour(cell_text.colour_state(view), palette)
        if info.mode is ProgressMode.DONE:
            if state is State.SUCCEEDED:
                self._fill(painter, bar, 1.0, fill, radius)
        elif info.mode is ProgressMode.REPORTED and info.fraction is not None:
            self._fill(painter, bar, info.fraction, fill, radius)
        elif info.mode is ProgressMode.ESTIMATED and info.fraction is not None:
            colour = theme.estimate_colour(palette)
            self._fill(painter, bar, info.fraction, colour, radius, striped=True)
        else:
            self._unknown(painter, bar, fill, radius)

        text = info.text
        if text:
            on_bar = info.mode is ProgressMode.DONE and state is State.SUCCEEDED
            selected = bool(option.state & QStyle.StateFlag.State_Selected)
            if on_bar:
                pen = QColor("#ffffff")
            elif selected:
                pen = palette.color(palette.ColorRole.HighlightedText)
            elif info.mode is ProgressMode.DONE:
                pen = theme.state_colour(cell_text.colour_state(view), palette)
            else:
                pen = palette.color(palette.ColorRole.Text)
            painter.setPen(QPen(pen))
            font = option.font
            font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
            painter.setFont(font)
            painter.drawText(bar, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    @staticmethod
    def _fill(
        painter: QPainter,
        bar: QRectF,
        fraction: float,
        colour: QColor,
        radius: float,
        *,
        striped: bool = False,
    ) -> None:
        if fraction <= 0:
            return
        clip = QPainterPath()
        clip.addRoundedRect(bar, radius, radius)
        painter.save()
        painter.setClipPath(clip)
        filled = QRectF(bar.left(), bar.top(), bar.width() * fraction, bar.height())
        if striped:
            light = QColor(colour)
            light.setAlpha(110)
            painter.fillRect(filled, light)
            painter.fillRect(filled, QBrush(colour, Qt.BrushStyle.BDiagPattern))
        else:
            painter.fillRect(filled, colour)
        painter.restore()

    @staticmethod
    def _unknown(painter: QPainter, bar: QRectF, colour: QColor, radius: float) -> None:
        """A faint dotted track: working, and nobody has said how far."""
        soft = QColor(colour)
        soft.setAlpha(110)
        clip = QPainterPath()
        clip.addRoundedRect(bar, radius, radius)
        painter.save()
        painter.setClipPath(clip)
        painter.fillRect(bar, QBrush(soft, Qt.BrushStyle.Dense6Pattern))
        painter.restore()
