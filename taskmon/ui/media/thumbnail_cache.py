"""Thumbnails on disk in the data dir, so a restart shows them without decoding again.

`<folder>/<key>.png` holds a thumbnail, `<key>.txt` why a file can't be previewed
(a hostile or broken file is not decoded again at every start). The key hashes
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

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage

from taskmon.domain import MediaKind

FORMAT_VERSION: Final = 1
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
        picture = self.folder / f"{key}.png"
        if picture.is_file():
            image = QImage(str(picture))
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

    def store(self, key: str, thumbnail: Thumbnail) -> None:
        """Keep `thumbnail` under `key` (best effort: a full disk only costs a decode later)."""
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{secrets.token_hex(6)}.part.png"  # the suffix names the format
            try:
                kind = thumbnail.kind.value if thumbnail.kind is not None else ""
                if thumbnail.image is not None:
                    image = QImage(thumbnail.image)
                    image.setText("kind", kind)
                    if not image.save(str(tmp)):
                        return
                    os.replace(tmp, self.folder / f"{key}.png")
                elif thumbnail.problem:
                    tmp.write_text(f"{kind}\n{thumbnail.problem[:MAX_REASON_CHARS]}", "utf-8")
                    os.replace(tmp, self.folder / f"{key}.txt")
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
                    if entry.name.endswith(".part.png") and now - info.st_mtime > STALE_PART_S:
                        removed += _remove(Path(entry.path))
                    elif entry.name.endswith((".png", ".txt")):
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
