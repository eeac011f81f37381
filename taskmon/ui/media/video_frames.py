"""A frame from the middle of a video (and the length of audio Python can't read), off the GUI.

QMediaPlayer needs a thread with an event loop: `MediaProbe` lives on its own
QThread and takes one file at a time. It loads the file, seeks to the middle,
plays until the first valid frame (ci-notes: a sink also gets an empty frame at
the end), scales it and hands it back through `finished`. A file that does not
load, plays no frame or takes longer than `TIMEOUT_MS` ends with a reason. The
GUI thread only emits requests and receives results: it never waits on it.
"""

from __future__ import annotations

import atexit
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QCoreApplication, QObject, QSize, Qt, QThread, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QImage

from taskmon.ui.media.image_loading import fitted, paintable
from taskmon.ui.media.waveform import audio_icon
from taskmon.ui.media.worker_priority import lower_this_thread

if TYPE_CHECKING:
    # Imported when the first probe starts, not with the window: loading QtMultimedia
    # prints backend notices (pipewire, pulse) that `taskmon --help` must not show.
    from PySide6.QtMultimedia import QMediaPlayer, QVideoFrame

TIMEOUT_MS: Final = 15_000


@dataclass(frozen=True)
class ProbeRequest:
    path: str
    box: QSize
    audio: bool  # True: only the duration is wanted, drawn as an icon


class _FileSignals(QObject):
    """One file's player and sink report here, on the probe's thread, with the file's
    generation: the probe tells its current file's signals from a dropped player's by
    it. Not by `QObject.sender()`, which takes a Qt lock while holding the GIL: a CI
    run deadlocked with the GUI thread, which held that lock and waited for the GIL."""

    def __init__(self, probe: MediaProbe, generation: int, parent: QObject) -> None:
        super().__init__(parent)  # the player: on the probe's thread, gone with it
        self._probe = probe
        self._generation = generation

    @Slot(object)
    def status(self, status: QMediaPlayer.MediaStatus) -> None:
        self._probe._on_status(status, self._generation)

    @Slot(object, str)
    def error(self, _error: object, words: str) -> None:
        self._probe._on_error(words, self._generation)

    @Slot(object)
    def frame(self, frame: QVideoFrame) -> None:
        self._probe._on_frame(frame, self._generation)


