"""Thumbnails on disk in the data dir, so a restart shows them without decoding again.

`<folder>/<key>.jpg` holds an opaque thumbnail (a photo or a video frame: JPEG
encodes in ~2 ms and takes ~16 KB at 256 px, where PNG took 20-45 ms and 100-260
KB), `<key>.png` one with transparency or drawn lines (a waveform), written with
light compression; `<key>.txt` says why a file can't be previewed (a hostile or
broken file is not decoded again at every start). The key hashes
the file's absolute path, modification time and size with the thumbnail box and
a format version: a changed file gets a new key. Files are written under a
temporary name and renamed into place, so a crash leaves the old state or the
new one. Every method touches the disk: call them from a worker, never the GUI.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PySide6.QtCore import QBuffer, QIODevice, QSize
from PySide6.QtGui import QImage

from taskmon.domain import MediaKind

FORMAT_VERSION: Final = 2  # 2: JPEG for opaque pictures
JPEG_QUALITY: Final = 90  # no visible loss at thumbnail sizes
PNG_QUALITY: Final = 80  # Qt's scale: zlib level 1, ~4× faster than the default level
MAX_REASON_CHARS: Final = 300
MAX_DISK_BYTES: Final = 256 * 1024 * 1024  # past this, the least recently used go
STALE_PART_S: Final = 3600  # a temporary file this old was left by a crash


@dataclass(frozen=True)
class Thumbnail:
    """A file's small picture, or the words saying why there is none."""

    image: QImage | None
    problem: str | None = None  # "can't preview: …" when image is None
    kind: MediaKind | None = None

    @classmethod
    def failed(cls, reason: str, kind: MediaKind | None = None) -> Thumbnail:
        return cls(None, f"can't preview: {reason}", kind)


class ThumbnailCache:
    """Disk storage of thumbnails of one box size (folder None: nothing is kept)."""

    def __init__(self, folder: Path | None, box: QSize) -> None:
        self.folder = folder
        self.box = QSize(box)

    def key_for(self, path: str) -> str | None:
        """The cache key of the file as it is now; None when it is gone."""
        try:
            info = os.stat(path)
        except OSError:
            return None
        text = (
            f"{FORMAT_VERSION}|{os.path.abspath(path)}|{info.st_mtime_ns}|{info.st_size}|"
            f"{self.box.width()}x{self.box.height()}"
        )
        return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:40]

    def load(self, key: str) -> Thumbnail | None:
        """The stored thumbnail of `key`, or None when there is none (or it is unreadable)."""
        if self.folder is None:
            return None
        for suffix in _PICTURE_SUFFIXES:
            picture = self.folder / f"{key}{suffix}"
            image = QImage(str(picture))  # null when there is no such file
            if not image.isNull():
                with contextlib.suppress(OSError):
                    os.utime(picture)  # used now: the last to go when the cache is pruned
                return Thumbnail(image, None, _kind_of(image.text("kind")))
        note = self.folder / f"{key}.txt"
        with contextlib.suppress(OSError, UnicodeDecodeError):
            words = note.read_text("utf-8")[:MAX_REASON_CHARS]
            kind, _, problem = words.partition("\n")
            if problem:
                return Thumbnail(None, problem, _kind_of(kind))
        return None

    def store(self, key: str, thumbnail: Thumbnail) -> Thumbnail:
        """Keep `thumbnail` under `key` (best effort: a full disk only costs a decode later).

        Returns the thumbnail as stored (a JPEG's pixels read back), so what this
        session shows is what a restart will show.
        """
        if self.folder is None:
            return thumbnail
        kind = thumbnail.kind.value if thumbnail.kind is not None else ""
        suffix, form, quality = _format_for(thumbnail)
        if thumbnail.image is not None:
            image = QImage(thumbnail.image)
            image.setText("kind", kind)
            buffer = QBuffer()
            buffer.open(QIODevice.OpenModeFlag.WriteOnly)
            if not image.save(buffer, form, quality):  # type: ignore[call-overload]  # str works, bytes not
                return thumbnail
            encoded = bytes(buffer.data().data())
            if form == "JPG":
                stored = QImage.fromData(encoded)
                if not stored.isNull():
                    thumbnail = Thumbnail(stored, None, thumbnail.kind)
            self._write(f"{key}{suffix}", encoded)
        elif thumbnail.problem:
            words = f"{kind}\n{thumbnail.problem[:MAX_REASON_CHARS]}"
            self._write(f"{key}.txt", words.encode("utf-8"))
        return thumbnail

    def _write(self, name: str, data: bytes) -> None:
        """`data` as `name`, atomically (a temporary file renamed into place)."""
        assert self.folder is not None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            suffix = Path(name).suffix  # the temporary name keeps it: prune knows the kind
            tmp = self.folder / f".{secrets.token_hex(6)}.part{suffix}"
            try:
                tmp.write_bytes(data)  # no fsync: a cache; a torn file reads as null, decoded again
                os.replace(tmp, self.folder / name)
            finally:
                with contextlib.suppress(OSError):
                    tmp.unlink(missing_ok=True)
        except OSError:
            return

    def prune(self, max_bytes: int = MAX_DISK_BYTES) -> int:
        """Remove the least recently used thumbnails past `max_bytes` (down to 3/4 of it),
        and temporary files a crash left; returns how many files went."""
        if self.folder is None:
            return 0
        entries: list[tuple[float, int, Path]] = []
        removed = 0
        now = time.time()
        try:
            with os.scandir(self.folder) as scan:
                for entry in scan:
                    if not entry.is_file(follow_symlinks=False):
                        continue
                    info = entry.stat(follow_symlinks=False)
                    if ".part." in entry.name:  # being written, or left by a crash
                        if now - info.st_mtime > STALE_PART_S:
                            removed += _remove(Path(entry.path))
                    elif entry.name.endswith((*_PICTURE_SUFFIXES, ".txt")):
                        entries.append((info.st_mtime, info.st_size, Path(entry.path)))
        except OSError:
            return removed
        total = sum(size for _, size, _ in entries)
        if total <= max_bytes:
            return removed
        for _, size, path in sorted(entries):  # oldest use first
            if total <= max_bytes * 3 // 4:
                break
            if _remove(path):
                removed += 1
                total -= size
        return removed


_PICTURE_SUFFIXES: Final = (".jpg", ".png")


def _format_for(thumbnail: Thumbnail) -> tuple[str, str, int]:
    """Suffix, Qt format and quality: JPEG for opaque photos and frames, else light PNG."""
    image = thumbnail.image
    opaque = image is not None and not image.hasAlphaChannel()
    if opaque and thumbnail.kind in (MediaKind.IMAGE, MediaKind.VIDEO):
        return ".jpg", "JPG", JPEG_QUALITY
    return ".png", "PNG", PNG_QUALITY


def _remove(path: Path) -> int:
    try:
        path.unlink()
    except OSError:
        return 0
    return 1


def _kind_of(value: str) -> MediaKind | None:
    try:
        return MediaKind(value)
    except ValueError:
        return None
