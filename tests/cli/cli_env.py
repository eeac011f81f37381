"""The environment an in-process `taskmon` command sees in the CLI tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def isolated_data_dir(monkeypatch: pytest.MonkeyPatch, directory: Path) -> Path:
    """Point taskmon at `directory` (not created), with none of the caller's TASKMON_*
    variables, no D-Bus session (so no keyring prompt) and no COLUMNS."""
    for name in list(os.environ):
        if name.startswith("TASKMON_") or name in ("DBUS_SESSION_BUS_ADDRESS", "COLUMNS"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TASKMON_DATA_DIR", str(directory))
    return directory
