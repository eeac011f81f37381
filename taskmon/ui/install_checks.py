"""`taskmon --self-test`, the checks that need Qt: platform plugin, icons, images, media, tray.

They run in a child process (`taskmon --self-test-qt`, see taskmon.cli.self_test):
when Qt cannot load its platform plugin it aborts the whole process, so the parent
reports that from the child's exit and stderr instead of dying with it. The child
prints its results as one JSON list on stdout.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Final

from taskmon.service import CheckResult, CheckStatus

# Tiny real images (magenta squares), decoded by the same plugins the app uses.
_SAMPLES: Final = {
    "png": (
        "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAFElEQVQI12P8z/CfAQaYGJAAbg4AZKACBgl0"
        "lTsAAAAASUVORK5CYII="
    ),
    "jpeg": (
        "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQ"
        "DQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQU"
        "FBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/wAARCAAIAAgDAREAAhEBAxEB/8QAFAABAAAAAAAA"
        "AAAAAAAAAAAABv/EABQQAQAAAAAAAAAAAAAAAAAAAAD/xAAVAQEBAAAAAAAAAAAAAAAAAAAICf/EABQRAQAA"
        "AAAAAAAAAAAAAAAAAAD/2gAMAwEAAhEDEQA/AARwKOv/2Q=="
    ),
    "webp": (
        "UklGRjoAAABXRUJQVlA4IC4AAADQAQCdASoEAAQAAsBMJaACdLoB+AADsAD+4uC/89M15g/yc/+uA/OA/OA/hqAA"
    ),
}
_REINSTALL: Final = "reinstall taskmon (pip install --force-reinstall taskmon, or a fresh bundle)"
_PULSE_FIX: Final = (
    "install PulseAudio's client library: Debian/Ubuntu `sudo apt install libpulse0`, "
    "Fedora `sudo dnf install pulseaudio-libs`"
)
_XCB_FIX: Final = (
    "install Qt's X11 libraries: Debian/Ubuntu `sudo apt install libxcb-cursor0 libxcb-icccm4 "
    "libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 "
    "libxcb-xkb1 libxkbcommon-x11-0 libegl1`, Fedora `sudo dnf install xcb-util-cursor "
    "xcb-util-wm xcb-util-keysyms xcb-util-image xcb-util-renderutil libxkbcommon-x11 "
    "mesa-libEGL`"
)


def run_qt_checks() -> list[CheckResult]:
    """Create the QApplication (aborts the process if the platform plugin fails), then check."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    screen = app.primaryScreen()
    size = screen.size() if screen is not None else None
    shown = f", screen {size.width()}×{size.height()}" if size is not None else ""
    results = [
        CheckResult(
            "qt_platform", "Qt platform plugin", CheckStatus.OK, f"{app.platformName()}{shown}"
        ),
        _check_icons(),
        _check_image_formats(),
        _check_multimedia(),
        _check_tray(),
    ]
    return results


def main() -> int:
    """`taskmon --self-test-qt`: the Qt checks as one JSON list on stdout."""
    results = run_qt_checks()
    print(json.dumps([r.to_json() for r in results]), flush=True)
    return 0


def child_command() -> list[str]:
    """How to start `taskmon --self-test-qt` with this same installation."""
    if getattr(sys, "frozen", False):  # a PyInstaller bundle: the executable is taskmon
        # On Windows the windowed taskmon.exe has no stdout to print to: its console
        # twin (packaging/taskmon.spec) runs the child.
        console = Path(sys.executable).with_name("taskmon-cli.exe")
        executable = (
            str(console) if sys.platform == "win32" and console.is_file() else sys.executable
        )
        return [executable, "--self-test-qt"]
    return [sys.executable, "-m", "taskmon", "--self-test-qt"]


