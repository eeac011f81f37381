"""The Results settings the window keeps in QSettings: folders, name pattern, sidecars, auto-save.

Two folders on purpose: the one the save dialogs open in follows every save
(the folder is remembered), while auto-save keeps writing where the user
pointed it, however often a one-off save goes elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PySide6.QtCore import QSettings, QStandardPaths

from taskmon.downloads import DEFAULT_PATTERN, PatternError, SavePattern

FOLDER_KEY: Final = "results/folder"
PATTERN_KEY: Final = "results/pattern"
METADATA_KEY: Final = "results/metadata"
AUTO_SAVE_KEY: Final = "results/auto_save"
AUTO_SAVE_FOLDER_KEY: Final = "results/auto_save_folder"
SAVE_FOLDER_NAME: Final = "taskmon"  # inside the downloads folder, as `taskmon save` does


def default_folder() -> Path:
    """The platform's downloads folder + `taskmon` (the home folder when there is none)."""
    downloads = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DownloadLocation
    ) or QStandardPaths.writableLocation(QStandardPaths.StandardLocation.HomeLocation)
    return Path(downloads) / SAVE_FOLDER_NAME


def _path(settings: QSettings, key: str, fallback: Path) -> Path:
    text = str(settings.value(key, "", str)).strip()
    return Path(text).expanduser() if text else fallback


@dataclass(frozen=True, slots=True)
class ResultSettings:
    """What the Results page sets."""

    folder: Path  # where the save dialogs open; every save remembers its folder here
    pattern_text: str
    metadata: bool  # write `<name>.json` beside each saved file
    auto_save: bool
    auto_save_folder: Path

    @property
    def pattern(self) -> SavePattern:
        """The saved pattern; the default one if the saved text no longer parses."""
        try:
            return SavePattern.parse(self.pattern_text)
        except PatternError:
            return SavePattern.parse(DEFAULT_PATTERN)


def load(settings: QSettings) -> ResultSettings:
    folder = _path(settings, FOLDER_KEY, default_folder())
    return ResultSettings(
        folder=folder,
        pattern_text=str(settings.value(PATTERN_KEY, DEFAULT_PATTERN, str)) or DEFAULT_PATTERN,
        metadata=bool(settings.value(METADATA_KEY, True, bool)),
        auto_save=bool(settings.value(AUTO_SAVE_KEY, False, bool)),
        auto_save_folder=_path(settings, AUTO_SAVE_FOLDER_KEY, folder),
    )


def remember_folder(settings: QSettings, folder: Path) -> None:
    settings.setValue(FOLDER_KEY, str(folder))


def set_pattern(settings: QSettings, text: str) -> None:
    """Keep `text` as the pattern; raises PatternError (and keeps the old one) when it is bad."""
    SavePattern.parse(text)
    settings.setValue(PATTERN_KEY, text)


def set_metadata(settings: QSettings, on: bool) -> None:
    settings.setValue(METADATA_KEY, on)


def set_auto_save(settings: QSettings, on: bool, folder: Path | None = None) -> None:
    """Switch auto-save; `folder` (default: the one set, else the save folder) is kept with it."""
    settings.setValue(AUTO_SAVE_KEY, on)
    if folder is not None:
        settings.setValue(AUTO_SAVE_FOLDER_KEY, str(folder))
    elif on and not str(settings.value(AUTO_SAVE_FOLDER_KEY, "", str)).strip():
        # Pinned now: later one-off saves elsewhere must not move auto-save.
        settings.setValue(AUTO_SAVE_FOLDER_KEY, str(load(settings).folder))


def shown_path(path: Path) -> str:
    """`~/Pictures/taskmon` for a folder under the home folder, else the full path."""
    home = Path.home()
    try:
        return "~/" + path.relative_to(home).as_posix() if path != home else "~"
    except ValueError:
        return str(path)
