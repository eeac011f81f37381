"""`taskmon list`: the tracked tasks in the store, as a table or as one JSON array.

Listing only reads: a data dir without a database lists nothing and creates nothing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from taskmon.cli import EXIT_OK, EXIT_USAGE
from taskmon.cli.result_state import links_expire_at, results_problem, results_saved
from taskmon.cli.task_args import provider_names
from taskmon.domain import FileState, State, StoredTask
from taskmon.providers import provider_catalog

_DEFAULT_WIDTH: Final = 120  # when stdout is not a terminal (COLUMNS still wins)
_ID_MAX: Final = 48
_ID_MIN: Final = 20
_LABEL_MAX: Final = 32
_LABEL_MIN: Final = 8
_NOTE_MIN: Final = 16
_GAP: Final = "  "
EMPTY_HINT: Final = "No tasks tracked yet. Add some with: taskmon add --provider NAME ID..."


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "list",
        help="show the tracked tasks",
        description=(
            "Show the tasks in the store, oldest first. --json prints one JSON array: each "
            "object has the `watch --json` keys (provider, task_id, state, progress, outputs, "
            "error) plus files (complete cached results, absolute paths, in output order), "
            "added_at and finished_at (ISO 8601 UTC; finished_at null until the task ends), "
            "label, model, key, saved (every result complete in the cache; null before the "
            "task succeeded), expires_at (when the result links stop working, known or "
            "estimated; null when unknown or saved) and problem (why the results are not "
            "saved, or the last passing problem; null when none). Exit status: 0; 2 bad usage "
            "or an unusable store."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print one JSON array")
    parser.add_argument(
        "--state",
        choices=[s.value for s in State],
        metavar="S",
        help="only tasks in this state: " + "|".join(s.value for s in State),
    )
    parser.add_argument(
        "--provider",
        type=str.lower,
        choices=provider_names(),
        metavar="P",
        help="only this provider's tasks: " + ", ".join(provider_names()),
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from taskmon.service import data_dir, db_path
    from taskmon.store import Store, StoreUnavailable

    state = None if args.state is None else State(args.state)
    filtered = state is not None or args.provider is not None
    path = db_path(data_dir())
    tasks: list[StoredTask] = []
    total = 0
    if path.exists():  # never create a store just to say it is empty
        try:
            with Store.open(path) as store:
                tasks = store.tasks(state=state, provider=args.provider)
                total = len(store.tasks()) if filtered and not tasks else len(tasks)
        except StoreUnavailable as exc:
            print(f"taskmon list: {exc}", file=sys.stderr)
            return EXIT_USAGE
    if args.json:
        ttls = {name: info.result_url_ttl_s for name, info in provider_catalog().items()}
        entries = [list_entry(t, ttls) for t in tasks]
        sys.stdout.write(json.dumps(entries, ensure_ascii=False) + "\n")
    elif tasks:
        width = shutil.get_terminal_size((_DEFAULT_WIDTH, 24)).columns
        sys.stdout.write(render_table(tasks, datetime.now(UTC), width))
    elif total:
        print(f"No tracked task matches ({total} tracked; `taskmon list` shows them all).")
    else:
        print(EMPTY_HINT)
    return EXIT_OK


# -- JSON -------------------------------------------------------------------------


def list_entry(task: StoredTask, ttls: Mapping[str, float | None] | None = None) -> dict[str, Any]:
    """The `--json` object for one task (the documented contract)."""
    error = task.error
    ttl_s = ttls.get(task.ref.provider) if ttls is not None else None
    expires_at = links_expire_at(task, ttl_s, finished_at(task))
    return {
        "provider": task.ref.provider,
        "task_id": task.ref.task_id,
        "state": task.state.value,
        "progress": task.progress,
        "outputs": [{"url": o.url, "kind": o.kind.value} for o in task.outputs],
        "error": None if error is None else {"code": error.code, "message": error.message},
        "files": complete_files(task),
        "added_at": iso_utc(task.added_at),
        "finished_at": iso_utc(finished_at(task)),
        "label": task.label,
        "model": task.model,
        "key": task.key,
        "saved": results_saved(task),
        "expires_at": iso_utc(expires_at),
        "problem": results_problem(task, datetime.now(UTC), expires_at),
    }


def complete_files(task: StoredTask) -> list[str]:
    """Absolute paths of the task's complete cached results, in output order."""
    return [f.path for f in task.files if f.state is FileState.COMPLETE and f.path]


