"""Light and dark palettes, and the colours that carry meaning (states, progress).

The app follows the system's colour scheme (`QStyleHints.colorScheme`, Qt 6.5+)
unless the user picks one in the settings. Fusion is used everywhere so both
palettes look the same on every desktop; meaning colours are chosen per
scheme so they keep their contrast on light and dark rows.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Final

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


class Scheme(StrEnum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


_STATE_COLOURS: Final = {
    # state: (light scheme, dark scheme)
    "queued": ("#6b7a90", "#9aa8bd"),
    "running": ("#2f6fde", "#5b9bff"),
    "succeeded": ("#1e9e5a", "#3fcf7f"),
    "failed": ("#d93b3b", "#ff6b6b"),
    "cancelled": ("#b7791f", "#e0a84a"),
    "lost": ("#8a4fd3", "#b48cff"),
    # Succeeded, but the results could not be saved: a warning, never success green.
    "unsaved": ("#c2410c", "#fb923c"),
}
_ESTIMATE_COLOURS: Final = ("#7fa7ec", "#4f7cc7")


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def state_colour(state: str, palette: QPalette | None = None) -> QColor:
    light, dark = _STATE_COLOURS.get(state, _STATE_COLOURS["queued"])
    return QColor(dark if is_dark(palette) else light)


def estimate_colour(palette: QPalette | None = None) -> QColor:
    light, dark = _ESTIMATE_COLOURS
    return QColor(dark if is_dark(palette) else light)


def system_scheme() -> Scheme:
    hints = QGuiApplication.styleHints()
    if hints.colorScheme() == Qt.ColorScheme.Dark:
        return Scheme.DARK
    return Scheme.LIGHT


def apply_scheme(app: QApplication, choice: Scheme = Scheme.SYSTEM) -> Scheme:
    """Give the app the palette of `choice` (SYSTEM: what the desktop uses now)."""
    scheme = system_scheme() if choice is Scheme.SYSTEM else choice
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if scheme is Scheme.DARK else light_palette())
    return scheme


def follow_system(app: QApplication, choice: Callable[[], Scheme]) -> None:
    """Apply the chosen scheme now, and again whenever the desktop switches light/dark."""
    apply_scheme(app, choice())

    def changed(_scheme: Qt.ColorScheme) -> None:
        if choice() is Scheme.SYSTEM:
            apply_scheme(app, Scheme.SYSTEM)

    QGuiApplication.styleHints().colorSchemeChanged.connect(changed)


def light_palette() -> QPalette:
    return _palette(
        window="#f3f4f6",
        base="#ffffff",
        alternate="#f7f8fa",
        text="#1d2330",
        disabled="#9aa0aa",
        button="#eceef2",
        highlight="#2f6fde",
        link="#1f5fc9",
        tooltip="#ffffff",
        mid="#c9ced6",
    )


def dark_palette() -> QPalette:
    return _palette(
        window="#23262d",
        base="#1b1d22",
        alternate="#212429",
        text="#e6e8ec",
        disabled="#6d737d",
        button="#2c3038",
        highlight="#3d7be6",
        link="#7fb0ff",
        tooltip="#2c3038",
        mid="#3a3f48",
    )


def _palette(
    *,
    window: str,
    base: str,
    alternate: str,
    text: str,
    disabled: str,
    button: str,
    highlight: str,
    link: str,
    tooltip: str,
    mid: str,
) -> QPalette:
    role = QPalette.ColorRole
    palette = QPalette()
    colours = {
        role.Window: window,
        role.WindowText: text,
        role.Base: base,
        role.AlternateBase: alternate,
        role.Text: text,
        role.Button: button,
        role.ButtonText: text,
        role.BrightText: "#ffffff",
        role.Highlight: highlight,
        role.HighlightedText: "#ffffff",
        role.Link: link,
        role.ToolTipBase: tooltip,
        role.ToolTipText: text,
        role.PlaceholderText: disabled,
        role.Mid: mid,
        role.Midlight: mid,
        role.Dark: mid,
        role.Light: base,
    }
    for r, value in colours.items():
        palette.setColor(r, QColor(value))
    for r in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, r, QColor(disabled))
    return palette
