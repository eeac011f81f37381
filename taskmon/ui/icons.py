"""The app's icons: SVG files shipped as package data, rendered crisp at every size.

The SVGs live in the checkout's top-level `resources/` directory, which a
(non-editable) install places inside the package as `taskmon.resources`:

    taskmon.svg             the app icon
    providers/<name>.svg    one coloured badge per provider
    states/<state>.svg      one per `taskmon.domain.snapshot.State`, plus unknown.svg
    actions/<name>.svg      toolbar actions and the banner's warning sign

Every icon is drawn with QSvgRenderer at the exact pixel size asked for (device
pixel ratio included) the first time that size is needed, so a 16 px table row
and a 256 px window icon both come from the vector, never from a scaled bitmap.

Action icons are monochrome and written with `fill`/`stroke="currentColor"`:
before rendering, `currentColor` is replaced by the palette's text colour
(WindowText for the normal and active modes, the disabled WindowText for the
disabled mode, HighlightedText for selected rows). An icon that carries meaning
by its colour (warning) simply has no `currentColor` in it. The result is
cached per colour, so after a palette change a new call gives matching icons;
widgets that keep an icon should ask again on `QEvent.PaletteChange`.

Call these functions only once a QGuiApplication (or QApplication) exists:
Qt cannot create pixmaps before it; they raise RuntimeError instead of
crashing the process.
"""

from __future__ import annotations

import logging
import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Final

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

log = logging.getLogger(__name__)

ICON_SIZES: Final = (16, 20, 24, 32, 48, 64, 128, 256)
"""Logical sizes rendered into every icon (table rows, toolbars, tray, window)."""

APP_ICON: Final = "taskmon.svg"
PROVIDERS_DIR: Final = "providers"
STATES_DIR: Final = "states"
ACTIONS_DIR: Final = "actions"
UNKNOWN_STATE: Final = "unknown"
CURRENT_COLOR: Final = "currentColor"

# Names become file names: anything else (a path separator, "..") is treated
# as an unknown name rather than looked up.
_NAME: Final = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")

# A provider without its own SVG yet (a sixth one just added) still gets a
# badge of the same shape as the others, in a neutral grey, so nothing crashes
# and the table stays aligned.
_GENERIC_PROVIDER_SVG: Final = """\
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">
  <rect x="1.5" y="1.5" width="21" height="21" rx="5.5" fill="#6B7280"/>
  <g fill="#FFFFFF">
    <rect x="7" y="7" width="4" height="4" rx="1"/>
    <rect x="13" y="7" width="4" height="4" rx="1"/>
    <rect x="7" y="13" width="4" height="4" rx="1"/>
    <rect x="13" y="13" width="4" height="4" rx="1"/>
  </g>
</svg>
"""

# Per icon mode: the colour that replaces currentColor, and its opacity.
_Colours = tuple[tuple[QIcon.Mode, str, float], ...]
_cache: dict[tuple[str, str, _Colours, tuple[float, ...]], QIcon] = {}
_sources: dict[str, str | None] = {}


def resource_root() -> Traversable:
    """The directory holding the SVGs: installed `taskmon.resources`, else the checkout's."""
    try:
        return resources.files("taskmon.resources")
    except ModuleNotFoundError:
        # Running from a source tree (PYTHONPATH=checkout): the data is not
        # inside the package there, but beside it.
        return Path(__file__).resolve().parents[2] / "resources"


def resource_path(relative: str) -> Traversable:
    """The resource at `relative` (slash-separated, e.g. "states/failed.svg"); may not exist."""
    return resource_root().joinpath(*relative.split("/"))


def resource_text(relative: str) -> str:
    """The text of the resource at `relative`; FileNotFoundError when it is missing."""
    return resource_path(relative).read_text(encoding="utf-8")


def app_icon() -> QIcon:
    """The taskmon icon (window, tray, about box)."""
    return _icon("app", APP_ICON, _source(APP_ICON) or _GENERIC_PROVIDER_SVG)


def provider_icon(name: str) -> QIcon:
    """The badge of provider `name`; a neutral generated badge when it has no SVG."""
    key = name.strip().lower()
    source = _source(f"{PROVIDERS_DIR}/{key}.svg") if _NAME.match(key) else None
    if source is None:
        return _icon("provider", "", _GENERIC_PROVIDER_SVG)
    return _icon("provider", key, source)


def state_icon(state: str | None) -> QIcon:
    """The icon of a task state (a `State` or its value); None or unknown → unknown.svg."""
    key = str(state).strip().lower() if state else UNKNOWN_STATE
    source = _source(f"{STATES_DIR}/{key}.svg") if _NAME.match(key) else None
    if source is None:
        key = UNKNOWN_STATE
        source = _source(f"{STATES_DIR}/{UNKNOWN_STATE}.svg") or ""
    return _icon("state", key, source)


def action_icon(name: str) -> QIcon:
    """A toolbar action's icon in the current palette's text colours; null if `name` has none."""
    key = name.strip().lower()
    source = _source(f"{ACTIONS_DIR}/{key}.svg") if _NAME.match(key) else None
    if source is None:
        # A misspelt action name is a programming error, but not worth a crash
        # in front of the user: the button shows its text alone.
        log.warning("no icon for action %r", name)
        return QIcon()
    return _icon("action", key, source, _palette_colours() if CURRENT_COLOR in source else ())


