"""An image that fits the view, zooms (wheel, +/−, 1 for 1:1, 0 to fit) and pans by dragging."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QMouseEvent, QPainter, QPaintEvent, QPixmap, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

ZOOM_STEP: Final = 1.25
MIN_SCALE: Final = 0.02
MAX_SCALE: Final = 32.0


class ImageCanvas(QWidget):
    """Paints one image at `scale()`: fitted until the user zooms.

    Only the visible part is drawn (the painter clips), so a zoom of 32× on a
    large image costs no more memory than the image itself.
    """

    zoomed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quickLookImage")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._pixmap = QPixmap()
        self._pixel_ratio = 1.0  # full size in the file / size decoded (scaled reading)
        self._scale: float | None = None  # None: fit
        self._centre = QPointF()  # the image point at the middle of the widget
        self._drag_from: QPointF | None = None

    # -- what is shown -------------------------------------------------------

    def set_image(self, image: QImage, full_size: tuple[int, int] | None = None) -> None:
        """Show `image`, fitted; `full_size` is its size in the file when it was read smaller."""
        self._pixmap = QPixmap.fromImage(image)
        self._pixel_ratio = 1.0
        if full_size and image.width() > 0:
            self._pixel_ratio = full_size[0] / image.width()
        self._scale = None
        self._centre = QPointF(image.width() / 2, image.height() / 2)
        self.update()

    def clear(self) -> None:
        self._pixmap = QPixmap()
        self.update()

    def image_size(self) -> QSize:
        return self._pixmap.size()

    def is_fitted(self) -> bool:
        return self._scale is None

    def scale(self) -> float:
        """Screen pixels per pixel of the image as the file holds it (1.0 is 1:1)."""
        return self._draw_scale() / self._pixel_ratio

    def _fit_scale(self) -> float:
        if self._pixmap.isNull():
            return 1.0
        return min(self.width() / self._pixmap.width(), self.height() / self._pixmap.height())

    def _draw_scale(self) -> float:
        """Screen pixels per decoded pixel."""
        return self._fit_scale() if self._scale is None else self._scale

    # -- zoom ----------------------------------------------------------------

    def fit(self) -> None:
        self._scale = None
        self._centre = QPointF(self._pixmap.width() / 2, self._pixmap.height() / 2)
        self.update()
        self.zoomed.emit()

    def actual_size(self) -> None:
        """1:1, one pixel of the file per screen pixel."""
        self._set_draw_scale(self._pixel_ratio)

    def zoom_in(self) -> None:
        self._set_draw_scale(self._draw_scale() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self._set_draw_scale(self._draw_scale() / ZOOM_STEP)

    def _set_draw_scale(self, scale: float, anchor: QPointF | None = None) -> None:
        if self._pixmap.isNull():
            return
        low = min(MIN_SCALE, self._fit_scale())
        scale = max(low, min(MAX_SCALE, scale))
        if anchor is not None:  # keep the image point under the cursor where it is
            old = self._draw_scale()
            offset = anchor - QPointF(self.width() / 2, self.height() / 2)
            point = self._centre + offset / old
            self._centre = point - offset / scale
        self._scale = scale
        self.update()
        self.zoomed.emit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps == 0 or self._pixmap.isNull():
            event.ignore()
            return
        self._set_draw_scale(self._draw_scale() * ZOOM_STEP**steps, event.position())
        event.accept()

    # -- pan -----------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._scale is not None:
            self._drag_from = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            delta = event.position() - self._drag_from
            self._drag_from = event.position()
            self._centre -= delta / self._draw_scale()
            self.update()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag_from = None
        self.unsetCursor()
        super().mouseReleaseEvent(event)

    # -- painting ------------------------------------------------------------

    def target_rect(self) -> QRectF:
        """Where the image lands in widget coordinates."""
        scale = self._draw_scale()
        size = QSize(self._pixmap.width(), self._pixmap.height())
        centre = (
            self._centre if self._scale is not None else QPointF(size.width(), size.height()) / 2
        )
        top_left = QPointF(self.width() / 2, self.height() / 2) - centre * scale
        return QRectF(top_left.x(), top_left.y(), size.width() * scale, size.height() * scale)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._pixmap.isNull():
            return
        painter = QPainter(self)
        # Smooth when shrinking; crisp pixels when enlarged a lot (an 8×8 icon stays sharp).
        smooth = self._draw_scale() < 3.0
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        painter.drawPixmap(self.target_rect(), self._pixmap, QRectF(self._pixmap.rect()))
        painter.end()
