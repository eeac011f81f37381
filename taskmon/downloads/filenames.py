"""Safe, deterministic local file names for downloaded results.

Everything that comes from a URL or a response is untrusted: a name is cut to
its last path segment, sanitized for every OS (files move between machines),
bounded in length, and its extension is only kept when it is a known media or
data type. When the URL gives no such extension the content decides.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

import puremagic
from pathvalidate import sanitize_filename

FALLBACK_STEM = "result"
# Room left in a 255-byte file name for " (999)" and ".part.meta.tmp".
MAX_NAME_BYTES = 200
MAX_EXT_BYTES = 16
SNIFF_BYTES = 8192  # puremagic needs only the first few hundred bytes of media files

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
# Extensions that make a file runnable somewhere; never left on a downloaded result.
_EXECUTABLE_EXTS = frozenset(
    # One string keeps the list readable; ruff would put each item on its own line.
    ".exe .com .bat .cmd .scr .pif .msi .msix .dll .cpl .ps1 .psm1 .vbs .vbe .js .jse .wsf"  # noqa: SIM905
    " .wsh .hta .lnk .reg .jar .sh .bash .zsh .command .app .desktop .apk .appimage .deb"
    " .rpm .dmg .pkg .run .py .pl .rb".split()
)

# Extensions we keep from a URL even though they are not image/video/audio.
_DATA_TYPES = frozenset(
    {
        "application/json",
        "application/pdf",
        "application/zip",
        "application/gzip",
        "application/x-tar",
        "text/plain",
        "text/csv",
        "text/vtt",
        "application/x-subrip",
        "model/gltf-binary",
        "model/gltf+json",
        "model/obj",
        "model/stl",
    }
)
# mimetypes' first guess is not always the common one (".jfif", ".jpe", ".m1v"...).
_PREFERRED_EXT = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/avif": ".avif",
    "image/heic": ".heic",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
    "video/mpeg": ".mpg",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/ogg": ".ogg",
    "audio/flac": ".flac",
    "text/plain": ".txt",
}
_EXT_ALIASES = {".jfif": ".jpg", ".jpe": ".jpg", ".jpeg": ".jpg", ".m4v": ".mp4"}
# Some of these are not in the system's mime table; add them once so guesses are stable.
for _mime, _ext in (
    ("image/webp", ".webp"),
    ("image/avif", ".avif"),
    ("model/gltf-binary", ".glb"),
):
    mimetypes.add_type(_mime, _ext)


def is_known_type(mime: str | None) -> bool:
    """Whether a MIME type is a media or data type whose extension we trust."""
    if not mime:
        return False
    major = mime.split("/", 1)[0]
    return major in {"image", "video", "audio"} or mime in _DATA_TYPES


def known_extension(name: str) -> str | None:
    """The extension of `name` (lower-case, with the dot) if it names a known type."""
    suffix = PurePosixPath(name).suffix.lower()
    if not suffix or len(suffix.encode()) > MAX_EXT_BYTES:
        return None
    if suffix in _PREFERRED_EXT.values() or suffix in _EXT_ALIASES:
        return _EXT_ALIASES.get(suffix, suffix)
    mime, _ = mimetypes.guess_type(f"x{suffix}", strict=False)
    if not is_known_type(mime):
        return None
    return _EXT_ALIASES.get(suffix, suffix)


def extension_for_mime(untrusted_content_type: str | None) -> str | None:
    """A known extension for a Content-Type header value, or None."""
    if not untrusted_content_type:
        return None
    mime = untrusted_content_type.split(";", 1)[0].strip().lower()
    if not is_known_type(mime):
        return None
    ext = _PREFERRED_EXT.get(mime) or mimetypes.guess_extension(mime, strict=False)
    return _EXT_ALIASES.get(ext, ext) if ext else None


def extension_from_magic(head: bytes) -> str | None:
    """A known extension guessed from the first bytes of the content, or None."""
    if not head:
        return None
    try:
        mime = puremagic.from_string(head, mime=True)
    except (puremagic.PureError, ValueError):
        return None
    return extension_for_mime(mime)


def _last_segment(untrusted: str) -> str:
    """The part after the last separator, without controls or hiding/trailing dots."""
    segment = re.split(r"[/\\]", _CONTROL_CHARS.sub("", untrusted))[-1]
    # Leading dots would hide the file (and ".."/"." are not names); trailing ones break Windows.
    return segment.strip().lstrip(".").rstrip(". ")


def _truncate(stem: str, ext: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    budget = max_bytes - len(ext.encode())
    raw = stem.encode()[:budget]
    return raw.decode("utf-8", errors="ignore").rstrip(". ") + ext


def safe_name(untrusted_name: str | None) -> str:
    """A sanitized, bounded file name (never empty) from an untrusted name."""
    segment = _last_segment(untrusted_name or "")
    ext = PurePosixPath(segment).suffix if segment else ""
    if len(ext.encode()) > MAX_EXT_BYTES:
        ext = ""
    stem = segment[: len(segment) - len(ext)] or FALLBACK_STEM
    # Bound first (keeping the extension) so pathvalidate never has to cut the name itself;
    # it then removes what is invalid anywhere and renames reserved names (CON -> CON_).
    name = sanitize_filename(_truncate(stem, ext), platform="universal")
    return _last_segment(str(name)) or FALLBACK_STEM


def name_from_url(url: str, name_hint: str | None = None) -> str:
    """The base file name for a download: the hint if given, else the URL's last segment.

    A hint without an extension borrows the URL's known one. Deterministic, so a
    restarted process derives the same name and finds its own `.part` again.
    """
    segment = PurePosixPath(unquote(urlsplit(url).path)).name
    # unquote can produce "/" or "\\" from %2F/%5C: _clean keeps only what follows them.
    from_url = safe_name(segment)
    if not name_hint:
        return from_url
    hinted = safe_name(name_hint)
    url_ext = known_extension(from_url)
    if url_ext and not known_extension(hinted):
        hinted = _truncate(hinted, url_ext)
    return hinted


def final_name(base: str, untrusted_content_type: str | None, head: bytes) -> str:
    """The finished file's name: `base` with an extension that matches the content.

    A known media/data extension from the URL is kept. Otherwise the content type,
    then the magic bytes, give the extension, which is appended. An executable
    extension (`.exe`, `.sh`…) is replaced, by `.bin` when the content is unknown.
    """
    if known_extension(base):
        return base
    content_ext = extension_for_mime(untrusted_content_type) or extension_from_magic(head)
    suffix = PurePosixPath(base).suffix
    stem = base
    if suffix.lower() in _EXECUTABLE_EXTS:
        stem = base[: -len(suffix)] or FALLBACK_STEM
        content_ext = content_ext or ".bin"
    if not content_ext:
        return base
    return safe_name(_truncate(stem, content_ext))


def numbered(name: str, n: int) -> str:
    """`name` for the n-th copy: `clip.mp4`, `clip (2).mp4`, `clip (3).mp4`…"""
    if n <= 1:
        return name
    ext = PurePosixPath(name).suffix
    stem = name[: len(name) - len(ext)]
    return f"{stem} ({n}){ext}"