def clear_cache() -> None:
    """Forget every rendered icon and read SVG (for tests, or after the resources change)."""
    _cache.clear()
    _sources.clear()


def _source(relative: str) -> str | None:
    """The SVG text at `relative`, read once; None when the file does not exist."""
    if relative not in _sources:
        try:
            _sources[relative] = resource_text(relative)
        except (FileNotFoundError, NotADirectoryError):
            _sources[relative] = None
    return _sources[relative]


def _palette_colours() -> _Colours:
    palette = QGuiApplication.palette()
    group, role = QPalette.ColorGroup, QPalette.ColorRole
    text = _ink(palette.color(group.Active, role.WindowText))
    return (
        (QIcon.Mode.Normal, *text),
        (QIcon.Mode.Active, *text),
        (QIcon.Mode.Disabled, *_ink(palette.color(group.Disabled, role.WindowText))),
        (QIcon.Mode.Selected, *_ink(palette.color(group.Active, role.HighlightedText))),
    )


def _ink(colour: QColor) -> tuple[str, float]:
    """An opaque `#rrggbb` for the SVG and the colour's alpha as a painting opacity.

    SVG has no portable way to write a translucent colour in one attribute, and
    some styles draw disabled text as translucent WindowText.
    """
    return colour.name(QColor.NameFormat.HexRgb), round(colour.alphaF(), 3)


def _scales() -> tuple[float, ...]:
    """1 plus every screen's device pixel ratio, so hi-dpi screens get exact pixmaps too."""
    ratios = {screen.devicePixelRatio() for screen in QGuiApplication.screens()}
    return tuple(sorted({1.0, *ratios}))


def _icon(kind: str, name: str, source: str, colours: _Colours = ()) -> QIcon:
    if QGuiApplication.instance() is None:
        raise RuntimeError("taskmon.ui.icons needs a QGuiApplication: create it first")
    scales = _scales()
    key = (kind, name, colours, scales)
    icon = _cache.get(key)
    if icon is None:
        icon = _cache[key] = _render_icon(source, colours, scales)
    return icon


def _render_icon(source: str, colours: _Colours, scales: tuple[float, ...]) -> QIcon:
    variants = [(mode, source.replace(CURRENT_COLOR, ink), alpha) for mode, ink, alpha in colours]
    renderers: dict[QIcon.Mode, tuple[QSvgRenderer, float]] = {}
    for mode, svg, opacity in variants or [(QIcon.Mode.Normal, source, 1.0)]:
        renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
        if not renderer.isValid():
            log.warning("unreadable icon SVG (%d bytes)", len(svg))
            return QIcon()
        renderers[mode] = (renderer, opacity)
    return QIcon(_SvgIconEngine(renderers))


class _SvgIconEngine(QIconEngine):
    """Draws each size from the vector when it is first asked for, then keeps it.

    Rendering all of ICON_SIZES up front cost the window 100-150 ms at start
    (bench/ui.py); most icons are only ever shown at one or two sizes.
    """

    def __init__(self, renderers: dict[QIcon.Mode, tuple[QSvgRenderer, float]]) -> None:
        super().__init__()
        self._renderers = renderers
        self._pixmaps: dict[tuple[int, QIcon.Mode], QPixmap] = {}

    def _renderer(self, mode: QIcon.Mode) -> tuple[QSvgRenderer, float]:
        found = self._renderers.get(mode)
        if found is not None:
            return found
        renderer, opacity = self._renderers.get(QIcon.Mode.Normal) or next(
            iter(self._renderers.values())
        )
        # No variant for this mode: a disabled icon is the normal one, faded.
        return renderer, opacity * (0.4 if mode == QIcon.Mode.Disabled else 1.0)

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        pixels = max(1, round(min(size.width(), size.height()) * scale))
        key = (pixels, mode)
        pixmap = self._pixmaps.get(key)
        if pixmap is None:
            renderer, opacity = self._renderer(mode)
            pixmap = self._pixmaps[key] = _render(renderer, pixels, opacity)
        result = QPixmap(pixmap)
        result.setDevicePixelRatio(scale)
        return result

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        scale = painter.device().devicePixelRatioF() if painter.device() else 1.0
        pixmap = self.scaledPixmap(rect.size(), mode, state, scale)
        painter.drawPixmap(rect, pixmap)

    def availableSizes(
        self, mode: QIcon.Mode = QIcon.Mode.Normal, state: QIcon.State = QIcon.State.Off
    ) -> list[QSize]:
        return [QSize(size, size) for size in ICON_SIZES]

    def clone(self) -> QIconEngine:
        return _SvgIconEngine(self._renderers)


def _render(renderer: QSvgRenderer, pixels: int, opacity: float) -> QPixmap:
    pixmap = QPixmap(pixels, pixels)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setOpacity(opacity)
    renderer.render(painter, QRectF(0, 0, pixels, pixels))
    painter.end()
    return pixmap
