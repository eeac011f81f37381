"""The notification settings the window chose, where `taskmon run --notify` can read them.

The window keeps its settings in QSettings, which nothing below ui reads; as
with the save folder (results/save_folder.py), it mirrors these few values
into a small JSON file in the data dir, so a headless run notifies as the
window would. Missing or damaged, the defaults hold.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Final

from taskmon.service.notifications.rules import NotifySettings

NOTIFY_SETTINGS_FILE: Final = "notify-settings.json"
_MAX_BYTES: Final = 64 * 1024  # five switches and a few names: anything bigger is not ours
_SWITCHES: Final = ("succeeded", "failed", "at_risk", "sound")
_MAX_MUTED: Final = 100


def read_notify_settings(directory: Path) -> NotifySettings:
    """The settings the window last shared; the defaults for any value missing or damaged."""
    try:
        with open(directory / NOTIFY_SETTINGS_FILE, "rb") as file:
            untrusted = json.loads(file.read(_MAX_BYTES))
    except (OSError, ValueError):
        return NotifySettings()
    if not isinstance(untrusted, dict):
        return NotifySettings()
    defaults = NotifySettings()
    switches = {
        name: value if isinstance(value := untrusted.get(name), bool) else getattr(defaults, name)
        for name in _SWITCHES
    }
    untrusted_muted = untrusted.get("muted_providers")
    muted = (
        frozenset(p for p in untrusted_muted[:_MAX_MUTED] if isinstance(p, str))
        if isinstance(untrusted_muted, list)
        else defaults.muted_providers
    )
    return NotifySettings(**switches, muted_providers=muted)


def write_notify_settings(directory: Path, settings: NotifySettings) -> None:
    """Share `settings` (atomically: a reader sees the old values or the new ones)."""
    directory.mkdir(parents=True, exist_ok=True)
    values = dataclasses.asdict(settings)
    values["muted_providers"] = sorted(settings.muted_providers)
    target = directory / NOTIFY_SETTINGS_FILE
    part = target.with_name(f"{NOTIFY_SETTINGS_FILE}.{os.getpid()}.part")
    part.write_text(json.dumps(values), encoding="utf-8")
    os.replace(part, target)


class SharedNotifySettings:
    """`read_notify_settings` for a notifier that asks at every ended task: the file is
    read again only when it changed (a `stat` per question), so a change made in the
    window reaches a running `taskmon run --notify`."""

    def __init__(self, directory: Path) -> None:
        self._path = directory / NOTIFY_SETTINGS_FILE
        self._directory = directory
        self._seen: tuple[int, int, int] | None = None  # inode, size, mtime in ns
        self._settings = NotifySettings()

    def __call__(self) -> NotifySettings:
        try:
            info = os.stat(self._path)
            stamp: tuple[int, int, int] | None = (info.st_ino, info.st_size, info.st_mtime_ns)
        except OSError:
            stamp = None
        if stamp != self._seen:
            self._seen = stamp
            self._settings = read_notify_settings(self._directory)
        return self._settings
