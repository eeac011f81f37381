"""The quick look window: one task's outputs, large, with the keys of a file manager's preview.

Space or Escape closes it; Left/Right move between the task's outputs;
Up/Down (Page Up/Page Down) move to the previous/next task of the list it was
opened from. Images: + and − (or the wheel) zoom, 1 shows 1:1, 0 fits.
Video and audio: K plays/pauses, J/L seek 1 s back/forward, M mutes.
Every control refuses the keyboard focus, so those keys always reach the window.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices, QHideEvent, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from taskmon.domain import MediaKind, TaskView
from taskmon.ui.quicklook.image_canvas import ImageCanvas
from taskmon.ui.quicklook.loading import Prepared, PreviewLoader
from taskmon.ui.quicklook.media_pane import SEEK_STEP_MS, MediaPane
from taskmon.ui.quicklook.slots import STILL_DOWNLOADING, PreviewSlot, preview_slots
from taskmon.ui.table import cell_text

Neighbour = Callable[[TaskView, int], "TaskView | None"]
Progress = Callable[[TaskView], "float | None"]  # the fraction of a task's result bytes on disk

PROGRESS_MS: Final = 500  # how often "still downloading (42 %)" is read again


def percent(fraction: float) -> str:
    """`42 %`; never 100 % before the end, never 0 % once something came."""
    value = int(fraction * 100)
    if fraction > 0 and value == 0:
        value = 1
    return f"{min(value, 99)} %"


@dataclass
class _Command:
    button: QPushButton
    run: Callable[[PreviewSlot], None]
    enabled: Callable[[PreviewSlot], bool]


class QuickLook(QDialog):
    """A large, non-modal preview of one task's results."""

    taskShown = Signal(object)  # the TaskView now shown, after a move to another task

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quickLook")
        self.setWindowTitle("Quick look")
        self.setModal(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(480, 360)
        self._neighbour: Neighbour | None = None
        self._progress: Progress | None = None
        self._progress_timer = QTimer(self)
        self._progress_timer.setInterval(PROGRESS_MS)
        self._progress_timer.timeout.connect(self._show_download_progress)
        self._view: TaskView | None = None
        self._slots: list[PreviewSlot] = []
        self._at = 0
        self._commands: list[_Command] = []

        self.title = QLabel(self)
        self.title.setObjectName("quickLookTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.subtitle = QLabel(self)
        self.subtitle.setObjectName("quickLookSubtitle")
        self.subtitle.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.zoom_label = QLabel(self)

        self.canvas = ImageCanvas(self)
        self.canvas.zoomed.connect(self._show_zoom)
        self.media = MediaPane(self)
        self.media.failed.connect(lambda reason: self._say(f"can't preview: {reason}"))
        self.message = QLabel(self)
        self.message.setObjectName("quickLookMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.stage = QStackedWidget(self)
        for page in (self.message, self.canvas, self.media):
            self.stage.addWidget(page)

        self.last_frame = QLabel(self)
        self.last_frame.setObjectName("quickLookLastFrame")
        self.last_frame.setTextFormat(Qt.TextFormat.RichText)
        self.last_frame.setOpenExternalLinks(False)
        self.last_frame.linkActivated.connect(_open_web_link)
        self.last_frame.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.last_frame.hide()

        self.hint = QLabel("← → outputs   ↑ ↓ tasks   Space closes", self)
        self.hint.setEnabled(False)  # drawn dimmed: a reminder, not content
        self._footer = QHBoxLayout()
        self._footer.addWidget(self.hint, 1)

        header = QHBoxLayout()
        names = QVBoxLayout()
        names.addWidget(self.title)
        names.addWidget(self.subtitle)
        header.addLayout(names, 1)
        header.addWidget(self.zoom_label)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.stage, 1)
        layout.addWidget(self.last_frame)
        layout.addLayout(self._footer)

        self.loader = PreviewLoader(self)
        self.loader.ready.connect(self._on_prepared)

    # -- what the window shows -------------------------------------------------

    def set_neighbour(self, neighbour: Neighbour | None) -> None:
        """How Up/Down find the previous/next task: `neighbour(view, -1 or +1)`."""
        self._neighbour = neighbour

    def set_progress(self, progress: Progress | None) -> None:
        """How far a task's downloads are, for "still downloading (42 %)" (None: unknown)."""
        self._progress = progress

    def add_command(
        self,
        text: str,
        run: Callable[[PreviewSlot], None],
        enabled: Callable[[PreviewSlot], bool],
        tip: str = "",
    ) -> QPushButton:
        """A button acting on the output shown (Open, Show in folder, Copy …)."""
        button = QPushButton(text, self)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAutoDefault(False)
        button.setToolTip(tip)
        command = _Command(button, run, enabled)
        button.clicked.connect(lambda _c=False: self._run(command))
        self._commands.append(command)
        self._footer.addWidget(button)
        return button

    def show_task(self, view: TaskView, number: int = 1, *, activate: bool = True) -> None:
        """Show `view`'s output `number` (1-based); `activate` brings the window up."""
        self._view = view
        self._slots = preview_slots(view)
        self._at = max(0, min(number - 1, len(self._slots) - 1))
        self._show_slot()
        if not self.isVisible():
            parent = self.parentWidget()
            if parent is not None:
                size = parent.size()
                self.resize(max(640, int(size.width() * 0.75)), max(480, int(size.height() * 0.85)))
            self.show()
        if activate:
            self.raise_()
            self.activateWindow()
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def refresh(self, view: TaskView) -> None:
        """The shown task changed (a download landed): show what is new, keep the rest."""
        if self._view is None or view.key != self._view.key:
            return
        old = self.current_slot()
        self._view = view
        self._slots = preview_slots(view)
        self._at = min(self._at, len(self._slots) - 1)
        new = self.current_slot()
        if new != old:
            self._show_slot()
        else:
            self._show_header()

    def current_view(self) -> TaskView | None:
        return self._view

    def current_slot(self) -> PreviewSlot | None:
        return self._slots[self._at] if self._slots else None

    def shown_text(self) -> str:
        """The message on the stage ("can't preview: …"), or '' when media is shown."""
        return self.message.text() if self.stage.currentWidget() is self.message else ""

    # -- moving ------------------------------------------------------------------

    def step_output(self, delta: int) -> bool:
        target = self._at + delta
        if not 0 <= target < len(self._slots):
            return False
        self._at = target
        self._show_slot()
        return True

    def step_task(self, delta: int) -> bool:
        if self._view is None or self._neighbour is None:
            return False
        other = self._neighbour(self._view, delta)
        if other is None:
            return False
        self.show_task(other)
        self.taskShown.emit(other)
        return True

    # -- keys ---------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if mods not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            super().keyPressEvent(event)
            return
        try:
            handler = self._keys().get(Qt.Key(key))
        except ValueError:  # a key Qt's enum does not name (a vendor key)
            handler = None
        if handler is None:
            super().keyPressEvent(event)
            return
        handler()
        event.accept()

    def _keys(self) -> dict[Qt.Key, Callable[[], object]]:
        K = Qt.Key
        keys: dict[Qt.Key, Callable[[], object]] = {
            K.Key_Space: self.close,
            K.Key_Escape: self.close,
            K.Key_Left: lambda: self.step_output(-1),
            K.Key_Right: lambda: self.step_output(1),
            K.Key_Up: lambda: self.step_task(-1),
            K.Key_Down: lambda: self.step_task(1),
            K.Key_PageUp: lambda: self.step_task(-1),
            K.Key_PageDown: lambda: self.step_task(1),
        }
        page = self.stage.currentWidget()
        if page is self.canvas:
            keys.update(
                {
                    K.Key_Plus: self.canvas.zoom_in,
                    K.Key_Equal: self.canvas.zoom_in,
                    K.Key_Minus: self.canvas.zoom_out,
                    K.Key_1: self.canvas.actual_size,
                    K.Key_0: self.canvas.fit,
                }
            )
        elif page is self.media:
            keys.update(
                {
                    K.Key_K: self.media.toggle_play,
                    K.Key_J: lambda: self.media.seek_by(-SEEK_STEP_MS),
                    K.Key_L: lambda: self.media.seek_by(SEEK_STEP_MS),
                    K.Key_M: self.media.toggle_mute,
                }
            )
        return keys

    # -- showing a slot -----------------------------------------------------------

    def _show_slot(self) -> None:
        self.media.stop()
        self.loader.cancel()
        self.canvas.clear()
        self._show_header()
        slot = self.current_slot()
        if slot is None:
            self._say("nothing to show")
            return
        if slot.last_frame_url:
            url = html.escape(slot.last_frame_url, quote=True)
            self.last_frame.setText(
                f'Last frame: <a href="{url}">{html.escape(_short(slot.last_frame_url))}</a>'
            )
            self.last_frame.setToolTip(slot.last_frame_url)
            self.last_frame.show()
        else:
            self.last_frame.hide()
        if slot.path is None:
            self._say(slot.absent or "not saved")
            if slot.absent == STILL_DOWNLOADING and self._progress is not None:
                self._show_download_progress()
                self._progress_timer.start()
            return
        self._say("loading…")
        self.loader.request(slot.path)

    def _on_prepared(self, prepared: Prepared) -> None:
        slot = self.current_slot()
        if slot is None or slot.path != prepared.path:
            return  # the user moved on meanwhile
        if prepared.problem is not None or prepared.kind is None:
            self._say(f"can't preview: {prepared.problem or 'unknown content'}")
            return
        if prepared.kind is MediaKind.IMAGE and prepared.image is not None:
            self.canvas.set_image(prepared.image, prepared.full_size)
            self.stage.setCurrentWidget(self.canvas)
            self._show_header(prepared.full_size)
            return
        caption = "♪  " + slot.name if prepared.kind is MediaKind.AUDIO else ""
        self.stage.setCurrentWidget(self.media)
        self.media.play_file(prepared.path, caption)
        self._show_header()

    def _show_download_progress(self) -> None:
        view, slot = self._view, self.current_slot()
        if view is None or slot is None or slot.absent != STILL_DOWNLOADING:
            self._progress_timer.stop()
            return
        fraction = self._progress(view) if self._progress is not None else None
        text = (
            STILL_DOWNLOADING if fraction is None else f"{STILL_DOWNLOADING} ({percent(fraction)})"
        )
        self.message.setText(text)

    def _say(self, text: str) -> None:
        self._progress_timer.stop()
        self.media.stop()
        self.message.setText(text)
        self.stage.setCurrentWidget(self.message)
        self._show_zoom()

    def _show_header(self, image_size: tuple[int, int] | None = None) -> None:
        view, slot = self._view, self.current_slot()
        if view is None or slot is None:
            return
        self.title.setText(view.label or view.ref.task_id)
        parts = [cell_text.provider_name(view.ref.provider), view.ref.task_id]
        if slot.of > 1:
            parts.append(f"output {slot.number} of {slot.of}")
        parts.append(slot.name)
        if image_size is not None:
            parts.append(f"{image_size[0]} × {image_size[1]}")
        self.subtitle.setText("   ·   ".join(parts))
        self.setWindowTitle(f"Quick look — {slot.name}")
        for command in self._commands:
            command.button.setEnabled(command.enabled(slot))
        self._show_zoom()

    def _show_zoom(self) -> None:
        if self.stage.currentWidget() is not self.canvas:
            self.zoom_label.clear()
            return
        percent = f"{self.canvas.scale() * 100:.0f} %"
        self.zoom_label.setText(f"fit ({percent})" if self.canvas.is_fitted() else percent)

    def _run(self, command: _Command) -> None:
        slot = self.current_slot()
        if slot is not None and command.enabled(slot):
            command.run(slot)

    # -- closing -------------------------------------------------------------------

    def hideEvent(self, event: QHideEvent) -> None:
        # Nothing plays, loads or polls behind a closed window; the file is let go.
        self._progress_timer.stop()
        self.media.stop()
        self.loader.cancel()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.media.stop()
        self.loader.cancel()
        super().closeEvent(event)


def _open_web_link(link: str) -> None:
    url = QUrl(link)
    if url.scheme() in ("http", "https"):  # a provider's link goes to the browser, nothing else
        QDesktopServices.openUrl(url)


def _short(url: str, limit: int = 80) -> str:
    return url if len(url) <= limit else url[: limit - 30] + "…" + url[-29:]
