"""Running `taskmon --self-test` as a process, offscreen, in a throw-away environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHECK_NAMES = [
    "qt_platform",
    "icons",
    "image_formats",
    "multimedia",
    "tray",
    "keyring",
    "notifications",
    "data_dir",
    "tls",
    "simulator",
]


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No display, no session bus, no keys; data and XDG dirs inside `tmp_path`; offscreen Qt."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TASKMON_", "DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION", "QT_"))
    }
    for name in ("data", "config", "run"):
        (tmp_path / name).mkdir(mode=0o700, exist_ok=True)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        TASKMON_DATA_DIR=str(tmp_path / "data" / "taskmon"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_RUNTIME_DIR=str(tmp_path / "run"),
        PYTHONPATH=os.pathsep.join([str(ROOT), *sys.path]),
    )
    env.update(extra)
    return env


def self_test(env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "taskmon", "--self-test", *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def self_test_json(env: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
    done = self_test(env, "--json")
    return done.returncode, json.loads(done.stdout)


def by_name(report: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in report["checks"]}
