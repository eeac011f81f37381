"""Load an image scaled down, safely, on any thread: the one way taskmon decodes images.

The file is sniffed first (a script named `.png` is never handed to a decoder),
its dimensions are read from the header and refused past `MAX_PIXELS` (a
30,000 × 30,000 PNG is 3.6 GB of pixels), and the decoder runs under
`QImageReader.setAllocationLimit`, so a header that lies cannot allocate more
either. Safe off the main thread: QImage and QImageReader are reentrant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QImageReader

from taskmon.domain import MediaKind
from taskmon.downloads import sniff_file

MAX_PIXELS: Final = 100_000_000  # 10,000 × 10,000: more than any generator sends
ALLOCATION_LIMIT_MB: Final = 512  # what one decode may allocate at most


class CantPreview(Exception):
    """A file that is not shown: `reason` says why, in words ("it is truncated")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def text(self) -> str:
        return f"can't preview: {self.reason}"


def require_media(path: str | Path, *kinds: MediaKind) -> MediaKind:
    """The file's media kind by content; CantPreview when it is not (one of) `kinds`."""
    sniffed = sniff_file(path)
    if sniffed.kind is None:
        raise CantPreview(sniffed.reason)
    if kinds and sniffed.kind not in kinds:
        raise CantPreview(f"it is {sniffed.kind.value}, not {kinds[0].value}")
    return sniffed.kind


def is_media(path: str | Path) -> bool:
    """Whether the file's first bytes say image, video or audio (reads the disk: off the GUI)."""
    return sniff_file(path).kind is not None


def fitted(size: QSize, box: QSize) -> QSize:
    """`size` scaled to fit inside `box`, aspect kept, never scaled up, at least 1×1."""
    if size.width() <= box.width() and size.height() <= box.height():
        return QSize(max(1, size.width()), max(1, size.height()))
    scaled = size.scaled(box, Qt.AspectRatioMode.KeepAspectRatio)
    return QSize(max(1, scaled.width()), max(1, scaled.height()))


def load_scaled_image(path: str | Path, box: QSize, *, sniff: bool = True) -> QImage:
    """The image at `path` fitted into `box` (never larger than the original).

    Raises CantPreview (not media, too large, truncated, corrupt). Blocking:
    call it from a worker (`ImageLoadJob`), never on the GUI thread.
    """
    if sniff:
        require_media(path, MediaKind.IMAGE)
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)  # camera JPEGs: the orientation the EXIF says
    reader.setAllocationLimit(ALLOCATION_LIMIT_MB)
    size = reader.size()
    if not size.isValid() or size.isEmpty():
        raise CantPreview(_reader_reason(reader, "its header is damaged"))
    if size.width() * size.height() > MAX_PIXELS:
        raise CantPreview(f"too large ({size.width():,} × {size.height():,} pixels)")
    reader.setScaledSize(fitted(size, box))
    image = reader.read()
    if image.isNull():
        raise CantPreview(_reader_reason(reader, "it does not decode"))
    return paintable(image)


def paintable(image: QImage) -> QImage:
    """`image` in a format the raster painter draws without converting it at every paint:
    RGB32 when opaque (a 16-bit PNG decodes as RGBX64), else premultiplied ARGB32."""
    if image.format() in _PAINTABLE:
        return image
    if image.hasAlphaChannel():
        return image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    return image.convertToFormat(QImage.Format.Format_RGB32)


_PAINTABLE: Final = (QImage.Format.Format_ARGB32_Premultiplied, QImage.Format.Format_RGB32)


def _reader_reason(reader: QImageReader, fallback: str) -> str:
    error = reader.error()
    if error == QImageReader.ImageReaderError.UnsupportedFormatError:
        return "the image format is not supported here"
    if error == QImageReader.ImageReaderError.InvalidDataError:
        text = reader.errorString().strip().rstrip(".")
        if "allocation" in text.lower() or "limit" in text.lower():
            return "too large to decode"
        return "it is damaged or truncated"
    if error == QImageReader.ImageReaderError.FileNotFoundError:
        return "the file is gone"
    if error == QImageReader.ImageReaderError.DeviceError:
        return "the file cannot be read"
    return fallback
