"""Icons: every SVG is clean and valid, every provider and state has one, they
render at every size in the palette's colours, and a wheel ships them."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.resources.abc import Traversable
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QSize
from PySide6.QtGui import QColor, QIcon, QImage, QPalette
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from taskmon.domain.snapshot import State
from taskmon.providers import PROVIDERS
from taskmon.ui import icons

CHECKOUT = Path(__file__).resolve().parents[2]
MAX_SVG_BYTES = 2048


def svg_files(root: Traversable, prefix: str = "") -> dict[str, Traversable]:
    """Every SVG under `root`, by its slash-separated path relative to it."""
    found: dict[str, Traversable] = {}
    for entry in root.iterdir():
        if entry.is_dir():
            found |= svg_files(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith(".svg"):
            found[f"{prefix}{entry.name}"] = entry
    return found


SVGS = svg_files(icons.resource_root())


def opaque_pixels(icon: QIcon, size: int) -> int:
    image = icon.pixmap(QSize(size, size)).toImage()
    # RGBA8888 is byte-ordered on every platform: every fourth byte is alpha.
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    return sum(1 for alpha in bytes(rgba.constBits())[3::4] if alpha)


def every_icon() -> list[tuple[str, QIcon]]:
    names = [("app", icons.app_icon())]
    names += [(f"provider {n}", icons.provider_icon(n)) for n in PROVIDERS]
    names += [(f"state {s}", icons.state_icon(s)) for s in [*State, None]]
    actions = [Path(p).stem for p in SVGS if p.startswith(f"{icons.ACTIONS_DIR}/")]
    names += [(f"action {a}", icons.action_icon(a)) for a in actions]
    return names


def test_the_icon_set_is_where_the_window_looks_for_it() -> None:
    assert {"taskmon.svg", "states/unknown.svg"} <= SVGS.keys()
    assert len(SVGS) >= 1 + len(PROVIDERS) + len(State) + 1 + 10


@pytest.mark.parametrize("relative", sorted(SVGS))
def test_every_svg_parses_and_is_small_and_self_contained(relative: str) -> None:
    text = SVGS[relative].read_text(encoding="utf-8")
    assert QSvgRenderer(QByteArray(text.encode())).isValid()
    assert len(text.encode()) <= MAX_SVG_BYTES
    assert 'viewBox="0 0 24 24"' in text
    # Fonts differ between machines and nothing may be fetched or run.
    for forbidden in ("<text", "<image", "<script", "href=", "@import", "url(http"):
        assert forbidden not in text


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_every_provider_has_its_own_badge(name: str) -> None:
    assert f"providers/{name}.svg" in SVGS


def test_provider_badges_have_distinct_colours() -> None:
    colours = [
        re.search(r'<rect [^>]*fill="(#[0-9A-Fa-f]{6})"', SVGS[f"providers/{name}.svg"].read_text())
        for name in PROVIDERS
    ]
    assert all(colours)
    assert len({m.group(1).lower() for m in colours if m}) == len(PROVIDERS)


@pytest.mark.parametrize("state", [*(s.value for s in State), icons.UNKNOWN_STATE])
def test_every_state_has_an_icon(state: str) -> None:
    assert f"states/{state}.svg" in SVGS


def test_every_icon_renders_visibly_at_every_size(qapp: QApplication) -> None:
    for label, icon in every_icon():
        assert not icon.isNull(), label
        assert set(icons.ICON_SIZES) <= {s.width() for s in icon.availableSizes()}, label
        for size in (16, 20, 24, 32, 48):
            assert icon.pixmap(QSize(size, size)).size() == QSize(size, size), (label, size)
            assert opaque_pixels(icon, size) > size, (label, size)


def test_icons_have_exact_pixmaps_for_a_hidpi_request(qapp: QApplication) -> None:
    pixmap = icons.state_icon(State.RUNNING).pixmap(QSize(16, 16), 2.0)
    assert pixmap.size() == QSize(32, 32)
    assert pixmap.devicePixelRatio() == 2.0


def test_icons_are_cached(qapp: QApplication) -> None:
    assert icons.provider_icon("reapi").cacheKey() == icons.provider_icon("ReAPI").cacheKey()
    assert icons.state_icon(State.FAILED).cacheKey() == icons.state_icon("failed").cacheKey()


def test_a_provider_without_an_svg_gets_a_neutral_badge(qapp: QApplication) -> None:
    sixth = icons.provider_icon("sixthprovider")
    assert opaque_pixels(sixth, 16) > 16
    assert sixth.cacheKey() == icons.provider_icon("another").cacheKey()
    assert sixth.cacheKey() != icons.provider_icon("reapi").cacheKey()
    for odd in ("", "../states/failed", "a/b", "x y"):
        assert icons.provider_icon(odd).cacheKey() == sixth.cacheKey()


@pytest.mark.parametrize("state", [None, "", "paused", "../taskmon", "unknown"])
def test_no_or_an_unknown_state_shows_the_unknown_icon(
    qapp: QApplication, state: str | None
) -> None:
    assert icons.state_icon(state).cacheKey() == icons.state_icon(icons.UNKNOWN_STATE).cacheKey()
    assert icons.state_icon(state).cacheKey() != icons.state_icon(State.QUEUED).cacheKey()


def test_an_unknown_action_gives_a_null_icon_and_a_warning(
    qapp: QApplication, caplog: pytest.LogCaptureFixture
) -> None:
    assert icons.action_icon("no-such-action").isNull()
    assert "no-such-action" in caplog.text


def test_action_icons_are_drawn_in_the_palettes_text_colour(qapp: QApplication) -> None:
    original = qapp.palette()
    try:
        for text in ("#d02020", "#f0f0f0"):
            palette = QPalette(original)
            palette.setColor(QPalette.ColorRole.WindowText, QColor(text))
            qapp.setPalette(palette)
            # The plus sign's two strokes cross at the centre.
            image = icons.action_icon("add").pixmap(QSize(24, 24)).toImage()
            assert image.pixelColor(12, 12).name() == text
    finally:
        qapp.setPalette(original)


def test_coloured_action_icons_keep_their_colour(qapp: QApplication) -> None:
    original = qapp.palette()
    try:
        palette = QPalette(original)
        palette.setColor(QPalette.ColorRole.WindowText, QColor("#0000ff"))
        qapp.setPalette(palette)
        image = icons.action_icon("warning").pixmap(QSize(24, 24)).toImage()
        assert image.pixelColor(6, 17).name() != "#0000ff"
        assert image.pixelColor(6, 17).alpha() == 255
    finally:
        qapp.setPalette(original)


def test_icons_need_a_gui_application_and_say_so() -> None:
    code = "from taskmon.ui import icons\ntry:\n    icons.app_icon()\nexcept RuntimeError as e:\n"
    code += "    print(e)\n"
    result = run_python(code)
    assert "QGuiApplication" in result.stdout


def test_a_source_tree_finds_the_checkouts_resources() -> None:
    result = run_python("from taskmon.ui import icons; print(icons.resource_root())", CHECKOUT)
    assert Path(result.stdout.strip()) == CHECKOUT / "resources"


def run_python(code: str, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


@pytest.mark.slow
def test_a_wheel_built_from_the_checkout_ships_every_icon_and_package(tmp_path: Path) -> None:
    """A non-editable install only has what the wheel has: guard the package-data wiring."""
    config = tomllib.loads((CHECKOUT / "pyproject.toml").read_text(encoding="utf-8"))
    package_dirs = set(config["tool"]["setuptools"]["package-dir"].values())
    # Build from a copy of what packaging reads, so the checkout gets no build/ dir.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(CHECKOUT / name, source / name)
    for directory in package_dirs:
        shutil.copytree(
            CHECKOUT / directory, source / directory, ignore=shutil.ignore_patterns("__pycache__")
        )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(source)],
        check=True,
        timeout=600,
    )
    [wheel] = tmp_path.glob("taskmon-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())

    resources = CHECKOUT / "resources"
    in_checkout = {p.relative_to(resources).as_posix() for p in resources.rglob("*.svg")}
    assert in_checkout
    assert {f"taskmon/resources/{p}" for p in in_checkout} <= shipped
    packages = {
        p.relative_to(CHECKOUT).as_posix()
        for p in (CHECKOUT / "taskmon").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert packages <= shipped
    assert "taskmon/ui/icons.py" in shipped
