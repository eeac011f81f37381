"""Folders and files taskmon writes, reached without following links it did not choose.

In a shared or group-writable folder another local user can plant a link where
taskmon is about to write (a task folder, a `.part`, a `.part.meta.tmp`) and so
make it overwrite any file the user owns. So every file is opened with
O_NOFOLLOW, a temporary name is removed (unlink acts on the link itself) and
created with O_EXCL, a file being resumed must be a plain file with one name,
and every folder below the root the user chose is created and checked one
component at a time with `os.lstat`. Links above that root (/home -> /usr/home)
and the root itself are the user's choice and are followed.

Windows has no O_NOFOLLOW (`getattr(os, "O_NOFOLLOW", 0)` is 0 there) and
making a link needs privileges; the folder checks still apply.
"""

from __future__ import annotations

import os
import stat
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

from taskmon.downloads.errors import StorageError, UnsafeFolder

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # 0 on Windows, which has no such flag
_BINARY = getattr(os, "O_BINARY", 0)  # Windows only: no newline translation
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_READ = os.O_RDONLY | _NOFOLLOW | _BINARY | _CLOEXEC
_WRITE = os.O_WRONLY | _NOFOLLOW | _BINARY | _CLOEXEC


def real_folder(folder: Path, root: Path | None = None, *, create: bool = True) -> Path:
    """The real path of `folder`, created (if `create`) without following links below `root`.

    Without `root`, `folder` is the root. Raises UnsafeFolder when `folder` is
    not inside `root`, or a component below `root` is a link or not a folder.
    """
    top = folder if root is None else root
    if create:
        top.mkdir(parents=True, exist_ok=True)  # links above the root: the user's choice
    current = Path(os.path.realpath(top))
    if not current.is_dir():
        raise StorageError(f"{top} is not a folder")
    if root is None:
        return current
    try:
        below = Path(os.path.abspath(folder)).relative_to(os.path.abspath(root))
    except ValueError:
        raise UnsafeFolder(f"{folder} is not inside {root}") from None
    shown = root
    for name in below.parts:
        current, shown = current / name, shown / name
        if create:
            with suppress(FileExistsError):  # mkdir never follows a link in its last step
                os.mkdir(current)
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            raise StorageError(f"the folder {shown} is gone") from None
        # A junction is not S_ISLNK on Windows; making one there needs the folder's owner.
        if stat.S_ISLNK(info.st_mode):
            raise UnsafeFolder(
                f"the folder {shown} is a link to {os.readlink(current)}; taskmon only"
                f" writes into real folders inside {root}, so it saved nothing there"
            )
        if not stat.S_ISDIR(info.st_mode):
            raise UnsafeFolder(f"{shown} is not a folder; taskmon saved nothing there")
    return current


def folder_id(folder: Path) -> tuple[int, int]:
    """What identifies a folder on disk (device, inode), to notice it was swapped."""
    info = os.lstat(folder)
    return info.st_dev, info.st_ino


def is_plain_file(info: os.stat_result) -> bool:
    """A regular file with a single name: neither a link nor another name of some file."""
    return stat.S_ISREG(info.st_mode) and info.st_nlink == 1


def open_new(path: Path) -> BinaryIO:
    """Create `path` afresh for writing: whatever had that name (a link too) is removed."""
    with suppress(FileNotFoundError):
        os.unlink(path)  # acts on a link itself, never on what it points to
    fd = os.open(path, _WRITE | os.O_CREAT | os.O_EXCL, 0o666)
    return os.fdopen(fd, "wb")


def open_append(path: Path) -> BinaryIO:
    """Open an existing plain file to append to it; never through a link or a second name."""
    fd = os.open(path, _WRITE | os.O_APPEND, 0o666)
    if not is_plain_file(os.fstat(fd)):
        os.close(fd)
        raise StorageError(
            f"cannot resume {path}: it is not a plain file of its own (a link?); taskmon"
            " never writes through links"
        )
    return os.fdopen(fd, "ab")


def open_read(path: Path) -> BinaryIO:
    """Open `path` for reading, refusing a link (OSError ELOOP)."""
    return os.fdopen(os.open(path, _READ), "rb")


def write_new(path: Path, data: bytes) -> None:
    """Write `data` to a new file `path` (a temporary name), fsynced."""
    with open_new(path) as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
