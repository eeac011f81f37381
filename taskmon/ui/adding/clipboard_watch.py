"""Optional (off by default): offer to track task IDs the user copies in other apps.

Listens to `QClipboard.dataChanged` (no polling); when the new text holds
task references that are not tracked yet, a small non-modal bar offers to
track them. Nothing is added without a click.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from taskmon.intake import Ambiguous, NeedsModel, parse_paste

MAX_WATCHED_CHARS: Final = 64 * 1024  # a copied document is not a list of task IDs


class ClipboardWatcher(QObject):
    """Emits `found(text, count)` when copied text names tasks not tracked yet."""

    found = Signal(str, int)

    def __init__(self, is_tracked: Callable[[str], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._is_tracked = is_tracked
        self._enabled = False
        self._last = ""
        QGuiApplication.clipboard().dataChanged.connect(self._changed)

    def set_enabled(self, on: bool) -> None:
        self._enabled = on
        # What is on the clipboard when watching starts was not copied "just now".
        self._last = QGuiApplication.clipboard().text() if on else ""

    def is_enabled(self) -> bool:
        return self._enabled

    def _changed(self) -> None:
        if not self._enabled:
            return
        text = QGuiApplication.clipboard().text()
        if not text.strip() or text == self._last or len(text) > MAX_WATCHED_CHARS:
            return
        self._last = text
        result = parse_paste(text)
        new = [ref for ref in result.refs if not self._is_tracked(ref.key)]
        undecided = sum(isinstance(i, Ambiguous | NeedsModel) for i in result.items)
        # Free-form IDs (any word with a digit) would make every copy an offer: only
        # references whose provider is known count, or a few undecided ones.
        count = len(new) + (undecided if undecided <= 3 and not new else 0)
        if count:
            self.found.emit(text, count)


class ClipboardOffer(QFrame):
    """The bar: "Track 2 task IDs you copied?" [Track] [✕]."""

    def __init__(self, on_track: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clipboardOffer")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 6, 4)
        self.label = QLabel(self)
        layout.addWidget(self.label, 1)
        self.track = QPushButton("Track", self)
        layout.addWidget(self.track)
        close = QToolButton(self)
        close.setText("✕")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout.addWidget(close)
        self._text = ""
        self._on_track = on_track
        self.track.clicked.connect(self._track)
        self.hide()

    def _track(self) -> None:
        self.hide()
        self._on_track(self._text)

    def offer(self, text: str, count: int) -> None:
        self._text = text
        noun = "task" if count == 1 else "tasks"
        self.label.setText(f"You copied {count} {noun} taskmon is not tracking yet. Track them?")
        self.show()