class MediaProbe(QObject):
    """Lives on its own thread; `request` in, `finished(path, QImage or None, reason)` out."""

    request = Signal(object)  # ProbeRequest
    finished = Signal(str, object, str)

    def __init__(self) -> None:
        super().__init__()
        self._queue: deque[ProbeRequest] = deque()
        self._current: ProbeRequest | None = None
        self._player: QMediaPlayer | None = None
        self._timer: QTimer | None = None
        self._seeked = False
        self._generation = 0
        self.request.connect(self._enqueue, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _enqueue(self, request: ProbeRequest) -> None:
        lower_this_thread()  # before any player exists: FFmpeg's threads inherit it
        self._queue.append(request)
        if self._current is None:
            self._next()

    def _next(self) -> None:
        # Called directly by `_enqueue` when idle and queued by `_finish`: a request can
        # arrive between the two, and must not be dropped by the queued call finding the
        # queue empty while that request's player runs.
        if self._current is not None or not self._queue:
            return
        from PySide6.QtMultimedia import QMediaPlayer, QVideoSink

        self._current = self._queue.popleft()
        self._seeked = False
        if self._timer is None:
            self._timer = QTimer(self)
            self._timer.setSingleShot(True)
            self._timer.timeout.connect(lambda: self._finish(None, "it did not decode in time"))
        # A new player per file: a stopped player still sends the old file's status
        # changes, which must never be taken for the next file's.
        self._generation += 1
        player = QMediaPlayer(self)
        sink = QVideoSink(player)
        player.setVideoSink(sink)
        # Slots of an object on this thread: Qt delivers them here (the sink's frames
        # come from a decoder thread), tagged with this file's generation.
        signals = _FileSignals(self, self._generation, player)
        player.mediaStatusChanged.connect(signals.status)
        player.errorOccurred.connect(signals.error)
        sink.videoFrameChanged.connect(signals.frame)
        self._player = player
        self._timer.start(TIMEOUT_MS)
        player.setSource(QUrl.fromLocalFile(self._current.path))

    def _mine(self, generation: int) -> bool:
        """Whether a signal of file `generation` comes from the current file's player."""
        return (
            self._current is not None
            and self._player is not None
            and generation == self._generation
        )

    def _on_status(self, status: QMediaPlayer.MediaStatus, generation: int) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        current, player = self._current, self._player
        if current is None or player is None or not self._mine(generation):
            return
        if status == QMediaPlayer.MediaStatus.InvalidMedia:
            self._finish(None, "it does not play (invalid media)")
        elif status == QMediaPlayer.MediaStatus.LoadedMedia and not self._seeked:
            self._seeked = True
            if current.audio:
                duration = player.duration()
                self._finish(audio_icon(current.box, duration / 1000 if duration > 0 else None), "")
                return
            if not player.hasVideo():
                self._finish(None, "it holds no picture")
                return
            player.setPosition(max(0, player.duration() // 2))
            player.play()
        elif status == QMediaPlayer.MediaStatus.EndOfMedia and self._seeked:
            self._finish(None, "no frame decoded")

    def _on_error(self, words: str, generation: int) -> None:
        if self._mine(generation):
            self._finish(None, f"it does not play ({words or 'unknown error'})")

    def _on_frame(self, frame: QVideoFrame, generation: int) -> None:
        current = self._current
        if current is None or current.audio or not self._mine(generation):
            return
        if not frame.isValid() or not self._seeked:
            return
        image = frame.toImage()
        if image.isNull():
            return
        scaled = image.scaled(
            fitted(image.size(), current.box),
            Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self._finish(paintable(scaled), "")

    def _finish(self, image: QImage | None, reason: str) -> None:
        current = self._current
        if current is None:
            return
        self._current = None  # late frames of this file are ignored from here on
        if self._timer is not None:
            self._timer.stop()
        self._drop_player()
        self.finished.emit(current.path, image, reason)
        QTimer.singleShot(0, self, self._next)

    def _drop_player(self) -> None:
        player, self._player = self._player, None
        if player is not None:
            player.stop()
            player.deleteLater()  # on this thread's loop, after the signals now queued

    @Slot()
    def shut_down(self) -> None:
        """Drop the player on its own thread (called queued before the thread quits)."""
        self._queue.clear()
        self._current = None
        if self._timer is not None:
            self._timer.stop()
        self._drop_player()
        self.thread().quit()


class MediaProbeThread(QObject):
    """Owns the probe and its thread; `probe(request)` never blocks the caller.

    One per process (`shared_probe()`): a running QThread must never be destroyed
    with the window that happened to start it, so it lives until the application
    quits (or the interpreter exits) and is stopped then.
    """

    finished = Signal(str, object, str)
    _stop = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        import PySide6.QtMultimedia  # noqa: F401 - loaded here, on the GUI thread, once

        self._thread = QThread()
        self._thread.setObjectName("taskmon-media-probe")
        self._probe = MediaProbe()
        self._probe.moveToThread(self._thread)
        self._probe.finished.connect(self.finished)
        self._stop.connect(self._probe.shut_down, Qt.ConnectionType.QueuedConnection)
        # Deleted on its own thread as that thread ends (Qt runs the deferred delete then).
        self._thread.finished.connect(self._probe.deleteLater)
        self._thread.start(QThread.Priority.LowPriority)

    def probe(self, request: ProbeRequest) -> None:
        self._probe.request.emit(request)

    def stop(self, timeout_ms: int = 5000) -> None:
        """Stop the thread (its player goes with it); waits at most `timeout_ms`."""
        if self._thread.isRunning():
            self._stop.emit()
            if not self._thread.wait(timeout_ms):
                self._thread.quit()
                self._thread.wait(timeout_ms)

    def running(self) -> bool:
        return self._thread.isRunning()


_shared: MediaProbeThread | None = None


def shared_probe() -> MediaProbeThread:
    """The process's media probe thread, started on first use; stopped when the app quits."""
    global _shared
    if _shared is None or not _shared.running():
        _shared = MediaProbeThread()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(stop_shared_probe)
    return _shared


def stop_shared_probe() -> None:
    """Stop the shared probe thread, if it runs (idempotent)."""
    global _shared
    if _shared is not None:
        _shared.stop()
        _shared = None


atexit.register(stop_shared_probe)  # before Qt's objects go at interpreter exit
