"""Deleting removed tasks' cached results, safely: shared by `taskmon remove` and the window.

Only files inside the data dir's media cache are deleted. A recorded path that
points anywhere else (or whose directory is a link out of the cache) is left
alone and reported; a symlink inside the cache is removed itself, never what it
points to; a file or URL a task still tracked refers to is kept.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Final

from taskmon.domain.records import StoredTask
from taskmon.downloads.part_files import read_part_meta

PART: Final = ".part"
META: Final = ".meta"


class PurgeAction(StrEnum):
    DELETED = "deleted"
    LEFT_OUTSIDE = "left_outside"  # the path lies outside the cache: not touched
    FAILED = "failed"  # could not be deleted (`reason` says why)


@dataclass(frozen=True, slots=True)
class PurgeNote:
    """What happened to one file, in the order it happened."""

    action: PurgeAction
    path: Path
    reason: str | None = None


@dataclass(slots=True)
class PurgeReport:
    """Every file a purge deleted, left alone or failed to delete."""

    cache: Path
    notes: list[PurgeNote] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """False when a file that should go could not be deleted."""
        return all(n.action is not PurgeAction.FAILED for n in self.notes)

    @property
    def deleted(self) -> list[Path]:
        return [n.path for n in self.notes if n.action is PurgeAction.DELETED]


def purge(
    removed: Iterable[StoredTask], remaining: Iterable[StoredTask], cache: Path
) -> PurgeReport:
    """Delete the removed tasks' cached files and leftovers (`.part`, `.part.meta`).

    A file or URL that a task still tracked refers to is kept (the cache never
    deletes what a tracked task uses). A task directory left empty goes too.
    Blocking file I/O: call it off the event loop.
    """
    report = PurgeReport(cache)
    removed, remaining = list(removed), list(remaining)
    if not removed:
        return report
    still_used_paths = {_norm(f.path) for t in remaining for f in t.files if f.path}
    still_used_urls = {u for t in remaining for u in _urls(t)}
    urls = {u for t in removed for u in _urls(t)} - still_used_urls
    candidates: dict[str, Path] = {}
    for task in removed:
        for f in task.files:
            if f.path and _norm(f.path) not in still_used_paths:
                for candidate in _with_leftovers(Path(f.path)):
                    candidates.setdefault(_norm(str(candidate)), candidate)
    for meta in _part_metas(cache):
        # A partial download the store has no path for yet: its sidecar names the URL.
        if _meta_url(meta) in urls:
            for candidate in (meta, meta.with_name(meta.name.removesuffix(META))):
                candidates.setdefault(_norm(str(candidate)), candidate)
    emptied: set[Path] = set()
    cache_real = Path(os.path.realpath(cache))
    for candidate in candidates.values():
        inside = _inside(candidate, cache_real)
        if inside is None:
            if candidate.exists():
                report.notes.append(PurgeNote(PurgeAction.LEFT_OUTSIDE, candidate))
            continue
        if inside.is_dir() and not inside.is_symlink():
            continue  # a record never names a directory; never delete one that way
        try:
            inside.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            reason = str(exc.strerror or exc)
            report.notes.append(PurgeNote(PurgeAction.FAILED, inside, reason))
            continue
        report.notes.append(PurgeNote(PurgeAction.DELETED, inside))
        emptied.add(inside.parent)
    _remove_empty_dirs(emptied, cache_real)
    return report


def _urls(task: StoredTask) -> Iterator[str]:
    yield from (o.url for o in task.outputs)
    yield from (f.url for f in task.files)


def _with_leftovers(path: Path) -> Iterator[Path]:
    """The file and what a download of it may leave: `.part` and `.part.meta`."""
    yield path
    if path.name.endswith(PART):
        yield path.with_name(path.name + META)
    else:
        yield path.with_name(path.name + PART)
        yield path.with_name(path.name + PART + META)


def _part_metas(cache: Path) -> Iterator[Path]:
    if not cache.is_dir():
        return
    for root, _dirs, names in os.walk(cache):  # never follows symlinked directories
        for name in names:
            if name.endswith(PART + META):
                yield Path(root) / name


def _meta_url(meta: Path) -> str | None:
    found = read_part_meta(meta)
    return None if found is None else found.url


def _inside(path: Path, cache_real: Path) -> Path | None:
    """`path` with its directory resolved, if that lies inside the cache; else None.

    Only the directory is resolved: a symlink inside the cache is deleted itself,
    never the file it points to.
    """
    if not path.is_absolute() or path.name in ("", ".", ".."):
        return None
    parent = Path(os.path.realpath(path.parent))
    if parent != cache_real and not parent.is_relative_to(cache_real):
        return None
    return parent / path.name


def _remove_empty_dirs(dirs: Iterable[Path], cache_real: Path) -> None:
    """rmdir each directory that held a deleted file, if now empty (never the cache itself).

    Parents (a provider's directory) stay: a running tracker may be creating a
    sibling in them at this very moment.
    """
    for directory in dirs:
        if directory != cache_real and directory.is_relative_to(cache_real):
            with contextlib.suppress(OSError):  # not empty, or already gone
                directory.rmdir()


def _norm(path: str) -> str:
    return os.path.normpath(path)
