"""Crash-safe bookkeeping for downloads on disk: `.part` files, their sidecar, the final rename.

A download writes `<name>.part` next to `<name>.part.meta` (JSON: url, etag,
last_modified, total, content_type). The name is derived from the URL, so a
restarted process finds its own `.part` again; the sidecar says which URL the
bytes belong to, so another link with the same file name never writes into it.

The final rename is idempotent when the caller allows adoption (`place`'s
`adoptable`). A kill -9 after the rename but before the store has committed
the file's record leaves a complete file that nothing refers to, and no
`.part`: the restart downloads the URL again. When that second download
finishes, `place` looks at the files already under the result's final name
(`clip.mp4`, `clip (2).mp4`, ...); one with exactly the same bytes that the
caller lets it adopt (not another output's) *is* this result, placed
by the earlier run, so it is adopted and the new `.part` is dropped instead of
becoming `clip (2).mp4`. A foreign file of the same name (other bytes) is
never adopted nor replaced. The evidence is the content itself: nothing has
to outlive the rename, because the downloader cannot know when the store
commits, and any marker removed before that commit would leave the same window
open. Every step is a single rename or unlink, so a crash at any moment leaves
either the `.part` (resumed) or the final file (adopted next time).

All functions here block; the downloader calls them off the event loop
except for the cheapest ones.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Set
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pydantic

from taskmon.downloads import safe_paths
from taskmon.downloads.errors import StorageError, UnsafeFolder, WrongSize
from taskmon.downloads.filenames import SNIFF_BYTES, final_name, numbered

MAX_COPIES = 999
_MAX_META_BYTES = 16 * 1024
_COMPARE_BLOCK = 1024 * 1024


class PartMeta(pydantic.BaseModel):
    """The `.part.meta` sidecar: what the partial bytes belong to."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    total: int | None = None
    # The response's Content-Type, so a resume that ends on 416 (no body, often no
    # type) names the file as the first response would have: names must not depend
    # on where a download was cut.
    content_type: str | None = None

    @property
    def strong_etag(self) -> str | None:
        """The ETag if it is a strong one (a weak one proves nothing about bytes)."""
        if self.etag and not self.etag.startswith("W/"):
            return self.etag
        return None

    @property
    def validator(self) -> str | None:
        """The If-Range value: a strong ETag, else the date."""
        return self.strong_etag or self.last_modified


def read_part_meta(path: Path) -> PartMeta | None:
    """A `.part.meta` sidecar (at most 16 KiB read), or None when missing or unreadable."""
    try:
        with safe_paths.open_read(path) as f:  # a planted link is unreadable, not followed
            return PartMeta.model_validate_json(f.read(_MAX_META_BYTES))
    except (OSError, pydantic.ValidationError):
        return None


@dataclass(frozen=True, slots=True)
class Slot:
    """Where one download writes: `<numbered base>.part` and its sidecar."""

    base: str  # the name derived from the URL (or hint), before numbering
    copy: int  # 1, or n for `base (n)`
    part: Path
    meta: Path
    root: Path  # real path of the folder the user chose; `part`'s folder is inside it
    folder_id: tuple[int, int]  # `part`'s folder when claimed, to notice a swap

    def read_meta(self) -> PartMeta | None:
        """The sidecar, or None when missing or unreadable."""
        return read_part_meta(self.meta)

    def write_meta(self, meta: PartMeta) -> None:
        tmp = self.meta.with_name(self.meta.name + ".tmp")
        safe_paths.write_new(tmp, meta.model_dump_json().encode())
        os.replace(tmp, self.meta)  # replaces the name, even if it was a link

    def part_size(self) -> int:
        """The bytes a resume continues from: 0 unless the `.part` is a plain file."""
        try:
            info = os.lstat(self.part)
        except FileNotFoundError:
            return 0
        return info.st_size if safe_paths.is_plain_file(info) else 0

    def discard(self) -> None:
        """Remove the partial bytes and their sidecar."""
        for path in (self.part, self.meta):
            with suppress(FileNotFoundError):
                path.unlink()


