"""`taskmon remove`: stop tracking tasks; `--purge` also deletes their cached results.

An ID matches every stored task with that task ID (whatever its provider or
model), or the one task whose store key it is (`taskmon list --json` shows
keys). `--purge` deletes only files inside the data dir's media cache: a
recorded path that points anywhere else is left alone and said so.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Final

from taskmon.cli import EXIT_OK, EXIT_TASK_FAILED, EXIT_USAGE
from taskmon.cli.add import UsageProblem, describe_ref, read_ids
from taskmon.engine.data_dir import cache_dir, data_dir, db_path
from taskmon.engine.part_files import PartMeta
from taskmon.engine.store import Store
from taskmon.engine.store_errors import StoreUnavailable
from taskmon.engine.store_records import StoredTask

PART: Final = ".part"
META: Final = ".meta"
_MAX_META_BYTES: Final = 16 * 1024


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "remove",
        help="stop tracking tasks (--purge also deletes their cached results)",
        description=(
            "Stop tracking the given tasks. An ID matches every tracked task with that task "
            "ID, whatever its provider or model (all of them are removed and listed), or the "
            "task whose store key it is (see `taskmon list --json`). An ID of '-' reads IDs "
            "from stdin. Cached results stay on disk unless --purge. Exit status: 0 every ID "
            "matched and was removed; 1 some IDs were not tracked (the others are removed) or "
            "a cached file could not be deleted; 2 bad usage or an unusable store."
        ),
    )
    parser.add_argument(
        "--purge",
        action="store_true",
        help="also delete the tasks' cached results and partial downloads "
        "(only files inside the data dir's cache)",
    )
    parser.add_argument("ids", nargs="+", metavar="ID", help="task IDs or keys, or - for stdin")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        wanted = list(dict.fromkeys(i for i in read_ids(args.ids, sys.stdin) if i))
    except UsageProblem as exc:
        print(f"taskmon remove: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not wanted:
        print("taskmon remove: no task IDs given", file=sys.stderr)
        return EXIT_USAGE
    directory = data_dir()
    path = db_path(directory)
    matched: dict[str, list[StoredTask]] = {}
    remaining: list[StoredTask] = []
    if path.exists():  # without a store nothing is tracked: do not create one
        try:
            with Store.open(path) as store:
                matched, remaining = _match(store.tasks(), wanted)
                removing = [t for tasks in matched.values() for t in tasks]
                store.remove(t.key for t in removing)
        except StoreUnavailable as exc:
            print(f"taskmon remove: {exc}", file=sys.stderr)
            return EXIT_USAGE
    status = EXIT_OK
    for given in wanted:
        tasks = matched.get(given)
        if tasks is None:
            print(f"taskmon remove: not tracked: {given}", file=sys.stderr)
            status = EXIT_TASK_FAILED
        else:
            if len(tasks) > 1:
                note = f"{given} matched {len(tasks)} tracked tasks; removed all of them"
                print(f"taskmon remove: {note}", file=sys.stderr)
            for task in tasks:
                print(f"removed {describe_ref(task.ref)}")
    if args.purge:
        removed = [t for tasks in matched.values() for t in tasks]
        if not purge(removed, remaining, cache_dir(directory)):
            status = EXIT_TASK_FAILED
    return status


def _match(
    tasks: list[StoredTask], wanted: list[str]
) -> tuple[dict[str, list[StoredTask]], list[StoredTask]]:
    """The tasks each given ID names (a task named twice goes under the first), and the rest.

    An ID that names only tasks an earlier ID already took maps to an empty list:
    it was tracked, so it is not reported as unknown.
    """
    named: dict[str, list[StoredTask]] = {}
    for task in tasks:
        named.setdefault(task.ref.task_id, []).append(task)
        if task.key != task.ref.task_id:
            named.setdefault(task.key, []).append(task)
    taken: set[str] = set()
    matched: dict[str, list[StoredTask]] = {}
    for given in wanted:
        if given in named:
            matched[given] = [t for t in named[given] if t.key not in taken]
            taken.update(t.key for t in matched[given])
    return matched, [t for t in tasks if t.key not in taken]


# -- purge ------------------------------------------------------------------------


def purge(removed: list[StoredTask], remaining: list[StoredTask], cache: Path) -> bool:
    """Delete the removed tasks' cached files; False when one could not be deleted.

    A file or URL that a task still tracked refers to is kept (the cache never
    deletes what a tracked task uses). A task directory left empty goes too.
    """
    if not removed:
        return True
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
    ok = True
    emptied: set[Path] = set()
    cache_real = Path(os.path.realpath(cache))
    for candidate in candidates.values():
        inside = _inside(candidate, cache_real)
        if inside is None:
            if candidate.exists():
                print(
                    f"taskmon remove: left {candidate} alone: it is outside the cache {cache}",
                    file=sys.stderr,
                )
            continue
        if inside.is_dir() and not inside.is_symlink():
            continue  # a record never names a directory; never delete one that way
        try:
            inside.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            print(f"taskmon remove: cannot delete {inside}: {exc.strerror or exc}", file=sys.stderr)
            ok = False
            continue
        print(f"deleted {inside}")
        emptied.add(inside.parent)
    _remove_empty_dirs(emptied, cache_real)
    return ok


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
    try:
        with meta.open("rb") as f:
            return PartMeta.model_validate_json(f.read(_MAX_META_BYTES)).url
    except (OSError, ValueError):
        return None


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