def finished_at(task: StoredTask) -> datetime | None:
    """When the task ended; None while it has not."""
    if not task.state.is_terminal:
        return None
    return task.finished_at or task.updated_at or task.added_at


def iso_utc(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- table ------------------------------------------------------------------------


def render_table(tasks: Sequence[StoredTask], now: datetime, width: int) -> str:
    """An aligned table that fits `width` columns where it can, then a one-line summary.

    Long cells end in an ellipsis; the label, the note and the task ID shrink (in
    that order, down to a readable minimum) when the rows would not fit.
    """
    header = ("PROVIDER", "TASK ID", "STATE", "PROG", "WHEN", "FILES", "LABEL", "NOTE")
    rows = [_row(task, now) for task in tasks]
    columns = list(zip(header, *rows, strict=True))
    keep = [i for i, col in enumerate(columns) if i < 6 or any(col[1:])]  # drop empty extras
    widths = {i: max(len(cell) for cell in columns[i]) for i in keep}
    widths[1] = min(widths[1], _ID_MAX)
    if 6 in widths:
        widths[6] = min(widths[6], _LABEL_MAX)
    # Too wide: the label gives way first, then the note, then the task ID.
    excess = sum(widths.values()) + len(_GAP) * (len(keep) - 1) - width
    for i, least in ((6, _LABEL_MIN), (7, _NOTE_MIN), (1, _ID_MIN)):
        if excess > 0 and i in widths:
            cut = min(excess, max(0, widths[i] - least))
            widths[i] -= cut
            excess -= cut
    lines = []
    for cells in [header, *rows]:
        parts = [_fit(cells[i], widths[i]) for i in keep]
        parts[3] = parts[3].strip().rjust(widths[3])  # progress: right-aligned numbers
        lines.append(_GAP.join(parts).rstrip())
    lines.append(_summary(tasks))
    return "\n".join(lines) + "\n"


def _row(task: StoredTask, now: datetime) -> tuple[str, ...]:
    ended = finished_at(task)
    when = f"ended {_ago(now, ended)}" if ended else f"added {_ago(now, task.added_at)}"
    progress = "" if task.progress is None else f"{task.progress:.0f}%"
    files = ""
    if task.outputs or task.files:
        files = f"{len(complete_files(task))}/{max(len(task.outputs), len(task.files))}"
    return (
        task.ref.provider,
        task.ref.task_id,
        task.state.value,
        progress,
        when,
        files,
        task.label or "",
        _note(task),
    )


def _note(task: StoredTask) -> str:
    """The error, else the last problem, else a failed download, else a hint."""
    if task.error is not None:
        code = f"[{task.error.code}] " if task.error.code else ""
        return _one_line(f"{code}{task.error.message}")
    if task.problem:
        return _one_line(task.problem)
    for f in task.files:
        if f.state is FileState.FAILED:
            return _one_line(f"result {f.index + 1}: {f.error or 'download failed'}")
    if not task.observed:
        return "not checked yet"
    return ""


def _summary(tasks: Sequence[StoredTask]) -> str:
    counts = Counter(t.state for t in tasks)
    parts = [f"{counts[s]} {s.value}" for s in State if counts[s]]
    noun = "task" if len(tasks) == 1 else "tasks"
    return f"{len(tasks)} {noun}: {', '.join(parts)}"


def _ago(now: datetime, then: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fit(text: str, width: int) -> str:
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.ljust(width)
