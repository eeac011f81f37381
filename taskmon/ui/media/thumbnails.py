"""Thumbnails for the views: asked for while painting, made off the GUI thread, cached.

`Thumbnails.get(path)` answers at once: the thumbnail when it is known, else
None, and the file joins the queue; `ready(path)` says when it is known. The
queue is last-in first-out and feeds the pool a few files at a time, so what was
painted last (the rows on screen now) is made first, and scrolling past a
thousand rows does not bury them. Video frames (and the length of audio that is
not WAV) go to the media probe's thread. Known thumbnails stay in memory (LRU);
scaled pixmaps for painting are kept per size.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import partial
from pathlib import Path
from typing import Final

from PySide6.QtCore import QObject, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QPixmap

from taskmon.domain import MediaKind
from taskmon.ui.media.image_loading import fitted
from taskmon.ui.media.thumbnail_cache import Thumbnail, ThumbnailCache
from taskmon.ui.media.thumbnail_jobs import (
    CallJob,
    JobRelay,
    ThumbnailOutcome,
    make_thumbnail,
    store_probed,
)
from taskmon.ui.media.video_frames import MediaProbeThread, ProbeRequest, shared_probe

THUMBNAIL_BOX: Final = QSize(256, 256)
# Known thumbnails kept in memory, by their pixels' bytes (a 256 × 192 one is 192 KiB):
# scrolling through 1,000 tasks must not hold them all; the disk cache answers fast.
MEMORY_BYTES: Final = 64 * 1024 * 1024
PIXMAP_ITEMS: Final = 300
CACHE_FOLDER: Final = "thumbnails"


class Thumbnails(QObject):
    """The thumbnails of result files, by absolute path."""

    ready = Signal(str)

    def __init__(
        self,
        data_dir: Path | None,
        box: QSize = THUMBNAIL_BOX,
        parent: QObject | None = None,
        *,
        threads: int = 2,
    ) -> None:
        super().__init__(parent)
        folder = data_dir / CACHE_FOLDER if data_dir is not None else None
        self.cache = ThumbnailCache(folder, box)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max(1, threads))
        self._relay = JobRelay(self)
        self._relay.done.connect(self._on_outcome)
        self._known: OrderedDict[str, Thumbnail] = OrderedDict()
        self._known_bytes = 0
        self._pixmaps: OrderedDict[tuple[str, int, int], QPixmap] = OrderedDict()
        self._waiting: OrderedDict[str, None] = OrderedDict()  # asked for, not started
        self._working: set[str] = set()
        self._probe_keys: dict[str, tuple[str | None, MediaKind]] = {}
        self._probe: MediaProbeThread | None = None
        self._closed = False
        self.decodes = 0  # files decoded (not read from the disk cache): tests count these
        self.disk_hits = 0
        if folder is not None:  # keep the disk cache bounded, in the background
            self._pool.start(CallJob(self.cache.prune, self._relay, lambda _why: None))

    # -- asking ------------------------------------------------------------------------

    def get(self, path: str) -> Thumbnail | None:
        """The thumbnail of `path`, or None while it is being made (`ready` follows)."""
        known = self._known.get(path)
        if known is not None:
            self._known.move_to_end(path)
            return known
        if path not in self._working and not self._closed:
            self._waiting[path] = None
            self._waiting.move_to_end(path)  # asked again: it is on screen now
            self._pump()
        return None

    def pixmap(self, path: str, size: QSize) -> QPixmap | None:
        """The thumbnail fitted into `size` for painting (cached), or None."""
        thumbnail = self.get(path)
        if thumbnail is None or thumbnail.image is None:
            return None
        key = (path, size.width(), size.height())
        cached = self._pixmaps.get(key)
        if cached is not None:
            self._pixmaps.move_to_end(key)
            return cached
        image: QImage = thumbnail.image
        target = fitted(image.size(), size)
        scaled = image.scaled(
            target, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        pixmap = QPixmap.fromImage(scaled)
        self._pixmaps[key] = pixmap
        while len(self._pixmaps) > PIXMAP_ITEMS:
            self._pixmaps.popitem(last=False)
        return pixmap

    def known(self, path: str) -> bool:
        """Whether the thumbnail (or the reason there is none) of `path` is known; asks nothing."""
        return path in self._known

    def pending(self) -> int:
        """Files asked for whose thumbnails are not known yet."""
        return len(self._waiting) + len(self._working)

    # -- working -----------------------------------------------------------------------

    def _pump(self) -> None:
        while self._waiting and len(self._working) < self._pool.maxThreadCount() * 2:
            path, _ = self._waiting.popitem(last=True)  # the latest asked for first
            self._working.add(path)
            work = partial(make_thumbnail, path, self.cache)
            self._pool.start(CallJob(work, self._relay, partial(_failed, path)))

    def _on_outcome(self, outcome: object) -> None:
        if self._closed or not isinstance(outcome, ThumbnailOutcome):
            return  # (the prune job's count)
        if outcome.probe is not None:
            self._probe_keys[outcome.path] = (outcome.key, outcome.probe)
            self._media_probe().probe(
                ProbeRequest(outcome.path, self.cache.box, outcome.probe is MediaKind.AUDIO)
            )
            return
        self._working.discard(outcome.path)
        if outcome.thumbnail is not None:
            if outcome.decoded:
                self.decodes += 1
            elif outcome.key is not None:
                self.disk_hits += 1
            self._remember(outcome.path, outcome.thumbnail)
        self._pump()

    def _on_probed(self, path: str, image: object, reason: str) -> None:
        if self._closed or path not in self._probe_keys:
            return
        key, kind = self._probe_keys.pop(path)
        if isinstance(image, QImage) and not image.isNull():
            thumbnail = Thumbnail(image, None, kind)
        else:
            thumbnail = Thumbnail.failed(reason or "it does not decode", kind)
        cache = self.cache
        self._pool.start(
            CallJob(
                lambda: store_probed(path, key, cache, thumbnail),
                self._relay,
                lambda _why: ThumbnailOutcome(path, None, thumbnail, decoded=True),
            )
        )

    def _remember(self, path: str, thumbnail: Thumbnail) -> None:
        previous = self._known.pop(path, None)
        if previous is not None:
            self._known_bytes -= _bytes_of(previous)
        self._known[path] = thumbnail
        self._known_bytes += _bytes_of(thumbnail)
        while self._known_bytes > MEMORY_BYTES and len(self._known) > 1:
            old, dropped = self._known.popitem(last=False)
            self._known_bytes -= _bytes_of(dropped)
            for key in [k for k in self._pixmaps if k[0] == old]:
                del self._pixmaps[key]
        self.ready.emit(path)

    def _media_probe(self) -> MediaProbeThread:
        probe = shared_probe()  # started on first need: many sessions hold only images
        if probe is not self._probe:
            self._probe = probe
            probe.finished.connect(self._on_probed)
        return probe

    # -- ending ------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop taking work, let running jobs end, stop the media thread."""
        if self._closed:
            return
        self._closed = True
        self._waiting.clear()
        self._pool.clear()
        self._pool.waitForDone(5000)
        self._probe_keys.clear()  # the shared probe thread runs on for other windows


def _bytes_of(thumbnail: Thumbnail) -> int:
    return thumbnail.image.sizeInBytes() if thumbnail.image is not None else 256


def _failed(path: str, why: str) -> ThumbnailOutcome:
    return ThumbnailOutcome(path, None, Thumbnail.failed(why))
