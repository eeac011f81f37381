"""`taskmon retry`: look again at tasks taskmon gave up on, and fetch failed results again.

Retriable is what taskmon itself ended (lost after "not found", or failed by
the give-up setting) and a succeeded task whose results are not all saved. An
ending the provider reported (failed, cancelled) is final. The request is
written to the store; the process tracking the data dir, if any, is told at
once over the hand-over socket (as `taskmon add` does), else the next `taskmon
run` or window acts on it when it starts.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from taskmon.cli import EXIT_OK, EXIT_TASK_FAILED, EXIT_USAGE
from taskmon.cli.add import describe_ref
from taskmon.cli.tracked_ids import match_tracked
from taskmon.domain import GAVE_UP, NOT_FOUND, State

if TYPE_CHECKING:
    from taskmon.domain import StoredTask
    from taskmon.store import Store


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "retry",
        help="look again at tasks taskmon gave up on (lost, given up, results not saved)",
        description=(
            "Look again at tasks taskmon itself gave up on: lost (the provider said it "
            "does not know them), stopped by the give-up setting, or succeeded with results "
            "not saved. An ending the provider reported (failed, cancelled) is final. IDs "
            "match as for `taskmon remove` (a task ID, every tracked task with it; or a store "
            "key); '-' reads IDs from stdin. A running `taskmon run` or window acts at once; "
            "otherwise the next one does when it starts. Exit status: 0 every ID was retried; "
            "1 some were not retriable or not tracked (the others are retried); 2 bad usage "
            "or an unusable store."
        ),
    )
    parser.add_argument("ids", nargs="+", metavar="ID", help="task IDs or keys, or - for stdin")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from taskmon.service import Command, send_to_holder

    def request_retry(store: Store, matched: list[StoredTask]) -> None:
        retriable = [t for t in matched if why_final(t) is None]
        if retriable:
            store.request_retry(t.key for t in retriable)

    found = match_tracked("retry", args.ids, sys.stdin, request_retry)
    if found is None:
        return EXIT_USAGE
    retrying = [t for t in found.tasks() if why_final(t) is None]
    status = EXIT_OK
    for given in found.wanted:
        tasks = found.matched.get(given)
        if tasks is None:
            print(f"taskmon retry: not tracked: {given}", file=sys.stderr)
            status = EXIT_TASK_FAILED
            continue
        for task in tasks:
            reason = why_final(task)
            if reason is None:
                print(f"retrying {describe_ref(task.ref)}")
            else:
                print(
                    f"taskmon retry: not retried: {describe_ref(task.ref)}: {reason}",
                    file=sys.stderr,
                )
                status = EXIT_TASK_FAILED
    if retrying:
        holder = send_to_holder(found.directory, Command.SYNC)
        if holder is not None:
            note = f"{holder.describe()} looks at it now"
        else:
            note = "no taskmon run or window is running: the next one looks again when it starts"
        print(f"taskmon retry: {note}", file=sys.stderr)
    return status


def why_final(task: StoredTask) -> str | None:
    """Why `task` cannot be retried, in words; None when it can."""
    error_code = task.error.code if task.error is not None else None
    if task.state is State.LOST and error_code == NOT_FOUND:
        return None
    if task.state is State.FAILED and error_code == GAVE_UP:
        return None
    if task.state is State.SUCCEEDED:
        saved = sum(1 for f in task.files if f.state == "complete")
        if saved < len(task.outputs):
            return None
        return "every result is already saved"
    if task.state.is_terminal:
        return f"the provider reported it {task.state.value}; that is final"
    return f"it is {task.state.value} and still tracked"
