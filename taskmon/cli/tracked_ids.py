"""IDs that name tracked tasks, for the commands that act on them (`remove`, `retry`, `save`).

An ID matches every stored task with that task ID (whatever its provider or
model), or the one task whose store key it is (`taskmon list --json` shows keys).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from taskmon.cli.add import UsageProblem, read_ids
from taskmon.domain import StoredTask

if TYPE_CHECKING:
    from taskmon.store import Store


def wanted_ids(given: Sequence[str], stdin: TextIO) -> list[str]:
    """The distinct IDs a command that matches tracked tasks was given (`-`: stdin);
    UsageProblem when there are none."""
    wanted = list(dict.fromkeys(i for i in read_ids(given, stdin) if i))
    if not wanted:
        raise UsageProblem("no task IDs given")
    return wanted


@dataclass(frozen=True)
class TrackedMatch:
    """What a command's IDs named in the data dir's store."""

    directory: Path  # the data dir
    wanted: list[str]  # the distinct IDs given, in order
    matched: dict[str, list[StoredTask]]  # tasks per given ID; a missing ID is not tracked
    remaining: list[StoredTask]  # the tracked tasks no ID named

    def tasks(self) -> list[StoredTask]:
        """Every matched task, once, in the order of the IDs."""
        return [t for tasks in self.matched.values() for t in tasks]


def match_tracked(
    command: str,
    given: Sequence[str],
    stdin: TextIO,
    act: Callable[[Store, list[StoredTask]], object],
) -> TrackedMatch | None:
    """Read the IDs, match them against the store and call `act(store, matched tasks)`
    while it is open; None when the IDs or the store are unusable, said on stderr.

    Without a store nothing is tracked: none is created, and `act` is not called.
    """
    from taskmon.service import data_dir, db_path
    from taskmon.store import Store, StoreUnavailable

    try:
        wanted = wanted_ids(given, stdin)
    except UsageProblem as exc:
        print(f"taskmon {command}: {exc}", file=sys.stderr)
        return None
    directory = data_dir()
    path = db_path(directory)
    found = TrackedMatch(directory, wanted, {}, [])
    if path.exists():
        try:
            with Store.open(path) as store:
                matched, remaining = match_ids(store.tasks(), wanted)
                found = TrackedMatch(directory, wanted, matched, remaining)
                act(store, found.tasks())
        except StoreUnavailable as exc:
            print(f"taskmon {command}: {exc}", file=sys.stderr)
            return None
    return found


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
