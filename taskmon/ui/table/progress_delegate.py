"""Draws the progress column: no widget per row, one paint per visible cell.

Reported progress is a solid bar; an estimate from elapsed versus expected
time is a striped, lighter bar with a `~`; when nothing is known a faint
dotted track says "working, no idea how far".
"""

from __future__ import annotations

import math
from typing import NamedTuple

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QPixmap, QPixmapCache
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
        if bar.width() <= 0 or bar.height() <= 0:
            return
        state = view.state
        fill = theme.state_colour(cell_text.colour_state(view), palette)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        on_bar = info.mode is ProgressMode.DONE and state is State.SUCCEEDED
        if on_bar:
            pen = QColor("#ffffff")
        elif selected:
            pen = palette.color(palette.ColorRole.HighlightedText)
        elif info.mode is ProgressMode.DONE:
            pen = fill
        else:
            pen = palette.color(palette.ColorRole.Text)
        font = option.font
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        track = QColor(palette.color(palette.ColorRole.Mid))
        track.setAlpha(90)
        look = _BarLook(
            info.mode,
            _fraction_px(info, bar.width(), state),
            fill.rgba(),
            theme.estimate_colour(palette).rgba() if info.mode is ProgressMode.ESTIMATED else 0,
            track.rgba(),
            info.text or "",
            pen.rgba(),
            font.key(),
        )
        # Drawn once per look and size, then copied: anti-aliased rounded clips, patterns
        # and shaped text were ~0.2 ms a cell, the most of a repaint after the text cells.
        left, top = math.floor(bar.left()), math.floor(bar.top())
        local = QRectF(bar.left() - left, bar.top() - top, bar.width(), bar.height())
        dpr = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        where = f"{local.x():.2f},{local.y():.2f},{bar.width():.2f}x{bar.height():.2f}@{dpr:g}"
        key = f"taskmon-progress:{look}:{where}"
        pixmap = QPixmap()
        if not QPixmapCache.find(key, pixmap):
            pixmap = _render_bar(look, local, font, dpr)
            QPixmapCache.insert(key, pixmap)
        painter.drawPixmap(QPointF(left, top), pixmap)


class _BarLook(NamedTuple):
    """Everything a bar's pixels depend on but its size."""

    mode: ProgressMode
    fill_px: float  # how far the fill reaches, in pixels (-1: no fill)
    fill_rgba: int
    estimate_rgba: int
    track_rgba: int
    text: str
    pen_rgba: int
    font: str


def _fraction_px(info: ProgressInfo, width: float, state: State) -> float:
    """The fill's reach, rounded to a quarter pixel (more would not show)."""
    if info.mode is ProgressMode.DONE:
        fraction: float | None = 1.0 if state is State.SUCCEEDED else None
    elif info.mode in (ProgressMode.REPORTED, ProgressMode.ESTIMATED):
        fraction = info.fraction
    else:
        fraction = None
    if fraction is None:
        return -1.0
    return round(max(0.0, min(1.0, fraction)) * width * 4) / 4


def _render_bar(look: _BarLook, bar: QRectF, font: QFont, dpr: float) -> QPixmap:
    width = math.ceil(bar.right()) + 1
    height = math.ceil(bar.bottom()) + 1
    pixmap = QPixmap(round(width * dpr), round(height * dpr))
    pixmap.setDevicePixelRatio(dpr)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    radius = bar.height() / 2
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor.fromRgba(look.track_rgba))
    painter.drawRoundedRect(bar, radius, radius)
    fill = QColor.fromRgba(look.fill_rgba)
    fraction = look.fill_px / bar.width() if look.fill_px >= 0 else None
    if look.mode is ProgressMode.ESTIMATED and fraction is not None:
        estimate = QColor.fromRgba(look.estimate_rgba)
        _fill(painter, bar, fraction, estimate, radius, striped=True)
    elif fraction is not None:
        _fill(painter, bar, fraction, fill, radius)
    elif look.mode is not ProgressMode.DONE:
        _unknown(painter, bar, fill, radius)
    if look.text:
        painter.setPen(QPen(QColor.fromRgba(look.pen_rgba)))
        painter.setFont(font)
        painter.drawText(bar, Qt.AlignmentFlag.AlignCenter, look.text)
    painter.end()
    return pixmap


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
