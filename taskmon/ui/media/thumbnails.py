"""Thumbnails for the views: asked for while painting, made off the GUI thread, cached.

`Thumbnails.get(path)` answers at once: the thumbnail when it is known, else
None, and the file is planned; `arrived` says which became known (at most one
signal per `BATCH_MS`, so a screenful arriving together costs one repaint of
those cells). Views register what they show (`add_source`: the paths on screen
in reading order, and the next page), and the plan follows them: the rows on
screen top to bottom first (the list or the grid, then the details strip), then
other files asked for, then the next page, then results that just landed
(`prefetch`). Rows scrolled away leave the plan. Pool workers take the next
step from the plan when they are free (work_plan.py); video frames (and the
length of audio that is not WAV) go to the media probe's thread. Known
thumbnails stay in memory (LRU), with copies already scaled, by a worker, to
the sizes the views paint: painting converts nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Final, NamedTuple

from PySide6.QtCore import QObject, QSize, QThread, QThreadPool, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap

from taskmon.domain import MediaKind
from taskmon.ui.media.thumbnail_cache import Thumbnail, ThumbnailCache
from taskmon.ui.media.thumbnail_jobs import (
    CallJob,
    JobRelay,
    PlanWorker,
    ThumbnailOutcome,
    fit_for_painting,
    store_probed,
)
from taskmon.ui.media.video_frames import MediaProbeThread, ProbeRequest, shared_probe
from taskmon.ui.media.work_plan import WorkPlan

THUMBNAIL_BOX: Final = QSize(256, 256)
# Known thumbnails kept in memory, by their pixels' bytes (a 256 × 192 one is 192 KiB):
# scrolling through 1,000 tasks must not hold them all; the disk cache answers fast.
MEMORY_BYTES: Final = 64 * 1024 * 1024
PIXMAP_BYTES: Final = 32 * 1024 * 1024  # the copies scaled for painting
CACHE_FOLDER: Final = "thumbnails"
BATCH_MS: Final = 30  # thumbnails known within this time are announced together
MAX_ASKED: Final = 256  # files asked for outside the views' screens, most recent kept
MAX_PREFETCH: Final = 500  # results that landed, waiting to be made in the background


class Visible(NamedTuple):
    """What a view shows: `now` on screen in reading order, `ahead` the next page."""

    now: list[str]
    ahead: list[str]


VisibleSource = Callable[[], Visible]
NOTHING: Final = Visible([], [])


class _Source:
    def __init__(self, look: VisibleSource, priority: int) -> None:
        self.look = look
        self.priority = priority
        self.shown: set[str] = set()  # on screen at the last plan


class Thumbnails(QObject):
    """The thumbnails of result files, by absolute path."""

    ready = Signal(str)
    arrived = Signal(object)  # frozenset[str]: known since the last announcement

    def __init__(
        self,
        data_dir: Path | None,
        box: QSize = THUMBNAIL_BOX,
        parent: QObject | None = None,
        *,
        threads: int | None = None,
    ) -> None:
        super().__init__(parent)
        folder = data_dir / CACHE_FOLDER if data_dir is not None else None
        self.cache = ThumbnailCache(folder, box)
        # Every core: decoding is the wait; the workers run at a lower priority than the GUI.
        workers = threads if threads is not None else max(2, QThread.idealThreadCount())
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max(1, workers))
        self._plan = WorkPlan(self._pool.maxThreadCount())
        self._relay = JobRelay(self)
        self._relay.done.connect(self._on_outcome)
        self._known: OrderedDict[str, Thumbnail] = OrderedDict()
        self._known_bytes = 0
        self._pixmaps: OrderedDict[tuple[str, int, int], QPixmap] = OrderedDict()
        self._pixmap_bytes = 0
        self._sizes: frozenset[tuple[int, int]] = frozenset()  # what the views paint
        self._sources: list[_Source] = []
        self._asked: OrderedDict[str, None] = OrderedDict()  # by get(), latest last
        self._landed: OrderedDict[str, None] = OrderedDict()  # prefetch(), oldest first
        self._planned: set[str] = set()
        self._probing: dict[str, tuple[str | None, MediaKind]] = {}
        self._probe: MediaProbeThread | None = None
        self._closed = False
        self._replan = QTimer(self)
        self._replan.setSingleShot(True)
        self._replan.setInterval(0)
        self._replan.timeout.connect(self._make_plan)
        self._batch: set[str] = set()
        self._announce = QTimer(self)
        self._announce.setSingleShot(True)
        self._announce.setInterval(BATCH_MS)
        self._announce.timeout.connect(self._announce_batch)
        self.decodes = 0  # files decoded (not read from the disk cache): tests count these
        self.disk_hits = 0
        self.plans = 0  # plans made (tests: asking again while planned costs none)
        if folder is not None:  # keep the disk cache bounded, in the background
            self._pool.start(CallJob(self.cache.prune, self._relay, lambda _why: None))

    # -- asking ------------------------------------------------------------------------

    def get(self, path: str) -> Thumbnail | None:
        """The thumbnail of `path`, or None while it is being made (`arrived` follows)."""
        known = self._known.get(path)
        if known is not None:
            self._known.move_to_end(path)
            return known
        if self._closed:
            return None
        if path in self._asked:
            self._asked.move_to_end(path)  # asked again: wanted now
        else:
            self._asked[path] = None
            while len(self._asked) > MAX_ASKED:
                self._asked.popitem(last=False)
        if path not in self._planned and path not in self._probing:
            self.plan_soon()
        return None

    def pixmap(self, path: str, size: QSize) -> QPixmap | None:
        """The thumbnail fitted into `size` for painting, or None while it is made.

        Sizes a view paints are scaled by the workers as thumbnails are made;
        only a size seen for the first time is scaled here (a resized column).
        """
        self.add_size(size)  # before the thumbnail is made: the worker scales it
        thumbnail = self.get(path)
        if thumbnail is None or thumbnail.image is None:
            return None
        key = (path, size.width(), size.height())
        cached = self._pixmaps.get(key)
        if cached is not None:
            self._pixmaps.move_to_end(key)
            return cached
        pixmap = QPixmap.fromImage(fit_for_painting(thumbnail.image, size))
        self._keep_pixmap(key, pixmap)
        return pixmap

    def known(self, path: str) -> bool:
        """Whether the thumbnail (or the reason there is none) of `path` is known; asks nothing."""
        return path in self._known

    def pending(self) -> int:
        """Files planned (on screen, asked, the next page, landed), not known yet."""
        waiting = self._plan.paths() | self._asked.keys() | self._landed.keys()
        return len(waiting | self._probing.keys())

    # -- what the views show -------------------------------------------------------------

    def add_source(self, look: VisibleSource, priority: int = 0) -> None:
        """A view's screen: `look()` says what it shows now (NOTHING while hidden).

        Lower `priority` first: the list and the grid 0, the details strip 1.
        """
        self._sources.append(_Source(look, priority))
        self._sources.sort(key=lambda source: source.priority)
        self.plan_soon()

    def add_size(self, size: QSize) -> None:
        """A size a view paints thumbnails at: workers scale new thumbnails to it."""
        pair = (size.width(), size.height())
        if pair not in self._sizes and size.width() > 0 and size.height() > 0:
            self._sizes = self._sizes | {pair}  # a new set: workers read it without a lock

    def plan_soon(self) -> None:
        """Something shown changed (a scroll, a switch of view): plan again on the next turn."""
        if not self._closed and not self._replan.isActive():
            self._replan.start()

    def prefetch(self, paths: Iterable[str]) -> None:
        """Results that landed: make their thumbnails in the background, after what is shown."""
        for path in paths:
            if path not in self._known and path not in self._landed:
                self._landed[path] = None
        while len(self._landed) > MAX_PREFETCH:
            self._landed.popitem(last=False)
        self.plan_soon()

    # -- working -----------------------------------------------------------------------

    def _make_plan(self) -> None:
        if self._closed:
            return
        self.plans += 1
        now: list[str] = []
        ahead: list[str] = []
        for source in self._sources:
            seen = source.look()
            now += seen.now
            ahead += seen.ahead
            shown = set(seen.now)
            for gone in source.shown - shown:  # scrolled away: not wanted any more
                self._asked.pop(gone, None)
            source.shown = shown
        tiers = [now, list(reversed(self._asked)), ahead, list(self._landed)]
        skip = self._known.keys() | self._probing.keys()
        tiers = [[p for p in tier if p not in skip] for tier in tiers]
        self._planned = {p for tier in tiers for p in tier}
        self._plan.replace(tiers)
        self._start_workers()

    def _start_workers(self) -> None:
        for _ in range(self._plan.workers_to_start()):
            self._pool.start(PlanWorker(self._plan, self.cache, self._relay, self._paint_sizes))

    def _paint_sizes(self) -> frozenset[tuple[int, int]]:
        return self._sizes  # read on a worker thread: the attribute is swapped whole

    def _on_outcome(self, outcome: object) -> None:
        if self._closed or not isinstance(outcome, ThumbnailOutcome):
            return  # (the prune job's count)
        path = outcome.path
        self._plan.finished(path)
        self._planned.discard(path)
        if outcome.probe is not None:
            self._probing[path] = (outcome.key, outcome.probe)
            self._media_probe().probe(
                ProbeRequest(path, self.cache.box, outcome.probe is MediaKind.AUDIO)
            )
            return
        if outcome.thumbnail is None:
            return
        self._probing.pop(path, None)
        if outcome.decoded:
            self.decodes += 1
        elif outcome.key is not None:
            self.disk_hits += 1
        self._asked.pop(path, None)
        self._landed.pop(path, None)
        self._remember(path, outcome.thumbnail, outcome.fitted)

    def _on_probed(self, path: str, image: object, reason: str) -> None:
        if self._closed or path not in self._probing:
            return
        key, kind = self._probing[path]  # stays there until stored: no second probe
        if isinstance(image, QImage) and not image.isNull():
            thumbnail = Thumbnail(image, None, kind)
        else:
            thumbnail = Thumbnail.failed(reason or "it does not decode", kind)
        cache = self.cache
        self._plan.add_urgent(lambda: store_probed(path, key, cache, thumbnail), path)
        self._start_workers()

    def _remember(
        self, path: str, thumbnail: Thumbnail, fitted: dict[tuple[int, int], QImage]
    ) -> None:
        previous = self._known.pop(path, None)
        if previous is not None:
            self._known_bytes -= _bytes_of(previous)
            self._drop_pixmaps(path)
        self._known[path] = thumbnail
        self._known_bytes += _bytes_of(thumbnail)
        while self._known_bytes > MEMORY_BYTES and len(self._known) > 1:
            old, dropped = self._known.popitem(last=False)
            self._known_bytes -= _bytes_of(dropped)
            self._drop_pixmaps(old)
        for (width, height), image in fitted.items():
            self._keep_pixmap((path, width, height), QPixmap.fromImage(image))
        self.ready.emit(path)
        self._batch.add(path)
        if not self._announce.isActive():  # not restarted: a steady stream still shows
            self._announce.start()

    def _announce_batch(self) -> None:
        batch, self._batch = frozenset(self._batch), set()
        if batch and not self._closed:
            self.arrived.emit(batch)

    def _keep_pixmap(self, key: tuple[str, int, int], pixmap: QPixmap) -> None:
        old = self._pixmaps.pop(key, None)
        if old is not None:
            self._pixmap_bytes -= _pixmap_bytes(old)
        self._pixmaps[key] = pixmap
        self._pixmap_bytes += _pixmap_bytes(pixmap)
        while self._pixmap_bytes > PIXMAP_BYTES and len(self._pixmaps) > 1:
            _, dropped = self._pixmaps.popitem(last=False)
            self._pixmap_bytes -= _pixmap_bytes(dropped)

    def _drop_pixmaps(self, path: str) -> None:
        for key in [k for k in self._pixmaps if k[0] == path]:
            self._pixmap_bytes -= _pixmap_bytes(self._pixmaps.pop(key))

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
        self._replan.stop()
        self._announce.stop()
        # The views' sources refer back to views that refer to this object: without that
        # cycle, Python frees it at once, on this thread (a collection on a worker
        # thread would destroy its timers from the wrong thread).
        self._sources.clear()
        self._plan.clear()
        self._pool.clear()
        self._pool.waitForDone(5000)
        self._probing.clear()  # the shared probe thread runs on for other windows


def _pixmap_bytes(pixmap: QPixmap) -> int:
    return max(1, pixmap.width() * pixmap.height() * 4)


def _bytes_of(thumbnail: Thumbnail) -> int:
    return thumbnail.image.sizeInBytes() if thumbnail.image is not None else 256
