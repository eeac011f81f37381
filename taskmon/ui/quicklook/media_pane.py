"""Video and audio: play/pause (K), seek (slider, J/L), loop and mute, on QtMultimedia.

Frames come through a `QVideoSink` and are painted by `FrameView`, which
works the same on every platform plugin (offscreen included) and keeps the
last frame for a test to look at. A `QAudioOutput` is always set: without
one an audio-only source never reaches its end (see ci-notes), and with no
sound card it plays silently.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QRectF, Qt, QUrl, Signal
from PySide6.QtGui import QImage, QPainter, QPaintEvent
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoFrame, QVideoSink
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

SEEK_STEP_MS: Final = 1000  # generated clips last seconds, not hours


def clock(ms: int) -> str:
    seconds = max(0, ms) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


class FrameView(QWidget):
    """The current video frame, fitted; for audio, a note with the file's name."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.frame = QImage()
        self.caption = ""

    def show_frame(self, frame: QVideoFrame) -> None:
        if not frame.isValid():  # the empty frame at the end: keep the last picture
            return
        image = frame.toImage()
        if not image.isNull():
            self.frame = image
            self.update()

    def reset(self, caption: str = "") -> None:
        self.frame = QImage()
        self.caption = caption
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        if not self.frame.isNull():
            size = self.frame.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            x = (self.width() - size.width()) / 2
            y = (self.height() - size.height()) / 2
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(QRectF(x, y, size.width(), size.height()), self.frame)
        elif self.caption:
            font = painter.font()
            font.setPointSizeF(font.pointSizeF() * 1.4)
            painter.setFont(font)
            painter.setPen(self.palette().windowText().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.caption)
        painter.end()


class MediaPane(QWidget):
    """Plays one video or audio file; `failed` says why it cannot."""

    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quickLookMedia")
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.sink = QVideoSink(self)
        self.player.setVideoSink(self.sink)
        self.view = FrameView(self)

        self.play_button = _button("Play", self)
        self.play_button.clicked.connect(self.toggle_play)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName("quickLookSeek")
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setRange(0, 0)
        self.slider.sliderMoved.connect(self.player.setPosition)
        self.time_label = QLabel("0:00 / 0:00", self)
        self.loop_button = _button("Loop", self, checkable=True)
        self.loop_button.toggled.connect(self.set_loop)
        self.mute_button = _button("Mute", self, checkable=True)
        self.mute_button.toggled.connect(self.audio.setMuted)

        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time_label)
        controls.addWidget(self.loop_button)
        controls.addWidget(self.mute_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(controls)

        self.sink.videoFrameChanged.connect(self.view.show_frame)
        self.player.durationChanged.connect(self._on_duration)
        self.player.positionChanged.connect(self._on_position)
        self.player.playbackStateChanged.connect(self._on_state)
        self.player.errorOccurred.connect(self._on_error)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.audio.mutedChanged.connect(self.mute_button.setChecked)
        self._reported = False

    def play_file(self, path: str, caption: str = "") -> None:
        """Start playing `path` from the beginning (the player opens it asynchronously)."""
        self.stop()
        self._reported = False
        self.view.reset(caption)
        self.slider.setRange(0, 0)
        self.player.setSource(QUrl.fromLocalFile(path))
        self.player.play()

    def stop(self) -> None:
        """Stop and let go of the file."""
        self.player.stop()
        self.player.setSource(QUrl())

    # -- commands (buttons and keys) ------------------------------------------

    def toggle_play(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            if self.player.mediaStatus() == QMediaPlayer.MediaStatus.EndOfMedia:
                self.player.setPosition(0)
            self.player.play()

    def seek_by(self, delta_ms: int) -> None:
        duration = max(0, self.player.duration())
        self.player.setPosition(max(0, min(duration, self.player.position() + delta_ms)))

    def set_loop(self, loop: bool) -> None:
        self.player.setLoops(QMediaPlayer.Loops.Infinite if loop else QMediaPlayer.Loops.Once)
        self.loop_button.setChecked(loop)

    def toggle_mute(self) -> None:
        self.audio.setMuted(not self.audio.isMuted())

    # -- player news ---------------------------------------------------------

    def _on_duration(self, duration: int) -> None:
        self.slider.setRange(0, max(0, duration))
        self._on_position(self.player.position())

    def _on_position(self, position: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(position)
        self.time_label.setText(f"{clock(position)} / {clock(self.player.duration())}")

    def _on_state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText("Pause" if playing else "Play")

    def _on_error(self, error: QMediaPlayer.Error, message: str) -> None:
        if error != QMediaPlayer.Error.NoError:
            self._fail(message or "it does not decode")

    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.InvalidMedia:
            self._fail(self.player.errorString() or "it does not decode")

    def _fail(self, message: str) -> None:
        if self._reported:
            return
        self._reported = True
        self.player.stop()
        self.failed.emit(message)


def _button(text: str, parent: QWidget, *, checkable: bool = False) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setCheckable(checkable)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space and arrows belong to the quick look
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    return button
