"""The human `watch` view: plain lines when piped, one redrawn line per task on a terminal.

A terminal is stood in for by a small screen model (rows of a fixed width, with
the wrap, cursor-up and clear-line behaviour of xterm-like terminals), so the
tests check what a user would see rather than which escape codes were written.
"""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import UTC, datetime

import pytest

from taskmon.cli.live_view import LiveView, describe
from taskmon.domain.snapshot import MediaKind, Output, Snapshot, State, TaskError
from taskmon.domain.task import TaskRef, TaskView
from taskmon.providers import PROVIDERS
from taskmon.tracking.task import TrackedTask

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
WIDTH = 80
_CONTROL = re.compile(r"\x1b\[(\d*)([A-Za-z])|\n|\r")


def view(
    task_id: str,
    state: State | None = State.RUNNING,
    *,
    progress: float | None = None,
    raw_status: str | None = None,
    outputs: tuple[Output, ...] = (),
    error: TaskError | None = None,
    files: tuple[str, ...] = (),
    downloading: bool = False,
    observed: bool = True,
) -> TaskView:
    task = TrackedTask(
        ref=TaskRef("xenodia", task_id),
        provider=PROVIDERS["xenodia"],
        first_seen_mono=0.0,
        first_seen_at=NOW,
    )
    if observed:
        snapshot = Snapshot(
            state=state, raw_status=raw_status, progress=progress, outputs=outputs, error=error
        )
        task.apply(snapshot, 1.0, NOW)
    return dataclasses.replace(task.view(1.0, NOW), files=files, downloads_pending=downloading)


class Pipe(io.StringIO):
    def isatty(self) -> bool:
        return False


class Screen(io.StringIO):
    """A terminal WIDTH columns wide: what is written is drawn, wrapping like xterm."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = [[]]
        self.row = 0
        self.col = 0

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        position = 0
        for match in _CONTROL.finditer(text):
            self._print(text[position : match.start()])
            self._control(match)
            position = match.end()
        self._print(text[position:])
        return len(text)

    def _line(self) -> list[str]:
        while len(self.rows) <= self.row:
            self.rows.append([])
        return self.rows[self.row]

    def _print(self, chars: str) -> None:
        for char in chars:
            if self.col == WIDTH:  # the pending wrap of the last column
                self.row, self.col = self.row + 1, 0
            line = self._line()
            line.extend(" " * (self.col - len(line)))
            if self.col < len(line):
                line[self.col] = char
            else:
                line.append(char)
            self.col += 1

    def _control(self, match: re.Match[str]) -> None:
        code = match.group(0)
        if code == "\n":
            self.row, self.col = self.row + 1, 0
        elif code == "\r":
            self.col = 0
        elif match.group(2) == "F":  # cursor to the start of a previous line
            self.row, self.col = max(0, self.row - int(match.group(1) or 1)), 0
        elif match.group(2) == "K" and match.group(1) == "2":
            self._line().clear()
        else:
            raise AssertionError(f"unexpected control sequence {code!r}")

    def text(self) -> list[str]:
        """The visible rows, trailing blanks removed."""
        rows = ["".join(r).rstrip() for r in self.rows]
        while rows and not rows[-1]:
            rows.pop()
        return rows


# -- piped: plain lines ---------------------------------------------------------------


def test_piped_prints_a_plain_line_per_change_and_nothing_else() -> None:
    out = Pipe()
    live = LiveView(out)

    live.update(view("task_a", observed=False))  # not yet seen: nothing to say
    live.update(view("task_a", State.QUEUED, progress=0))
    live.update(view("task_a", State.QUEUED, progress=0))  # unchanged
    live.update(view("task_b", State.RUNNING, progress=40))
    live.update(view("task_a", State.SUCCEEDED, progress=100, files=("/r/a.png",)))
    live.close()

    lines = out.getvalue().splitlines()
    assert "\x1b" not in out.getvalue()
    assert [line.split()[1:3] for line in lines] == [
        ["task_a", "queued"],
        ["task_b", "running"],
        ["task_a", "succeeded"],
    ]
    assert lines[-1].endswith("/r/a.png")
    assert all(line == line.rstrip() for line in lines)


# -- on a terminal: one line per task, redrawn in place --------------------------------


def test_terminal_shows_one_row_per_task_with_its_latest_line() -> None:
    screen = Screen()
    live = LiveView(screen)
    updates = [
        view("task_a", State.QUEUED, progress=0),
        view("task_b", State.QUEUED, progress=0),
        view("task_a", State.RUNNING, progress=30),
        view("task_c", State.RUNNING, progress=5),
        view("task_b", State.FAILED, error=TaskError("nope", "E1")),
        view("task_a", State.SUCCEEDED, progress=100),
    ]

    for update in updates:
        live.update(update)
    live.close()

    latest = {u.ref.task_id: describe(u, NOW).rstrip() for u in updates}
    assert screen.text() == [latest["task_a"], latest["task_b"], latest["task_c"]]
    assert (screen.row, screen.col) == (3, 0)  # below the block, ready for what follows


def test_terminal_writes_nothing_when_no_line_changed() -> None:
    screen = Screen()
    live = LiveView(screen)
    live.update(view("task_a", State.RUNNING, progress=30))
    before = screen.getvalue(), screen.text()

    live.update(view("task_a", State.RUNNING, progress=30))

    assert (screen.getvalue(), screen.text()) == before


def test_terminal_redraw_stays_in_place_when_a_line_is_wider_than_the_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    monkeypatch.setenv("LINES", "24")
    screen = Screen()
    live = LiveView(screen)
    urls = tuple(
        Output(
            f"https://cdn.example.com/results/2026/01/02/{n}/a-long-file-name.png", MediaKind.IMAGE
        )
        for n in range(2)
    )

    live.update(view("task_a", State.RUNNING, progress=50))
    live.update(view("task_b", State.RUNNING, progress=10))
    live.update(view("task_a", State.SUCCEEDED, progress=100, outputs=urls))  # > 80 columns
    live.update(view("task_b", State.RUNNING, progress=60))
    live.update(view("task_b", State.SUCCEEDED, progress=100))
    live.close()

    rows = screen.text()
    assert len(describe(view("task_a", State.SUCCEEDED, outputs=urls), NOW)) > WIDTH
    assert [sum(row.split()[1:2] == [t] for row in rows) for t in ("task_a", "task_b")] == [1, 1]
    assert not any("running" in row for row in rows)  # no stale line left behind


# -- the line itself --------------------------------------------------------------------


def test_line_names_provider_id_state_progress_and_what_matters_now() -> None:
    failed = describe(
        view("task_f", State.FAILED, raw_status="fail", error=TaskError("nope", "E1"))
    )
    downloading = describe(view("task_d", State.SUCCEEDED, progress=100, downloading=True))
    long_id = describe(view("task_" + "x" * 60, State.QUEUED))

    assert failed.split()[:3] == ["xenodia", "task_f", "failed"]
    assert failed.endswith("(fail) [E1] nope")
    assert "100%" in downloading and downloading.endswith("downloading…")
    assert long_id.split()[1] == "task_" + "x" * 28 + "…"  # 34 columns, marked as cut
