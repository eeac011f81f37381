"""What a file on disk really holds (image, video, audio, or something not to preview),
and whether it may be handed to the desktop's default application.

Result files come from providers and their CDNs: a name ending in `.png` proves
nothing (a `result.desktop` may be a shell script). Previews, thumbnails and
"Open" look at the first bytes (puremagic) and decode only what sniffs as media.

A provider chooses both the bytes and (through its URL) the name of a result.
Opening a file with the default application goes by its name on Linux and
Windows, so a script named `result.desktop`, `x.bat` or `x.exe` would run.
Only a plain file whose first bytes are an image, a video or audio *and* whose
name ends in a media extension is ever opened (`open_refusal`); an SVG (it can
carry scripts, and opens in a browser) never is.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import puremagic

from taskmon.domain import MediaKind

SNIFF_BYTES: Final = 8192  # puremagic needs only the first few hundred bytes of media files
_MEDIA_KINDS: Final = {
    "image": MediaKind.IMAGE,
    "video": MediaKind.VIDEO,
    "audio": MediaKind.AUDIO,
}
# Containers puremagic names by their container type: Ogg sound (Vorbis, Opus) unless a
# video stream's first packet is in the head (_ogg_video).
_CONTAINER_KINDS: Final = {"application/ogg": MediaKind.AUDIO, "audio/ogg": MediaKind.AUDIO}
_VIDEO_BRANDS: Final = frozenset({b"isom", b"iso2", b"mp41", b"mp42", b"avc1", b"qt  "})
# Every stream's first packet comes first in an Ogg file (its BOS pages): a video
# codec's identification header there makes it video, whatever sound follows.
_OGG_VIDEO: Final = re.compile(rb"\x80theora|OVP80|\x80daala")
# A link planted where a result was is not followed; a FIFO would block the read.
_NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0)


@dataclass(frozen=True, slots=True)
class SniffedFile:
    """A file's media kind by its content (None: not media) and its MIME type, if any."""

    kind: MediaKind | None
    mime: str | None
    reason: str  # why it is not media, in words; "" when it is


def sniff_bytes(head: bytes) -> SniffedFile:
    """The media kind of content starting with `head`."""
    if not head:
        return SniffedFile(None, None, "the file is empty")
    quick = _common_media(head)
    if quick is not None:
        return SniffedFile(_MEDIA_KINDS[quick.split("/", 1)[0]], quick, "")
    try:
        mime = str(puremagic.from_string(head, mime=True))
    except (puremagic.PureError, ValueError):
        return SniffedFile(None, None, "its content is not an image, video or audio")
    kind = _MEDIA_KINDS.get(mime.split("/", 1)[0]) or _CONTAINER_KINDS.get(mime)
    if kind is None:
        return SniffedFile(None, mime, f"its content is {mime}, not media")
    return SniffedFile(kind, mime, "")


def _common_media(head: bytes) -> str | None:
    """The formats generators send, by their fixed signatures: puremagic's full scan
    (pure Python, ~2 ms a file) is for everything else."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp" and head[8:12] in _VIDEO_BRANDS:
        return "video/mp4"
    if head.startswith(b"OggS") and _OGG_VIDEO.search(head):
        return "video/ogg"
    return None


def sniff_file(path: str | Path) -> SniffedFile:
    """Sniff the first bytes of the plain file `path` (never through a link, never a FIFO)."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        return SniffedFile(None, None, _os_reason(exc))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return SniffedFile(None, None, "it is not a regular file")
        head = os.read(fd, SNIFF_BYTES)
    except OSError as exc:
        return SniffedFile(None, None, _os_reason(exc))
    finally:
        os.close(fd)
    return sniff_bytes(head)


def sniff_media_kind(path: str | Path) -> MediaKind | None:
    """IMAGE, VIDEO or AUDIO by the file's content; None when it is not media (or unreadable)."""
    return sniff_file(path).kind


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "the file is gone"
    if isinstance(exc, PermissionError):
        return "the file cannot be read (permission denied)"
    return f"the file cannot be read ({exc.strerror or exc})"


# -- opening ------------------------------------------------------------------------

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
