"""Whether a result file may be handed to the desktop's default application.

A provider chooses both the bytes and (through its URL) the name of a result.
Opening a file with the default application goes by its name on Linux and
Windows, so a script named `result.desktop`, `x.bat` or `x.exe` would run.
Only a plain file whose first bytes are an image, a video or audio *and* whose
name ends in a media extension is ever opened; an SVG (it can carry scripts,
and opens in a browser) never is.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

from taskmon.domain import MediaKind
from taskmon.downloads.media_sniff import sniff_file

_SCRIPTABLE_MIMES: Final = frozenset({"image/svg+xml", "image/svg"})

# Names a viewer or player opens as media on every platform, by kind.
MEDIA_EXTENSIONS: Final[dict[MediaKind, frozenset[str]]] = {
    MediaKind.IMAGE: frozenset(
        {".png", ".jpg", ".jpeg", ".jfif", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".avif"}
        | {".heic", ".heif", ".ico"}
    ),
    MediaKind.VIDEO: frozenset({".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".mpg", ".mpeg"}),
    MediaKind.AUDIO: frozenset(
        {".wav", ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac", ".aiff", ".aif"}
    ),
}
_ALL_MEDIA_EXTENSIONS: Final = frozenset().union(*MEDIA_EXTENSIONS.values())


def open_refusal(path: str | os.PathLike[str]) -> str | None:
    """Why `path` must not be handed to the default application, in words; None when it may."""
    target = Path(path)
    name = target.name
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return f"{name} is not on disk any more"
    except OSError as exc:
        return f"{name} cannot be read ({exc.strerror or exc})"
    if stat.S_ISLNK(info.st_mode):
        return f"{name} is a link, not a result file"
    if not stat.S_ISREG(info.st_mode):
        return f"{name} is not a plain file"
    sniffed = sniff_file(target)
    if sniffed.kind is None:
        return f"{name} is not an image, a video or audio ({sniffed.reason})"
    if sniffed.mime in _SCRIPTABLE_MIMES:
        return f"{name} is an SVG drawing, which can carry scripts"
    if target.suffix.lower() not in _ALL_MEDIA_EXTENSIONS:
        return f"{name} holds media but its name does not end in a media extension"
    return None
