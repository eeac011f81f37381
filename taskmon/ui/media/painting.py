"""Drawing a file's thumbnail into a rectangle: the picture, a placeholder, or why not."""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette

from taskmon.ui.media.thumbnails import Thumbnails


def paint_file(
    painter: QPainter,
    rect: QRect,
    thumbnails: Thumbnails,
    path: str,
    palette: QPalette,
    *,
    words: bool = True,
) -> None:
    """The thumbnail of `path` centred in `rect`; a placeholder while it is made.

    A file that can't be previewed shows its reason when `words` (large tiles)
    and a small warning mark otherwise (the reason is the cell's tooltip).
    """
    pixmap = thumbnails.pixmap(path, rect.size())
    if pixmap is not None:
        ratio = pixmap.devicePixelRatio() or 1.0
        size = QSize(round(pixmap.width() / ratio), round(pixmap.height() / ratio))
        x = rect.x() + (rect.width() - size.width()) // 2
        y = rect.y() + (rect.height() - size.height()) // 2
        painter.drawPixmap(QRect(x, y, size.width(), size.height()), pixmap)
        return
    thumbnail = thumbnails.get(path)
    painter.save()
    shade = QColor(palette.color(QPalette.ColorRole.Mid))
    shade.setAlpha(60)
    painter.fillRect(rect, shade)
    if thumbnail is not None and thumbnail.problem:
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        if words and rect.height() >= 40:
            font = QFont(painter.font())
            font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
            painter.setFont(font)
            painter.drawText(
                QRectF(rect).adjusted(4, 4, -4, -4),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                thumbnail.problem,
            )
        else:
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "⚠")
    painter.restore()


def paint_badge(painter: QPainter, rect: QRect, count: int, palette: QPalette) -> None:
    """A small round count at the bottom right of `rect` (several outputs)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont(painter.font())
    font.setPixelSize(max(8, min(13, rect.height() // 3)))
    font.setBold(True)
    painter.setFont(font)
    text = str(count)
    width = max(painter.fontMetrics().horizontalAdvance(text) + 6, font.pixelSize() + 4)
    height = font.pixelSize() + 4
    badge = QRectF(rect.right() - width + 1, rect.bottom() - height + 1, width, height)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
    painter.drawRoundedRect(badge, height / 2, height / 2)
    painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
    painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()