def qt_checks_in_child(timeout_s: float = 60.0) -> list[CheckResult]:
    """The Qt checks, run in a child; a child that dies is the platform plugin's problem."""
    from taskmon.ui.app import no_display_reason

    if (reason := no_display_reason(os.environ)) is not None:
        return [
            CheckResult(
                "qt_platform",
                "Qt platform plugin",
                CheckStatus.PROBLEM,
                reason.split(";")[0],
                fix="run it in your desktop session, or with QT_QPA_PLATFORM=offscreen to "
                "check everything but the display",
            ),
            *_skipped_after_platform(),
        ]
    try:
        child = subprocess.run(
            child_command(), capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired:
        return [
            CheckResult(
                "qt_platform",
                "Qt platform plugin",
                CheckStatus.PROBLEM,
                f"Qt did not start within {timeout_s:g} s",
                fix="check that the display (DISPLAY / WAYLAND_DISPLAY) answers",
            ),
            *_skipped_after_platform(),
        ]
    for line in reversed(child.stdout.splitlines()):
        if line.startswith("["):
            return [CheckResult.from_json(item) for item in json.loads(line)]
    said = [line for line in child.stderr.splitlines() if line.strip()]
    detail = said[-1] if said else f"Qt exited with status {child.returncode}"
    for line in said:  # Qt's own sentence about the plugin is the useful one
        if "platform plugin" in line:
            detail = line
            break
    missing = missing_xcb_libraries()
    fix = _XCB_FIX if missing or sys.platform.startswith("linux") else _REINSTALL
    if missing:
        detail += f" (missing: {', '.join(missing)})"
    return [
        CheckResult("qt_platform", "Qt platform plugin", CheckStatus.PROBLEM, detail[:400], fix),
        *_skipped_after_platform(),
    ]


def missing_xcb_libraries() -> list[str]:
    """System libraries the X11 (xcb) platform plugin needs and cannot find (Linux, ldd)."""
    if not sys.platform.startswith("linux"):
        return []
    try:
        import PySide6
    except ImportError:
        return []
    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.is_file():
        return []
    try:
        out = subprocess.run(
            ["ldd", str(plugin)], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.split()[0] for line in out.splitlines() if "not found" in line]


def _skipped_after_platform() -> list[CheckResult]:
    why = "not checked: Qt did not start"
    return [
        CheckResult("icons", "Icons", CheckStatus.SKIPPED, why),
        CheckResult("image_formats", "Image formats", CheckStatus.SKIPPED, why),
        CheckResult("multimedia", "Multimedia backend", CheckStatus.SKIPPED, why),
        CheckResult("tray", "System tray", CheckStatus.SKIPPED, why, required=False),
    ]


def _check_icons() -> CheckResult:
    from taskmon.ui.icons import APP_ICON, app_icon, resource_path

    path = resource_path(APP_ICON)
    if not path.is_file():
        return CheckResult(
            "icons", "Icons", CheckStatus.PROBLEM, f"{APP_ICON} is not installed", _REINSTALL
        )
    pixmap = app_icon().pixmap(64, 64)
    if pixmap.isNull():
        return CheckResult(
            "icons", "Icons", CheckStatus.PROBLEM, f"{APP_ICON} did not render", _REINSTALL
        )
    return CheckResult("icons", "Icons", CheckStatus.OK, f"app icon rendered from {path}")


def _check_image_formats() -> CheckResult:
    from PySide6.QtCore import QBuffer, QByteArray
    from PySide6.QtGui import QColor, QImageReader

    supported = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    failed = []
    for name, encoded in _SAMPLES.items():
        if name not in supported:
            failed.append(f"{name.upper()} (no plugin)")
            continue
        buffer = QBuffer()
        buffer.setData(QByteArray(base64.b64decode(encoded)))
        reader = QImageReader(buffer, name.encode())
        image = reader.read()
        colour = QColor(image.pixel(1, 1)) if not image.isNull() else None
        magenta = colour is not None and colour.red() > 200 and colour.green() < 60
        if not magenta:
            failed.append(f"{name.upper()} ({reader.errorString() or 'wrong pixels'})")
    names = "PNG, JPEG, WebP"
    if failed:
        return CheckResult(
            "image_formats",
            "Image formats",
            CheckStatus.PROBLEM,
            f"cannot decode {', '.join(failed)}",
            fix=_REINSTALL + " (Qt's imageformats plugins are missing)",
        )
    return CheckResult("image_formats", "Image formats", CheckStatus.OK, f"{names} decoded")


def _check_multimedia() -> CheckResult:
    title = "Multimedia backend"
    try:
        from PySide6.QtMultimedia import QMediaFormat
    except ImportError as exc:
        fix = _PULSE_FIX if "libpulse" in str(exc) else _REINSTALL
        return CheckResult("multimedia", title, CheckStatus.PROBLEM, f"QtMultimedia: {exc}", fix)
    decodable = QMediaFormat().supportedFileFormats(QMediaFormat.ConversionMode.Decode)
    if not decodable:
        return CheckResult(
            "multimedia",
            title,
            CheckStatus.PROBLEM,
            "no multimedia backend loaded (Qt's FFmpeg plugin is missing)",
            _REINSTALL,
        )
    names = sorted({QMediaFormat.fileFormatName(f) for f in decodable})
    return CheckResult(
        "multimedia", title, CheckStatus.OK, f"decodes {len(names)} formats ({', '.join(names)})"
    )


def _check_tray() -> CheckResult:
    from PySide6.QtWidgets import QSystemTrayIcon

    if QSystemTrayIcon.isSystemTrayAvailable():
        return CheckResult("tray", "System tray", CheckStatus.OK, "available", required=False)
    return CheckResult(
        "tray",
        "System tray",
        CheckStatus.WARNING,
        "no system tray: the window cannot hide to a tray icon",
        fix="on GNOME, install the AppIndicator extension; elsewhere, enable the tray in "
        "your panel",
        required=False,
    )
