"""packaging/: the desktop entry, AppStream metainfo, icon set and Flatpak manifest (issue 14)."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest
import yaml

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
APP_ID = "io.github.taskmon.Taskmon"
LINUX = PACKAGING / "linux"
THEME_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
FINISH_ARGS = {
    "--socket=wayland",
    "--socket=fallback-x11",
    "--share=network",
    "--talk-name=org.freedesktop.Notifications",
    "--talk-name=org.freedesktop.secrets",
    "--talk-name=org.kde.StatusNotifierWatcher",
}


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (scripts/test.sh installs it)")
    return path


def test_the_desktop_entry_validates_and_names_the_app_id_icon() -> None:
    entry = LINUX / f"{APP_ID}.desktop"
    done = subprocess.run(
        [tool("desktop-file-validate"), str(entry)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "error" not in done.stdout
    lines = entry.read_text(encoding="utf-8").splitlines()
    assert f"Icon={APP_ID}" in lines
    assert "Categories=AudioVideo;Utility;" in lines
    assert "Exec=taskmon" in lines
    assert not any(line.startswith("MimeType") for line in lines)


def test_the_metainfo_validates_with_screenshot_release_and_content_rating() -> None:
    metainfo = LINUX / f"{APP_ID}.metainfo.xml"
    done = subprocess.run(
        [tool("appstreamcli"), "validate", "--no-net", str(metainfo)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = metainfo.read_text(encoding="utf-8")
    assert f"<id>{APP_ID}</id>" in text
    assert "docs/window.png</image>" in text
    assert '<release version="0.1.0"' in text
    assert '<content_rating type="oars-1.1"/>' in text
    assert f'<launchable type="desktop-id">{APP_ID}.desktop</launchable>' in text


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.mark.parametrize("size", THEME_SIZES)
def test_the_icon_theme_has_a_png_of_every_size(size: int) -> None:
    icon = LINUX / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    assert png_size(icon) == (size, size)


def test_the_scalable_icon_is_the_apps_own_svg() -> None:
    scalable = LINUX / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    app_svg = PACKAGING.parent / "resources" / "taskmon.svg"
    assert scalable.read_bytes() == app_svg.read_bytes()


def test_windows_and_macos_icons_are_real_ico_and_icns() -> None:
    assert (PACKAGING / "icons" / "taskmon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
    assert (PACKAGING / "icons" / "taskmon.icns").read_bytes()[:4] == b"icns"


def test_the_flatpak_manifest_parses_with_the_required_permissions() -> None:
    manifest = yaml.safe_load((PACKAGING / "flatpak" / f"{APP_ID}.yml").read_text("utf-8"))
    assert manifest["app-id"] == APP_ID
    assert manifest["command"] == "taskmon"
    for key in ("runtime", "runtime-version", "sdk", "modules"):
        assert manifest[key], key
    assert set(manifest["finish-args"]) >= FINISH_ARGS
    # No home directory access: the data dir is the app's own XDG dir.
    broad = ("--filesystem=home", "--filesystem=host")
    assert not any(arg.startswith(broad) for arg in manifest["finish-args"])
    modules = manifest["modules"]
    assert "python3-deps.json" in modules
    taskmon = next(m for m in modules if isinstance(m, dict) and m["name"] == "taskmon")
    assert any("pip3 install" in command for command in taskmon["build-commands"])


def test_the_flatpak_wheel_module_pins_every_wheel_by_hash() -> None:
    module = yaml.safe_load((PACKAGING / "flatpak" / "python3-deps.json").read_text("utf-8"))
    urls = [source["url"] for source in module["sources"]]
    assert all(url.endswith(".whl") for url in urls)
    assert all(len(source["sha256"]) == 64 for source in module["sources"])
    names = " ".join(urls).lower()
    for needed in ("pyside6_essentials", "pyside6_addons", "shiboken6", "keyring", "httpx"):
        assert needed in names
    assert "--no-index" in module["build-commands"][0]


def test_the_pyinstaller_spec_is_python() -> None:
    source = (PACKAGING / "taskmon.spec").read_text(encoding="utf-8")
    compile(source, "taskmon.spec", "exec")
    assert 'bundle_identifier="io.github.taskmon.Taskmon"' in source
    assert '"NSHighResolutionCapable": True' in source
