"""Copying a cached result into a folder the user chose, by a save pattern.

The copy is written under a temporary name in the target folder, fsynced, then
renamed into place (`os.replace`), so a crash leaves either no file or the
whole one. Nothing is written through a link: the source is opened with
O_NOFOLLOW, the temporary file is created with O_EXCL, and every folder the
pattern makes below the chosen one is created and checked without following
links (`safe_paths.real_folder`). A name already taken gets " (2)", " (3)"…;
an existing file is never replaced. No copy ever has an executable bit, even
when its content sniffs as a script or a program rather than media.

All functions here block; call them off the event loop.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from collections.abc import Callable, Set
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

import puremagic

from taskmon.downloads import safe_paths
from taskmon.downloads.errors import StorageError
from taskmon.downloads.filenames import SNIFF_BYTES, numbered
from taskmon.downloads.part_files import MAX_COPIES
from taskmon.downloads.sidecar import sidecar_path

_BLOCK: Final = 1024 * 1024
_NO_EXEC: Final = ~(stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
_TMP_SUFFIX: Final = ".taskmon-tmp"


@dataclass(frozen=True, slots=True)
class SavedCopy:
    """A copy in its final place: absolute path, size and SHA-256 of its bytes."""

    path: Path
    size: int
    sha256: str  # hex
    media: bool  # the content sniffs as image, video or audio


def usable_folder(folder: Path) -> Path:
    """The chosen folder's real path, created if missing; StorageError says why it cannot be."""
    try:
        real = safe_paths.real_folder(folder.expanduser())
    except FileExistsError:
        raise StorageError(f"{folder} is not a folder") from None
    except OSError as exc:
        raise StorageError(f"cannot use the folder {folder}: {exc.strerror or exc}") from None
    if not os.access(real, os.W_OK | os.X_OK):
        raise StorageError(f"cannot write into the folder {folder}: permission denied")
    return real


def save_copy(
    source: Path,
    root: Path,
    relative: PurePosixPath,
    *,
    sidecar: Callable[[str], bytes] | None = None,
    claimed: Set[Path] = frozenset(),
) -> SavedCopy:
    """Copy `source` to `root / relative` (numbered when taken); return where it went.

    `relative` comes from a SavePattern (safe components). `sidecar`, given the
    copy's SHA-256, returns the metadata sidecar's bytes, written atomically
    beside it as `<name>.json`. `claimed` holds paths already chosen for other
    copies of this run that may not exist yet. Raises StorageError (or its
    UnsafeFolder), or OSError when the source cannot be read.
    """
    if relative.is_absolute() or any(p in ("", ".", "..") for p in relative.parts):
        raise StorageError(f"{relative} is not a path inside {root}")
    try:
        folder = safe_paths.real_folder(root.joinpath(*relative.parts[:-1]), root)
    except OSError as exc:
        raise StorageError(f"cannot create a folder in {root}: {exc.strerror or exc}") from None
    tmp = folder / f".{secrets.token_hex(8)}{_TMP_SUFFIX}"
    try:
        size, digest, media = _write_copy(source, tmp)
        target = _free_name(folder, relative.name, claimed, sidecar is not None)
        if sidecar is not None:
            write_atomically(sidecar_path(target), sidecar(digest))
        os.replace(tmp, target)
        _fsync_folder(folder)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    return SavedCopy(target, size, digest, media)


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a fsynced temporary name and `os.replace`."""
    tmp = path.with_name(f".{secrets.token_hex(8)}{_TMP_SUFFIX}")
    try:
        safe_paths.write_new(tmp, data)
        os.replace(tmp, path)  # replaces the name itself, even if it was a link
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def _write_copy(source: Path, tmp: Path) -> tuple[int, str, bool]:
    """Copy the bytes of `source` into the new file `tmp`, fsynced and never executable."""
    digest = hashlib.sha256()
    size = 0
    with safe_paths.open_read(source) as src, safe_paths.open_new(tmp) as dst:
        head = src.read(SNIFF_BYTES)
        block = head
        while block:
            dst.write(block)
            digest.update(block)
            size += len(block)
            block = src.read(_BLOCK)
        dst.flush()
        mode = stat.S_IMODE(os.fstat(dst.fileno()).st_mode)
        if mode & ~_NO_EXEC and hasattr(os, "fchmod"):  # umask allows no x, but make sure
            os.fchmod(dst.fileno(), mode & _NO_EXEC)
        os.fsync(dst.fileno())
    return size, digest.hexdigest(), sniffs_as_media(head)


def sniffs_as_media(head: bytes) -> bool:
    """Whether the first bytes are an image, a video or audio (puremagic)."""
    if not head:
        return False
    try:
        mime = puremagic.from_string(head, mime=True)
    except (puremagic.PureError, ValueError):
        return False
    return mime.split("/", 1)[0] in ("image", "video", "audio")


def _free_name(folder: Path, name: str, claimed: Set[Path], with_sidecar: bool) -> Path:
    for n in range(1, MAX_COPIES + 1):
        target = folder / numbered(name, n)
        if target in claimed or os.path.lexists(target):  # a dangling link is taken too
            continue
        if with_sidecar and os.path.lexists(sidecar_path(target)):
            continue
        return target
    raise StorageError(f"too many files named like {name} in {folder}")


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":  # Windows cannot open a folder; NTFS journals the rename
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
