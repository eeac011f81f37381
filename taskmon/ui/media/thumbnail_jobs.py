"""The blocking work of thumbnails, run on a QThreadPool: never on the GUI thread.

`make_thumbnail()` is the whole recipe for one file: the disk cache first, then
sniffing (only image, video and audio content is decoded), then the decode; in
two steps, `look_at()` (quick) and `make_from()` (slow), which `PlanWorker`
takes from a `WorkPlan` in the order the GUI thread sets. Results are handed
back through a relay signal, which Qt delivers on the relay's (GUI) thread,
with the picture already scaled to the sizes the views paint (`with_fitted`).
`CallJob` runs any other such function on a pool.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage

from taskmon.domain import MediaKind
from taskmon.downloads import sniff_file
from taskmon.ui.media.image_loading import CantPreview, fitted, load_scaled_image
from taskmon.ui.media.thumbnail_cache import Thumbnail, ThumbnailCache
from taskmon.ui.media.waveform import draw_waveform
from taskmon.ui.media.work_plan import LOOK, URGENT, Looked, Step, WorkPlan
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
    # The picture already fitted to the sizes the views paint (made here, off the GUI).
    fitted: dict[tuple[int, int], QImage] = field(default_factory=dict)


def look_at(path: str, cache: ThumbnailCache) -> ThumbnailOutcome | Looked:
    """The quick step: the disk cache, else the file's kind by its first bytes.

    An outcome when that settles it (cached, not media, a video for the media
    thread), else what `make_from()` needs.
    """
    key = cache.key_for(path)
    if key is None:
        return ThumbnailOutcome(path, None, Thumbnail.failed("the file is gone"))
    stored = cache.load(key)
    if stored is not None:
        return ThumbnailOutcome(path, key, stored)
    sniffed = sniff_file(path)
    if sniffed.kind is None:
        return ThumbnailOutcome(
            path, key, cache.store(key, Thumbnail.failed(sniffed.reason)), decoded=True
        )
    if sniffed.kind is MediaKind.VIDEO:
        return ThumbnailOutcome(path, key, None, probe=MediaKind.VIDEO)
    return Looked(key, sniffed.kind)


def make_from(path: str, looked: Looked, cache: ThumbnailCache) -> ThumbnailOutcome:
    """The slow step: decode an image or draw a waveform, and keep it on disk."""
    kind = looked.kind
    try:
        if kind is MediaKind.IMAGE:
            image = load_scaled_image(path, cache.box, sniff=False)
        else:
            image = draw_waveform(path, cache.box)
        thumbnail = Thumbnail(image, None, kind)
    except CantPreview as exc:
        if kind is MediaKind.AUDIO:  # not a WAV `wave` reads: the player may know it
            return ThumbnailOutcome(path, looked.key, None, probe=MediaKind.AUDIO)
        thumbnail = Thumbnail.failed(exc.reason, kind)
    return ThumbnailOutcome(path, looked.key, cache.store(looked.key, thumbnail), decoded=True)


def make_thumbnail(path: str, cache: ThumbnailCache) -> ThumbnailOutcome:
    """Find or make the thumbnail of `path` (blocking: disk and decoding): both steps."""
    found = look_at(path, cache)
    return found if isinstance(found, ThumbnailOutcome) else make_from(path, found, cache)


def with_fitted(outcome: ThumbnailOutcome, sizes: Iterable[tuple[int, int]]) -> ThumbnailOutcome:
    """`outcome` with its picture smoothly scaled to each of `sizes` (what painting needs)."""
    thumbnail = outcome.thumbnail
    if thumbnail is None or thumbnail.image is None:
        return outcome
    made = {size: fit_for_painting(thumbnail.image, QSize(*size)) for size in sizes}
    return replace(outcome, fitted=made)


def fit_for_painting(image: QImage, box: QSize) -> QImage:
    """`image` fitted into `box` with smooth scaling (a few hundred µs: off the GUI thread)."""
    return image.scaled(
        fitted(image.size(), box),
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


def store_probed(
    path: str, key: str | None, cache: ThumbnailCache, thumbnail: Thumbnail
) -> ThumbnailOutcome:
    """Keep what the media thread made, then report it like any other outcome."""
    if key is not None:
        thumbnail = cache.store(key, thumbnail)
    return ThumbnailOutcome(path, key, thumbnail, decoded=True)


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


class PlanWorker(QRunnable):
    """A pool thread's loop: takes steps from `plan` until it is empty, reports each outcome.

    `sizes()` says which sizes the views paint now (read on this thread: it
    returns an immutable set the GUI thread replaces).
    """

    def __init__(
        self,
        plan: WorkPlan,
        cache: ThumbnailCache,
        relay: JobRelay,
        sizes: Callable[[], frozenset[tuple[int, int]]],
    ) -> None:
        super().__init__()
        self._plan = plan
        self._cache = cache
        self._relay = relay
        self._sizes = sizes

    def run(self) -> None:
        lower_this_thread()
        while (step := self._plan.take()) is not None:
            try:
                result = self._do(step)
                if isinstance(result, ThumbnailOutcome):
                    result = with_fitted(result, self._sizes())
            except Exception as exc:  # a decoder bug must not kill the pool thread
                log.exception("thumbnail job failed")
                why = f"{type(exc).__name__}: {exc}"
                result = ThumbnailOutcome(step.path, None, Thumbnail.failed(why))
            if isinstance(result, Looked):
                self._plan.looked(step.path, result)
            elif isinstance(result, ThumbnailOutcome):
                with contextlib.suppress(RuntimeError):  # the window went away meanwhile
                    self._relay.done.emit(result)

    def _do(self, step: Step) -> object:
        if step.what == URGENT:
            return step.job() if step.job is not None else None
        if step.what == LOOK:
            return look_at(step.path, self._cache)
        assert step.looked is not None
        return make_from(step.path, step.looked, self._cache)


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
