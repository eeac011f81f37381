"""Reading task IDs out of files dropped onto the window (run off the main thread)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

ACCEPTED_SUFFIXES: Final = frozenset({".txt", ".json", ".csv", ".log", ""})


def read_dropped(paths: list[str], max_bytes: int) -> tuple[str, list[str]]:
    """The text of every readable dropped file, and a message per file that was not read."""
    texts: list[str] = []
    problems: list[str] = []
    for raw in paths:
        path = Path(raw)
        name = path.name or raw
        if path.suffix.lower() not in ACCEPTED_SUFFIXES:
            problems.append(f"{name}: not a .txt or .json file, skipped")
            continue
        try:
            if not path.is_file():
                problems.append(f"{name}: not a file, skipped")
                continue
            size = path.stat().st_size
            if size > max_bytes:
                problems.append(f"{name}: {size:,} bytes is too large for a list of task IDs")
                continue
            data = path.read_bytes()
        except OSError as exc:
            problems.append(f"{name}: cannot read it ({exc.strerror or exc})")
            continue
        text = data.decode("utf-8", errors="replace")
        if "\x00" in text:
            problems.append(f"{name}: binary data, skipped")
            continue
        texts.append(text)
    return "\n".join(texts), problems
