"""What the tray says at a glance: counts for the tooltip, the last completions, its icon."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Final

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPen

from taskmon.domain import TaskView

RECENT_COUNT: Final = 5
_SIZE: Final = 64


def is_active(view: TaskView) -> bool:
    """Still running, queued, or saving its results."""
    return not view.state.is_terminal or view.downloads_pending


def tooltip(views: Iterable[TaskView], today: datetime, paused: bool = False) -> str:
    """`3 running · 12 done today` (and `paused` while polling is paused)."""
    running = done = 0
    day = today.astimezone().date()
    for view in views:
        if is_active(view):
            running += 1
        elif view.finished_at is not None and view.finished_at.astimezone().date() == day:
            done += 1
    parts = [f"{running} running", f"{done} done today"]
    if paused:
        parts.append("polling paused")
    return "taskmon: " + " · ".join(parts)


def recent_completions(views: Iterable[TaskView], count: int = RECENT_COUNT) -> list[TaskView]:
    """The `count` tasks that ended last, newest first."""
    ended = [v for v in views if v.state.is_terminal and v.finished_at is not None]
    ended.sort(key=lambda v: v.finished_at, reverse=True)  # type: ignore[arg-type, return-value]
    return ended[:count]


def tray_icon(base: QIcon, running: int, paused: bool) -> QIcon:
    """The app icon; with the count of running tasks on a badge, or pause bars while paused."""
    pixmap = base.pixmap(_SIZE, _SIZE)
    if not running and not paused:
        return QIcon(pixmap)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    badge = QRectF(_SIZE * 0.42, _SIZE * 0.42, _SIZE * 0.58, _SIZE * 0.58)
    painter.setPen(QPen(QColor("#FFFFFF"), 3))
    painter.setBrush(QColor("#6B7280") if paused else QColor("#E11D48"))
    painter.drawEllipse(badge)
    painter.setPen(QColor("#FFFFFF"))
    if paused:
        bar_w, bar_h = badge.width() * 0.14, badge.height() * 0.42
        top = badge.center().y() - bar_h / 2
        for dx in (-0.16, 0.16):
            x = badge.center().x() + dx * badge.width() - bar_w / 2
            painter.fillRect(QRectF(x, top, bar_w, bar_h), QColor("#FFFFFF"))
    else:
        font = QFont()
        font.setBold(True)
        font.setPixelSize(int(badge.height() * (0.62 if running < 10 else 0.46)))
        painter.setFont(font)
        text = str(running) if running < 100 else "99+"
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return QIcon(pixmap)
