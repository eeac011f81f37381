"""Whether a result may go to the desktop's default application (its bytes must be media).

A provider chooses a result's bytes and, through its URL, its name; the default
application is picked by the name, so a script saved as `result.desktop` would
run. Only a regular file (not a link) whose first bytes are an image, a video or
audio, and whose name ends in a media extension, is opened. To be replaced by
`taskmon.downloads.open_refusal` once that lands (issue 12 adds it).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

import puremagic

SNIFF_BYTES: Final = 8192
_MEDIA_EXTENSIONS: Final = frozenset(
    {
        ".png", ".jpg", ".jpeg", ".jfif", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".avif",
        ".heic", ".heif", ".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".mpg", ".mpeg",
        ".wav", ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac", ".aiff", ".aif",
    }
)  # fmt: skip
_NOT_MEDIA: Final = frozenset({"image/svg+xml", "image/svg"})  # vector: may carry scripts


def media_kind_of(path: str | os.PathLike[str]) -> str | None:
    """`image`, `video` or `audio` when the file's bytes say so (a regular file only)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        with open(path, "rb") as file:
            head = file.read(SNIFF_BYTES)
        mime = puremagic.from_string(head, mime=True) if head else ""
    except (OSError, puremagic.PureError, ValueError):
        return None
    if not mime or mime in _NOT_MEDIA:
        return None
    kind = mime.split("/", 1)[0]
    return kind if kind in ("image", "video", "audio") else None


def open_refusal(path: str | os.PathLike[str]) -> str | None:
    """Why `path` must not be handed to the default application, or None when it may."""
    if Path(path).suffix.lower() not in _MEDIA_EXTENSIONS:
        return f"{Path(path).name} does not have a media file's name"
    if media_kind_of(path) is None:
        return f"{Path(path).name} does not hold an image, a video or audio"
    return None
