"""The blocking work of thumbnails, run on a QThreadPool: never on the GUI thread.

`make_thumbnail()` is the whole recipe for one file: the disk cache first, then
sniffing (only image, video and audio content is decoded), then the decode.
`CallJob` runs any such function on a pool and hands its result back through a
relay signal, which Qt delivers on the relay's (GUI) thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QSize, QThreadPool, Signal

from taskmon.domain import MediaKind
from taskmon.downloads import sniff_file
from taskmon.ui.media.image_loading import CantPreview, load_scaled_image
from taskmon.ui.media.thumbnail_cache import Thumbnail, ThumbnailCache
from taskmon.ui.media.waveform import draw_waveform
from taskmon.ui.media.worker_priority import lower_this_thread

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ThumbnailOutcome:
    """What a job found for `path`: a thumbnail, or that the media thread must take a look."""

    path: str
    key: str | None
    thumbnail: Thumbnail | None
    probe: MediaKind | None = None  # VIDEO: a frame is needed; AUDIO: a duration
    decoded: bool = False  # True when the file itself was decoded (not the disk cache)


def make_thumbnail(path: str, cache: ThumbnailCache) -> ThumbnailOutcome:
    """Find or make the thumbnail of `path` (blocking: disk and decoding)."""
    key = cache.key_for(path)
    if key is None:
        return ThumbnailOutcome(path, None, Thumbnail.failed("the file is gone"))
    stored = cache.load(key)
    if stored is not None:
        return ThumbnailOutcome(path, key, stored)
    sniffed = sniff_file(path)
    kind = sniffed.kind
    if kind is None:
        thumbnail = Thumbnail.failed(sniffed.reason)
    elif kind is MediaKind.VIDEO:
        return ThumbnailOutcome(path, key, None, probe=MediaKind.VIDEO)
    else:
        try:
            if kind is MediaKind.IMAGE:
                image = load_scaled_image(path, cache.box, sniff=False)
            else:
                image = draw_waveform(path, cache.box)
            thumbnail = Thumbnail(image, None, kind)
        except CantPreview as exc:
            if kind is MediaKind.AUDIO:  # not a WAV `wave` reads: the player may know it
                return ThumbnailOutcome(path, key, None, probe=MediaKind.AUDIO)
            thumbnail = Thumbnail.failed(exc.reason, kind)
    return ThumbnailOutcome(path, key, cache.store(key, thumbnail), decoded=True)


def store_probed(
    path: str, key: str | None, cache: ThumbnailCache, thumbnail: Thumbnail
) -> ThumbnailOutcome:
    """Keep what the media thread made, then report it like any other outcome."""
    if key is not None:
        return ThumbnailOutcome(path, key, cache.store(key, thumbnail), decoded=True)


class JobRelay(QObject):
    """Lives on the GUI thread; jobs emit `done` from the pool, Qt queues it over."""

    done = Signal(object)


class CallJob(QRunnable):
    """Runs `work()` on a pool thread and emits its result (or a failure) through `relay`."""

    def __init__(
        self, work: Callable[[], Any], relay: JobRelay, on_error: Callable[[str], Any]
    ) -> None:
        super().__init__()
        self._work = work
        self._relay = relay
        self._on_error = on_error

    def run(self) -> None:
        lower_this_thread()
        try:
            result = self._work()
        except Exception as exc:  # a decoder bug must not kill the pool thread
            log.exception("thumbnail job failed")
            result = self._on_error(f"{type(exc).__name__}: {exc}")
        try:
            self._relay.done.emit(result)
        except RuntimeError:  # the window went away meanwhile
            pass
        finally:
            self._work = self._on_error = None  # type: ignore[assignment]


class ImageLoader(QObject):
    """Loads scaled images on a pool thread: `load(path, box)`, then `loaded` on the GUI thread.

    For previews (quick look): `loaded(path, QImage or None, reason)`; the file
    is sniffed first, so only real images are decoded.
    """

    loaded = Signal(str, object, str)

    def __init__(self, pool: QThreadPool | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool if pool is not None else QThreadPool.globalInstance()
        self._relay = JobRelay(self)
        self._relay.done.connect(lambda r: self.loaded.emit(*r))

    def load(self, path: str, box: QSize) -> None:
        def work() -> tuple[str, Any, str]:
            try:
                return path, load_scaled_image(path, box), ""
            except CantPreview as exc:
                return path, None, exc.text

        self._pool.start(
            CallJob(work, self._relay, lambda why: (path, None, f"can't preview: {why}"))
        )
