"""The readable `watch` output: one line per task, redrawn in place on a terminal.

When stdout is not a terminal (a pipe, a log file) it prints a plain line per
change instead, so logs stay readable and free of escape codes.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from typing import TextIO

from taskmon.domain import State, TaskView

_ID_WIDTH = 34
_CLEAR_LINE = "\x1b[2K"


def _cursor_up(n: int) -> str:
    return f"\x1b[{n}F"


def describe(view: TaskView, now: datetime | None = None) -> str:
    """One human line for a task."""
    now = now or datetime.now(UTC)
    task_id = view.ref.task_id
    if len(task_id) > _ID_WIDTH:
        task_id = task_id[: _ID_WIDTH - 1] + "…"
    state = view.state.value if view.observed else "checking"
    progress = f"{view.progress:3.0f}%" if view.progress is not None else "    "
    details: list[str] = []
    if view.raw_status and view.observed and view.state.value != view.raw_status.lower():
        details.append(f"({view.raw_status})")
    if view.eta_at is not None and not view.state.is_terminal:
        seconds = max(0, round((view.eta_at - now).total_seconds()))
        details.append(f"eta {seconds} s")
    if view.error is not None:
        code = f"[{view.error.code}] " if view.error.code else ""
        details.append(f"{code}{view.error.message}")
    if view.state is State.SUCCEEDED:
        if view.downloads_pending:
            details.append("downloading…")
        elif view.files:
            details.append(", ".join(view.files))
        else:
            details.append(", ".join(o.url for o in view.outputs) or "no outputs")
    if view.problem:
        details.append(f"! {view.problem}")
    return (
        f"{view.ref.provider:<9} {task_id:<{_ID_WIDTH}} {state:<9} {progress} {' '.join(details)}"
    )


def _fit(line: str, width: int) -> str:
    line = line.rstrip()
    return line if len(line) <= width else line[: width - 1] + "…"


class LiveView:
    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._tty = out.isatty()
        self._lines: dict[str, str] = {}
        self._drawn = 0

    def update(self, view: TaskView) -> None:
        line = describe(view)
        if self._lines.get(view.key) == line:
            return
        self._lines[view.key] = line
        if self._tty:
            self._redraw()
        elif view.observed:
            self._out.write(line.rstrip() + "\n")
            self._out.flush()

    def _redraw(self) -> None:
        # A line wider than the terminal would wrap onto extra rows and break the
        # cursor arithmetic: clip each line to the width.
        width = max(20, shutil.get_terminal_size().columns - 1)
        parts = [_cursor_up(self._drawn)] if self._drawn else []
        parts.extend(f"{_CLEAR_LINE}{_fit(line, width)}\n" for line in self._lines.values())
        self._out.write("".join(parts))
        self._out.flush()
        self._drawn = len(self._lines)

    def close(self) -> None:
        self._out.flush()
