"""An audio file's thumbnail: its waveform where Python's `wave` reads it, else a note icon.

Work is bounded whatever the file's length: at most `MAX_FRAMES_PER_COLUMN`
frames are read for each column of the picture, so an hour-long WAV costs
about what a short one does. Safe off the main thread (QPainter on a QImage).
"""

from __future__ import annotations

import array
import sys
import wave
from pathlib import Path
from typing import Final

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen

from taskmon.ui.media.image_loading import CantPreview

MAX_FRAMES_PER_COLUMN: Final = 2048
WAVE_COLOUR: Final = QColor("#2f8fdf")
BACKGROUND: Final = QColor("#17202b")
_TYPECODES: Final = {1: "b", 2: "h", 4: "i"}


def column_peaks(path: str | Path, columns: int) -> tuple[list[float], float]:
    """Per column the peak level (0..1), and the duration in seconds; CantPreview if unreadable."""
    try:
        with wave.open(str(path), "rb") as reader:
            channels, width = reader.getnchannels(), reader.getsampwidth()
            rate, frames = reader.getframerate(), reader.getnframes()
            if width not in _TYPECODES or channels < 1 or rate <= 0:
                raise CantPreview(f"{width * 8}-bit audio is not drawn here")
            peaks: list[float] = []
            per_column = max(1, frames // columns)
            full_scale = float(1 << (width * 8 - 1))
            for column in range(columns):
                start = column * frames // columns
                if start >= frames:
                    peaks.append(0.0)
                    continue
                reader.setpos(start)
                raw = reader.readframes(min(per_column, MAX_FRAMES_PER_COLUMN))
                peaks.append(_peak(raw, width) / full_scale)
            return peaks, frames / rate
    except CantPreview:
        raise
    except (wave.Error, EOFError) as exc:
        raise CantPreview(f"the audio does not decode ({exc})") from None
    except OSError as exc:
        raise CantPreview(f"the file cannot be read ({exc.strerror or exc})") from None


def _peak(raw: bytes, width: int) -> float:
    if not raw:
        return 0.0
    if width == 1:  # 8-bit WAV is unsigned, centred on 128
        return float(max(abs(max(raw) - 128), abs(min(raw) - 128)))
    if width == 3:  # 24-bit: keep the top two bytes of each sample
        raw = b"".join(raw[i + 1 : i + 3] for i in range(0, len(raw) - 2, 3))
        values = array.array("h", raw)
        scale = 256.0
    else:
        values = array.array(_TYPECODES[width], raw[: len(raw) - len(raw) % width])
        scale = 1.0
    if sys.byteorder == "big":
        values.byteswap()
    if not values:
        return 0.0
    return max(abs(max(values)), abs(min(values))) * scale


def draw_waveform(path: str | Path, box: QSize) -> QImage:
    """The file's waveform with its duration; CantPreview where `wave` can't read it."""
    width, height = max(16, box.width()), max(12, box.height() * 3 // 4)
    peaks, seconds = column_peaks(path, width // 2)
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(BACKGROUND)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    middle = height / 2
    loudest = max(peaks, default=0.0)
    gain = min(20.0, 1.0 / loudest) if loudest > 0 else 1.0  # quiet files still show a shape
    peaks = [p * gain for p in peaks]
    path_up = QPainterPath(QPointF(0, middle))
    for i, peak in enumerate(peaks):
        path_up.lineTo(QPointF(i * 2 + 1, middle - max(0.01, min(1.0, peak)) * middle * 0.9))
    for i, peak in reversed(list(enumerate(peaks))):
        path_up.lineTo(QPointF(i * 2 + 1, middle + max(0.01, min(1.0, peak)) * middle * 0.9))
    path_up.closeSubpath()
    painter.setPen(QPen(WAVE_COLOUR.lighter(130), 1))
    painter.setBrush(WAVE_COLOUR)
    painter.drawPath(path_up)
    _caption(painter, QRectF(0, 0, width, height), duration_words(seconds))
    painter.end()
    return image


def audio_icon(box: QSize, seconds: float | None) -> QImage:
    """A note on a dark tile with the duration: audio whose samples can't be drawn here."""
    width, height = max(16, box.width()), max(12, box.height() * 3 // 4)
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(BACKGROUND)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont()
    font.setPixelSize(max(10, height // 2))
    painter.setFont(font)
    painter.setPen(WAVE_COLOUR)
    painter.drawText(QRectF(0, 0, width, height), Qt.AlignmentFlag.AlignCenter, "♪")
    if seconds is not None:
        _caption(painter, QRectF(0, 0, width, height), duration_words(seconds))
    painter.end()
    return image


def duration_words(seconds: float) -> str:
    """`0:01`, `3:05`, `1:02:03`."""
    s = max(0, round(seconds))
    if s >= 3600:
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


def _caption(painter: QPainter, rect: QRectF, text: str) -> None:
    font = QFont()
    font.setPixelSize(max(8, int(rect.height() / 7)))
    painter.setFont(font)
    painter.setPen(QColor("#ffffff"))
    margin = max(2.0, rect.height() / 20)
    painter.drawText(
        rect.adjusted(margin, margin, -margin, -margin),
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
        text,
    )
