"""The save folder the window's settings chose, where `taskmon save` can read it.

The window keeps its settings in QSettings, which nothing below ui reads; the
one value the headless `save` needs (its default folder) is mirrored here, a
small JSON file in the data dir, so both agree without Qt in the CLI.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Final

SAVE_FOLDER_FILE: Final = "save-folder.json"
_MAX_BYTES: Final = 64 * 1024  # a path, not a document: anything bigger is not ours


def read_save_folder(directory: Path) -> Path | None:
    """The save folder the window last chose, or None (never set, unreadable, damaged)."""
    try:
        with open(directory / SAVE_FOLDER_FILE, "rb") as file:
            untrusted = json.loads(file.read(_MAX_BYTES))
    except (OSError, ValueError):
        return None
    folder = untrusted.get("folder") if isinstance(untrusted, dict) else None
    if not isinstance(folder, str) or not folder.strip() or "\x00" in folder:
        return None
    return Path(folder).expanduser()


def write_save_folder(directory: Path, folder: Path) -> None:
    """Remember `folder` (atomically: a reader sees the old value or the new one)."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / SAVE_FOLDER_FILE
    part = target.with_name(f"{SAVE_FOLDER_FILE}.{os.getpid()}.part")
    part.write_text(json.dumps({"folder": str(folder)}), encoding="utf-8")
    os.replace(part, target)
