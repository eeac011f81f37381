"""Banners above the table for problems that need a person (no key, no keyring, full disk)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from taskmon.ui import theme

_LEVEL_COLOURS: Final = {"warning": "cancelled", "error": "failed", "info": "running"}


class Banner(QFrame):
    """One message with an optional action button and a close cross."""

    def __init__(
        self,
        text: str,
        level: str = "warning",
        action: tuple[str, Callable[[], None]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        accent = theme.state_colour(_LEVEL_COLOURS.get(level, "queued"), self.palette())
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Window)
        # A quarter of the accent over the window colour: readable in both palettes.
        mixed = QColor(
            (base.red() * 3 + accent.red()) // 4,
            (base.green() * 3 + accent.green()) // 4,
            (base.blue() * 3 + accent.blue()) // 4,
        )
        palette.setColor(QPalette.ColorRole.Window, mixed)
        self.setPalette(palette)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel(text, self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        self.button: QPushButton | None = None
        if action is not None:
            words, callback = action
            self.button = QPushButton(words, self)
            self.button.clicked.connect(callback)
            layout.addWidget(self.button)
        close = QToolButton(self)
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Hide this message")
        close.clicked.connect(self.hide)
        layout.addWidget(close)


class BannerArea(QWidget):
    """A stack of banners, one per topic; setting a topic again replaces its banner."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(8, 0, 8, 0)
        self._layout.setSpacing(4)
        self._banners: dict[str, Banner] = {}

    def set(
        self,
        topic: str,
        text: str | None,
        level: str = "warning",
        action: tuple[str, Callable[[], None]] | None = None,
    ) -> None:
        """Show `text` for `topic`, or clear the topic's banner when `text` is None."""
        old = self._banners.pop(topic, None)
        if old is not None:
            old.hide()
            old.deleteLater()
        if text:
            banner = Banner(text, level, action, self)
            banner.setObjectName(f"banner:{topic}")
            self._banners[topic] = banner
            self._layout.addWidget(banner)

    def text(self, topic: str) -> str | None:
        banner = self._banners.get(topic)
        return None if banner is None else banner.label.text()

    def topics(self) -> list[str]:
        return [t for t, b in self._banners.items() if not b.isHidden()]
