"""`taskmon remove`: stop tracking tasks; `--purge` also deletes their cached results.

An ID matches every stored task with that task ID (whatever its provider or
model), or the one task whose store key it is (`taskmon list --json` shows
keys). `--purge` deletes only files inside the data dir's media cache: a
recorded path that points anywhere else is left alone and said so (the rules
live in taskmon/downloads/cache_purge.py, shared with the window).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from taskmon.cli import EXIT_OK, EXIT_TASK_FAILED, EXIT_USAGE
from taskmon.cli.add import UsageProblem, describe_ref, wanted_ids
from taskmon.domain import StoredTask

if TYPE_CHECKING:
    from taskmon.downloads import PurgeReport


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
    from taskmon.downloads import purge
    from taskmon.service import cache_dir, data_dir, db_path
    from taskmon.store import Store, StoreUnavailable

    try:
        wanted = wanted_ids(args.ids, sys.stdin)
    except UsageProblem as exc:
        print(f"taskmon remove: {exc}", file=sys.stderr)
        return EXIT_USAGE
    directory = data_dir()
    path = db_path(directory)
    matched: dict[str, list[StoredTask]] = {}
    remaining: list[StoredTask] = []
    if path.exists():  # without a store nothing is tracked: do not create one
        try:
            with Store.open(path) as store:
                matched, remaining = match_ids(store.tasks(), wanted)
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
        report = purge(removed, remaining, cache_dir(directory))
        _print_purge(report)
        if not report.ok:
            status = EXIT_TASK_FAILED
    return status


def match_ids(
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


def _print_purge(report: PurgeReport) -> None:
    from taskmon.downloads import PurgeAction

    for note in report.notes:
        if note.action is PurgeAction.DELETED:
            print(f"deleted {note.path}")
        elif note.action is PurgeAction.LEFT_OUTSIDE:
            print(
                f"taskmon remove: left {note.path} alone: it is outside the cache {report.cache}",
                file=sys.stderr,
            )
        else:
            print(f"taskmon remove: cannot delete {note.path}: {note.reason}", file=sys.stderr)
