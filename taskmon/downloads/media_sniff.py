"""What a result file really holds, from its bytes, and whether it is safe to hand to a viewer.

A provider chooses both the bytes and (through its URL) the name of a result.
Opening such a file with the desktop's default application goes by its name
on Linux and Windows, so a script named `result.desktop`, `x.bat` or `x.exe`
would run. Only a file whose first bytes are an image, a video or audio
(puremagic) *and* whose name ends in a media extension is ever opened.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

import puremagic

from taskmon.domain import MediaKind
from taskmon.downloads.safe_paths import open_read

SNIFF_BYTES: Final = 8192  # puremagic needs only the first few hundred bytes of media files

# Vector and container formats that can carry scripts or links are not "media" here.
_NOT_MEDIA_MIMES: Final = frozenset({"image/svg+xml", "image/svg", "application/ogg"})

# Names a viewer or player opens as media on every platform, by kind.
MEDIA_EXTENSIONS: Final[dict[MediaKind, frozenset[str]]] = {
    MediaKind.IMAGE: frozenset(
        {
            ".png",
            ".jpg",
            ".jpeg",
            ".jfif",
            ".webp",
            ".gif",
            ".bmp",
            ".tif",
            ".tiff",
            ".avif",
            ".heic",
            ".heif",
            ".ico",
        }
    ),
    MediaKind.VIDEO: frozenset({".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".mpg", ".mpeg"}),
    MediaKind.AUDIO: frozenset(
        {".wav", ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac", ".aiff", ".aif"}
    ),
}
_ALL_MEDIA_EXTENSIONS: Final = frozenset().union(*MEDIA_EXTENSIONS.values())


def kind_of_bytes(head: bytes) -> MediaKind | None:
    """IMAGE, VIDEO or AUDIO when the first bytes of a file say so, else None."""
    if not head:
        return None
    try:
        mime = puremagic.from_string(head, mime=True)
    except (puremagic.PureError, ValueError):
        return None
    mime = mime.lower()
    if mime in _NOT_MEDIA_MIMES:
        return None
    top = mime.split("/", 1)[0]
    return {"image": MediaKind.IMAGE, "video": MediaKind.VIDEO, "audio": MediaKind.AUDIO}.get(top)


def sniff_media_kind(path: str | os.PathLike[str]) -> MediaKind | None:
    """What the file's bytes are (image, video, audio), or None: not media or unreadable.

    Reads at most SNIFF_BYTES, never following a link in the last component.
    """
    try:
        with open_read(Path(path)) as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                return None
            head = file.read(SNIFF_BYTES)
    except OSError:
        return None
    return kind_of_bytes(head)


def open_refusal(path: str | os.PathLike[str]) -> str | None:
    """Why `path` must not be handed to the default application, in words; None when it may.

    It may when it is a plain file (not a link), its name ends in a media
    extension, and its bytes are an image, a video or audio.
    """
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
    if sniff_media_kind(target) is None:
        return f"{name} is not an image, a video or audio (its content says otherwise)"
    if target.suffix.lower() not in _ALL_MEDIA_EXTENSIONS:
        return f"{name} holds media but its name does not end in a media extension"
    return None
