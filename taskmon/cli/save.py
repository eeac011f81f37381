"""`taskmon save`: copy finished tasks' results into a folder, named by a pattern.

What the cache lacks is fetched into it first, while the links work, through
the downloader the engine uses; then each result is copied out (see
taskmon/service/results/result_saving.py). Scripts rely on the output: one absolute
path per copy written on stdout, one line per result not saved on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from taskmon.cli import EXIT_OK, EXIT_TASK_FAILED, EXIT_USAGE
from taskmon.cli.add import UsageProblem
from taskmon.cli.tracked_ids import wanted_ids
from taskmon.domain import StoredTask

if TYPE_CHECKING:
    from taskmon.service import SaveTarget

SAVE_FOLDER_NAME = "taskmon"  # inside the platform's downloads folder, by default
DEFAULT_PATTERN_TEXT = "{provider}_{task_id}_{index}.{ext}"  # downloads.DEFAULT_PATTERN
PATTERN_HELP = (
    "file names, with placeholders {provider} {task_id} {model} {kind} {label} {prompt} "
    "(its first 60 characters) {index} (from 1) {n} (number of results) {ext} {date} "
    "(YYYY-MM-DD) {time} (HHMMSS) of the task's end in UTC; a / makes subfolders; "
    f"default {DEFAULT_PATTERN_TEXT}"
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "save",
        help="copy finished tasks' results into a folder",
        description=(
            "Copy the results of the given tasks into DIR (default: the save folder set in the "
            "window's Settings -> Results, else the platform's downloads folder + taskmon), "
            "named by PATTERN, fetching into the media cache first what is "
            "not there yet while its links work (a dead link makes it ask the provider once, "
            "with the key taskmon uses, for fresh links). An ID is a task ID or a store key (as "
            "`remove` takes them); '-' reads IDs from stdin. Prints one absolute path per "
            "file written. A name already taken gets ' (2)', ' (3)'…; nothing is replaced. "
            "Exit status: 0 every result of every ID was saved; 1 some could not be (not "
            "finished, failed, link dead: one line each on stderr; the rest are saved); 2 bad "
            "usage, an unknown ID or an unusable DIR."
        ),
    )
    parser.add_argument("--to", type=Path, metavar="DIR", help="the folder to save into")
    parser.add_argument("--pattern", metavar="PATTERN", help=PATTERN_HELP)
    parser.add_argument(
        "--metadata",
        action="store_true",
        help="also write a JSON sidecar beside each file (<name>.json): provider, task_id, "
        "model, kind, label, prompt, request, created_at, finished_at, cost, source_url, "
        "sha256, taskmon_version",
    )
    parser.add_argument("ids", nargs="+", metavar="ID", help="task IDs or keys, or - for stdin")
    parser.set_defaults(handler=run)


def add_save_to_arguments(parser: argparse.ArgumentParser) -> None:
    """`--save-to DIR`, `--pattern PATTERN` and `--metadata`, for `taskmon run`."""
    parser.add_argument(
        "--save-to",
        type=Path,
        metavar="DIR",
        help="also copy every result into DIR as it lands in the cache (a copy that fails is "
        "said on stderr, and --until-done then exits 1)",
    )
    parser.add_argument("--pattern", metavar="PATTERN", help=f"with --save-to: {PATTERN_HELP}")
    parser.add_argument(
        "--metadata", action="store_true", help="with --save-to: also write the JSON sidecars"
    )


def save_target(args: argparse.Namespace) -> SaveTarget | None:
    """The parsed `--save-to` arguments, checked; ValueError says what is wrong."""
    from taskmon.downloads import DEFAULT_PATTERN, PatternError, SavePattern, StorageError
    from taskmon.downloads import usable_folder as prepare_folder
    from taskmon.service import SaveTarget

    if args.save_to is None:
        if args.pattern is not None or args.metadata:
            raise ValueError("--pattern and --metadata need --save-to DIR")
        return None
    try:
        pattern = SavePattern.parse(DEFAULT_PATTERN if args.pattern is None else args.pattern)
        folder = prepare_folder(args.save_to)
    except (PatternError, StorageError) as exc:
        raise ValueError(str(exc)) from None
    return SaveTarget(folder, pattern, metadata=args.metadata)


def default_save_folder(directory: Path) -> Path:
    """The save folder set in the window's settings, else the downloads folder + `taskmon`."""
    from platformdirs import user_downloads_dir

    from taskmon.service import read_save_folder

    chosen = read_save_folder(directory)
    return chosen if chosen is not None else Path(user_downloads_dir()) / SAVE_FOLDER_NAME


def run(args: argparse.Namespace) -> int:
    import asyncio

    from taskmon.downloads import DEFAULT_PATTERN, PatternError, SavePattern, StorageError
    from taskmon.downloads import usable_folder as prepare_folder
    from taskmon.service import SaveTarget, data_dir, db_path, save_stored_results
    from taskmon.store import Store, StoreUnavailable

    def usage(message: str) -> int:
        print(f"taskmon save: {message}", file=sys.stderr)
        return EXIT_USAGE

    try:
        wanted = wanted_ids(args.ids, sys.stdin)
        pattern = SavePattern.parse(DEFAULT_PATTERN if args.pattern is None else args.pattern)
    except (UsageProblem, PatternError) as exc:
        return usage(str(exc))
    directory = data_dir()
    path = db_path(directory)
    stored: list[StoredTask] = []
    if path.exists():  # without a store nothing is tracked: do not create one
        try:
            with Store.open(path) as store:
                stored = store.tasks()
        except StoreUnavailable as exc:
            return usage(str(exc))
    tasks, unknown = match_ids(stored, wanted)
    if unknown:
        for given in unknown:
            print(f"taskmon save: not tracked: {given}", file=sys.stderr)
        return EXIT_USAGE
    try:
        folder = prepare_folder(args.to if args.to is not None else default_save_folder(directory))
    except StorageError as exc:
        return usage(str(exc))

    def saved(copy: Path) -> None:
        print(copy, flush=True)

    def problem(message: str) -> None:
        print(f"taskmon save: {message}", file=sys.stderr, flush=True)

    from taskmon.keys import KeyStore

    target = SaveTarget(folder, pattern, metadata=args.metadata)
    report = asyncio.run(
        save_stored_results(
            directory, tasks, target, on_saved=saved, on_problem=problem, keys=KeyStore()
        )
    )
    return EXIT_TASK_FAILED if report.problems else EXIT_OK


def match_ids(tasks: list[StoredTask], wanted: list[str]) -> tuple[list[StoredTask], list[str]]:
    """The tasks the IDs name (each once, in the order given) and the IDs naming none.

    An ID names every task with that task ID (any provider or model) or the task
    whose store key it is, as for `taskmon remove`.
    """
    named: dict[str, list[StoredTask]] = {}
    for task in tasks:
        named.setdefault(task.ref.task_id, []).append(task)
        if task.key != task.ref.task_id:
            named.setdefault(task.key, []).append(task)
    chosen: dict[str, StoredTask] = {}
    unknown: list[str] = []
    for given in wanted:
        if given not in named:
            unknown.append(given)
        for task in named.get(given, ()):
            chosen.setdefault(task.key, task)
    return list(chosen.values()), unknown