def claim_slot(
    dest_dir: Path, base: str, url: str, busy: Set[Path], root: Path | None = None
) -> Slot:
    """Our own earlier `.part` for `url` if there is one, else the first free name.

    `busy` holds the `.part` paths other downloads of this process are writing.
    `dest_dir` is created inside `root` (itself without `root`) following no link
    below it (UnsafeFolder otherwise, see `safe_paths`).
    """
    dest = safe_paths.real_folder(dest_dir, root)
    real_root = dest if root is None else Path(os.path.realpath(root))
    dest_id = safe_paths.folder_id(dest)
    existing = set(os.listdir(dest))
    free: Slot | None = None
    for n in range(1, MAX_COPIES + 1):
        name = numbered(base, n)
        part, meta_path = dest / f"{name}.part", dest / f"{name}.part.meta"
        slot = Slot(base, n, part, meta_path, real_root, dest_id)
        if slot.part in busy:
            continue
        if slot.meta.name in existing:
            meta = slot.read_meta()
            if meta is not None and meta.url == url:
                free = slot
                break
            if meta is not None:
                continue  # another link's partial download
        if free is None and name not in existing:
            free = slot
    if free is None:
        raise StorageError(f"too many files named like {base} in {dest}")
    if (meta := free.read_meta()) is None or meta.url != url:
        free.discard()  # an orphan without a readable sidecar: nothing to resume
        free.write_meta(PartMeta(url=url))
    elif os.path.lexists(free.part) and not safe_paths.is_plain_file(os.lstat(free.part)):
        # A link (or a second name of another file) where our `.part` was: not ours.
        os.unlink(free.part)
    return free


def open_part(path: Path, append: bool) -> BinaryIO:
    """Open a `.part` for writing, never through a link (a seam: tests simulate a full disk)."""
    return safe_paths.open_append(path) if append else safe_paths.open_new(path)


def same_bytes(path: Path, other: Path) -> bool:
    """Whether two files hold the same bytes (read in blocks, never through a link)."""
    with safe_paths.open_read(path) as f, safe_paths.open_read(other) as g:
        while True:
            block = f.read(_COMPARE_BLOCK)
            if block != g.read(_COMPARE_BLOCK):
                return False
            if not block:
                return True


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":  # Windows cannot open a directory; NTFS journals the rename
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def place(
    slot: Slot,
    content_type: str | None,
    *,
    size: int,
    adoptable: Callable[[Path], bool] | None = None,
) -> Path:
    """Move a finished (already fsynced) `.part` to its final name, never over a file.

    `size` is the `.part`'s length as counted while it arrived (the declared one when
    the server gave one), and a placed file of another length is removed (WrongSize).
    With `adoptable`, a regular file already under the final name (or a numbered
    one) holding exactly the `.part`'s bytes, and for whose path `adoptable` says yes, is
    adopted instead (see the module docstring); paths given to it have a resolved
    directory, like `real_path`'s. Without it, a free numbered name is always taken.
    """
    dest = slot.part.parent
    # The folder must still be the one claimed, reached through real folders only:
    # a folder swapped for a link meanwhile would take the file elsewhere.
    safe_paths.real_folder(dest, slot.root, create=False)
    if safe_paths.folder_id(dest) != slot.folder_id:
        raise UnsafeFolder(f"the folder {dest} was replaced during the download; nothing saved")
    with safe_paths.open_read(slot.part) as f:
        head = f.read(SNIFF_BYTES)
    name = final_name(slot.base, content_type, head)
    if adoptable is not None:
        twin = _identical_file(dest, name, slot.part, size, adoptable)
        if twin is not None:
            slot.discard()  # a crash before this resumes the .part and adopts again
            _fsync_dir(dest)
            return twin
    for n in range(slot.copy, MAX_COPIES + 1):
        target = dest / numbered(name, n)
        if not os.path.lexists(target):  # a link, even a dangling one, is not replaced
            break
    else:
        raise StorageError(f"too many files named like {name} in {dest}")
    os.replace(slot.part, target)
    with suppress(FileNotFoundError):
        slot.meta.unlink()
    _fsync_dir(dest)
    # The bytes were counted as they arrived; the file must hold exactly those. If it
    # does not (something else wrote to the `.part`), it is not the result.
    actual = os.lstat(target).st_size
    if actual != size:
        target.unlink()
        raise WrongSize(target, size, actual)
    return target


def real_path(path: Path) -> Path:
    """`path` with its directory resolved: how `place` names the files it compares."""
    return Path(os.path.realpath(path.parent)) / path.name


def _identical_file(
    dest: Path, name: str, part: Path, size: int, adoptable: Callable[[Path], bool]
) -> Path | None:
    """A regular, adoptable file in `dest` named `name` or `name (n)` with `part`'s bytes."""
    existing = set(os.listdir(dest))
    for n in range(1, MAX_COPIES + 1):
        candidate = numbered(name, n)
        if candidate not in existing or not adoptable(dest / candidate):
            continue
        path = dest / candidate
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            continue
        # Size first: reading both is only worth it for a likely twin. A symlink is
        # never adopted: the cache holds results, not links to files elsewhere.
        if not stat.S_ISREG(info.st_mode) or info.st_size != size:
            continue
        if same_bytes(path, part):
            return path
    return None
