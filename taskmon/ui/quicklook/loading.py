"""Reading a result for preview, off the main thread, with bounded memory.

`prepare_preview` runs in a worker thread: it sniffs what the bytes are and, for
an image, decodes it with `QImageReader` under an allocation limit. An image
whose format can decode at a smaller size (JPEG) is read scaled; one that
cannot (PNG) and would need more than MAX_FULL_PIXELS is refused from its
header, before a byte of pixels is allocated. Video and audio need no work
here: `QMediaPlayer` opens them asynchronously.
"""

from __future__ import annotations

import math
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import QObject, QSize, QTimer, Signal
from PySide6.QtGui import QImage, QImageIOHandler, QImageReader

from taskmon.domain import MediaKind
from taskmon.downloads import sniff_file

ALLOCATION_LIMIT_MB: Final = 256  # Qt's own backstop for any single decoded image
MAX_FULL_PIXELS: Final = 40_000_000  # 160 MB as 32-bit pixels: the most decoded at full size
SCALED_MAX_SIDE: Final = 4096  # what a format that can decode smaller is read at, at most
POLL_MS: Final = 15


@dataclass(frozen=True, slots=True)
class Prepared:
    """What a file turned out to be, and an image ready to show (or the problem)."""

    path: str
    kind: MediaKind | None
    image: QImage | None = None
    full_size: tuple[int, int] | None = None  # an image's size in its file
    problem: str | None = None  # "can't preview: <problem>"


def prepare_preview(path: str) -> Prepared:
    """Sniff `path` and decode it when it is an image (safe in a worker thread)."""
    sniffed = sniff_file(path)  # never through a link, never blocked on a FIFO
    kind = sniffed.kind
    if kind is None:
        return Prepared(path, None, problem=sniffed.reason)
    if kind is not MediaKind.IMAGE:
        return Prepared(path, kind)
    return _read_image(path)


def _read_image(path: str) -> Prepared:
    reader = QImageReader(path)
    reader.setAllocationLimit(ALLOCATION_LIMIT_MB)
    reader.setAutoTransform(True)  # camera orientation
    size = reader.size()
    if not size.isValid() or size.isEmpty():
        return Prepared(path, MediaKind.IMAGE, problem=_reader_problem(reader))
    full = (size.width(), size.height())
    pixels = full[0] * full[1]
    if max(full) > SCALED_MAX_SIDE or pixels > MAX_FULL_PIXELS:
        if reader.supportsOption(QImageIOHandler.ImageOption.ScaledSize):
            factor = min(SCALED_MAX_SIDE / max(full), math.sqrt(MAX_FULL_PIXELS / pixels), 1.0)
            reader.setScaledSize(
                QSize(max(1, int(full[0] * factor)), max(1, int(full[1] * factor)))
            )
        elif pixels > MAX_FULL_PIXELS:
            return Prepared(
                path,
                MediaKind.IMAGE,
                full_size=full,
                problem=f"the image is too large to preview ({full[0]:,} × {full[1]:,} pixels)",
            )
    image = reader.read()
    if image.isNull():
        return Prepared(path, MediaKind.IMAGE, full_size=full, problem=_reader_problem(reader))
    return Prepared(path, MediaKind.IMAGE, image=image, full_size=full)


def _reader_problem(reader: QImageReader) -> str:
    error = reader.error()
    if error is QImageReader.ImageReaderError.UnsupportedFormatError:
        return "the image format is not supported"
    if error is QImageReader.ImageReaderError.FileNotFoundError:
        return "the file is gone"
    # Qt says "Unable to read image data" for a cut file and for one over the limit alike.
    return "the image does not decode (damaged, cut short or too large)"


class PreviewLoader(QObject):
    """Runs `prepare_preview` in one worker thread; `ready` fires on the Qt thread.

    Only the newest request counts: a result for a path the user has moved away
    from is dropped. Results are collected by a timer rather than a signal
    emitted from the worker, so no Qt object is ever touched off its thread.
    """

    ready = Signal(object)  # Prepared

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quicklook")
        self._pending: Future[Prepared] | None = None
        self._pending_path = ""
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._collect)
        # The worker thread ends with this object (the closure holds the executor, not self).
        executor = self._executor
        self.destroyed.connect(lambda *_: executor.shutdown(wait=False, cancel_futures=True))

    def request(self, path: str) -> None:
        if self._pending is not None:
            self._pending.cancel()  # not started yet: skipped; running: its result is dropped
        self._pending = self._executor.submit(prepare_preview, path)
        self._pending_path = path
        self._timer.start()

    def cancel(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
        self._pending = None
        self._timer.stop()

    def busy(self) -> bool:
        return self._pending is not None

    def shutdown(self) -> None:
        self.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _collect(self) -> None:
        job = self._pending
        if job is None:
            self._timer.stop()
            return
        if not job.done():
            return
        self._pending = None
        self._timer.stop()
        if job.cancelled():
            return
        error = job.exception()
        if error is not None:
            self.ready.emit(Prepared(self._pending_path, None, problem=f"reading failed: {error}"))
            return
        self.ready.emit(job.result())
