"""`taskmon remove`: stop tracking tasks; `--purge` also deletes their cached results.

An ID matches every stored task with that task ID (whatever its provider or
model), or the one task whose store key it is (`taskmon list --json` shows
keys): see tracked_ids.py. `--purge` deletes only files inside the data dir's media cache: a
recorded path that points anywhere else is left alone and said so (the rules
live in taskmon/downloads/cache_purge.py, shared with the window).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from taskmon.cli import EXIT_OK, EXIT_TASK_FAILED, EXIT_USAGE
from taskmon.cli.add import describe_ref
from taskmon.cli.tracked_ids import match_tracked

if TYPE_CHECKING:
    from taskmon.domain import StoredTask
    from taskmon.downloads import PurgeReport
    from taskmon.store import Store


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
    from taskmon.service import cache_dir

    def remove(store: Store, matched: list[StoredTask]) -> None:
        store.remove(t.key for t in matched)

    found = match_tracked("remove", args.ids, sys.stdin, remove)
    if found is None:
        return EXIT_USAGE
    status = EXIT_OK
    for given in found.wanted:
        tasks = found.matched.get(given)
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
        report = purge(found.tasks(), found.remaining, cache_dir(found.directory))
        _print_purge(report)
        if not report.ok:
            status = EXIT_TASK_FAILED
    return status


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
