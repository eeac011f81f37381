"""`taskmon add`: start tracking task IDs in the store (a running `taskmon run` picks them up).

Nothing is polled here: the tasks are only written to the store, in one
transaction, after every ID has been checked, so bad input adds nothing. Then
the process tracking the data dir, if any, is told to look at once (hand-over).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

from taskmon.cli import EXIT_OK, EXIT_USAGE
from taskmon.cli.task_args import add_task_ref_arguments, task_refs
from taskmon.domain import NewTask, TaskRef
from taskmon.providers import BadReference

STDIN_MARK = "-"
_SEPARATORS = re.compile(r"[\s,]+")


class UsageProblem(Exception):
    """Bad input; `str()` is the one line for stderr."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "add",
        help="start tracking task IDs in the store",
        description=(
            "Add tasks of one provider to the store; a running `taskmon run` picks them up. "
            "IDs already tracked are skipped with a note on stderr. An ID of '-' reads IDs "
            "from stdin (separated by newlines, commas or spaces). Nothing is added when any "
            "ID is unusable. Exit status: 0 done (duplicates included); 2 bad input or an "
            "unusable data dir (TASKMON_DATA_DIR overrides its location)."
        ),
    )
    add_task_ref_arguments(parser)
    parser.add_argument("--label", metavar="TEXT", help="a note shown beside each task")
    parser.add_argument("ids", nargs="+", metavar="ID", help="task IDs, or - to read stdin")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from taskmon.service import Command, db_path, ensure_data_dir, send_to_holder
    from taskmon.store import Store, StoreUnavailable

    try:
        refs = task_refs(args, read_ids(args.ids, sys.stdin))
    except (UsageProblem, BadReference) as exc:
        print(f"taskmon add: {exc}", file=sys.stderr)
        return EXIT_USAGE
    label = (args.label or "").strip() or None
    try:
        directory = ensure_data_dir()
        with Store.open(db_path(directory)) as store:
            result = store.add_tasks([NewTask(ref, label=label) for ref in refs])
    except StoreUnavailable as exc:
        print(f"taskmon add: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if result.added:
        # Best effort and bounded: without an answer the tracker's store poll finds them.
        send_to_holder(directory, Command.SYNC)
    by_key = {ref.key: ref for ref in refs}
    added = set(result.added)
    for key in result.duplicates:
        why = "given more than once, added once" if key in added else "already tracked, skipped"
        print(f"taskmon add: {why}: {describe_ref(by_key[key])}", file=sys.stderr)
    for key in result.added:
        print(f"added {describe_ref(by_key[key])}")
    return EXIT_OK


def read_ids(given: Sequence[str], stdin: TextIO) -> list[str]:
    """The IDs in command-line order, `-` replaced by those read from stdin (read once)."""
    ids: list[str] = []
    stdin_ids: list[str] | None = None
    for item in given:
        if item == STDIN_MARK:
            if stdin_ids is None:
                stdin_ids = list(_split(stdin.read()))
                if not stdin_ids:
                    raise UsageProblem("no task IDs on stdin (for '-')")
            ids.extend(stdin_ids)
        else:
            ids.append(item.strip())
    return ids


def _split(text: str) -> Iterator[str]:
    return (part for part in _SEPARATORS.split(text) if part)


def describe_ref(ref: TaskRef) -> str:
    """`<provider> <task ID>`, with the model and the out_task_id flag when they are part of it."""
    extras = [f"model {ref.model}"] if ref.model else []
    if ref.by_out_task_id:
        extras.append("out_task_id")
    suffix = f" ({', '.join(extras)})" if extras else ""
    return f"{ref.provider} {ref.task_id}{suffix}"
