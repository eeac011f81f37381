"""The task table's columns: their headers, and what each cell says for each role.

Pure reading of a `TaskView` (no model state), shared by the task model and
the filtered model the view shows, so both answer a cell the same way.
Each cell answers twice: words for `DisplayRole`, the raw value under
`SORT_ROLE` for sorting, and the whole `TaskView` under `VIEW_ROLE`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import datetime
from enum import IntEnum
from typing import Any, Final

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon

from taskmon.domain import TaskView
from taskmon.ui.table import cell_text, keep_cells

VIEW_ROLE: Final = Qt.ItemDataRole.UserRole + 1
SORT_ROLE: Final = Qt.ItemDataRole.UserRole + 2
PROGRESS_ROLE: Final = Qt.ItemDataRole.UserRole + 3

IconLookup = Callable[[str], QIcon]


class Column(IntEnum):
    PROVIDER = 0
    TASK_ID = 1
    LABEL = 2
    MODEL = 3
    KIND = 4
    STATE = 5
    PROGRESS = 6
    QUEUED = 7
    RUNNING = 8
    ETA = 9
    COST = 10
    RESULTS = 11
    EXPIRES = 12
    PROBLEM = 13
    PROMPT = 14  # hidden unless the user shows it (header menu)
    THUMBNAIL = 15  # drawn by ui.media's delegate; shown first


HEADERS: Final = {
    Column.PROVIDER: "Provider",
    Column.TASK_ID: "Task ID",
    Column.LABEL: "Label",
    Column.MODEL: "Model",
    Column.KIND: "Kind",
    Column.STATE: "State",
    Column.PROGRESS: "Progress",
    Column.QUEUED: "Queued",
    Column.RUNNING: "Running",
    Column.ETA: "ETA",
    Column.COST: "Cost",
    Column.RESULTS: "Results",
    Column.EXPIRES: "Links expire",
    Column.PROBLEM: "Last error",
    Column.PROMPT: "Prompt",
    Column.THUMBNAIL: "",  # a picture column, untitled as in a file manager ("Preview" in menus)
}
HEADER_TIPS: Final = {
    Column.QUEUED: "Time spent waiting in the provider's queue",
    Column.RUNNING: "Time spent generating",
    Column.ETA: "Expected time to finish (from the provider, its progress, or past tasks)",
    Column.EXPIRES: "When the provider's result links stop working",
    Column.PROGRESS: "Solid: reported by the provider. Striped: estimated from elapsed time.",
    Column.PROMPT: "The prompt, as the provider echoed it",
    Column.THUMBNAIL: "The first result file; a number when there are more",
}

COLUMNS: Final = tuple(Column)
COLUMN_COUNT: Final = len(COLUMNS)
DISPLAY: Final = int(Qt.ItemDataRole.DisplayRole)
# The columns whose words or bars move with the clock alone (repainted each tick).
CLOCK_COLUMNS: Final = (Column.PROGRESS, Column.QUEUED, Column.RUNNING, Column.ETA, Column.EXPIRES)

# The roles a cell answers; a paint asks for a dozen, the others are None at once.
ROLES: Final = frozenset(
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
        SORT_ROLE,
        VIEW_ROLE,
        PROGRESS_ROLE,
        *keep_cells.ROLES,
    )
)
TOOLTIP_LINE_CHARS: Final = 90
_DECORATION: Final = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP: Final = int(Qt.ItemDataRole.ToolTipRole)
_ALIGNMENT: Final = int(Qt.ItemDataRole.TextAlignmentRole)
_RIGHT: Final = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_RIGHT_ALIGNED: Final = frozenset(
    {Column.QUEUED, Column.RUNNING, Column.ETA, Column.COST, Column.RESULTS}
)
_STATE_ORDER: Final = {
    "running": 0,
    "queued": 1,
    "succeeded": 2,
    "failed": 3,
    "cancelled": 4,
    "lost": 5,
}


def header(section: int, role: int) -> Any:
    """A horizontal header's words or tip."""
    if not 0 <= section < COLUMN_COUNT:
        return None
    column = COLUMNS[section]
    if role == Qt.ItemDataRole.DisplayRole:
        return HEADERS[column]
    if role == Qt.ItemDataRole.ToolTipRole:
        return HEADER_TIPS.get(column)
    return None


def cell(
    view: TaskView,
    texts: list[str | None],
    section: int,
    role: int,
    now: datetime,
    provider_icon: IconLookup | None,
    state_icon: IconLookup | None,
) -> Any:
    """What cell `section` of a row says for `role`; None for nothing.

    `texts` are the row's words made once per view (`static_texts`).
    """
    return cells(view, texts, section, [role], now, provider_icon, state_icon)[0]


_KEEP_COLUMNS: Final = {
    Column.STATE: keep_cells.STATE_COLUMN,
    Column.EXPIRES: keep_cells.EXPIRES_COLUMN,
}


def cells(
    view: TaskView,
    texts: list[str | None],
    section: int,
    roles: list[int],
    now: datetime,
    provider_icon: IconLookup | None,
    state_icon: IconLookup | None,
) -> list[Any]:
    """`cell()` for each of `roles` of one cell: what a paint asks (seven roles a cell, a
    few hundred cells) in one call, the roles every paint asks for first."""
    column = COLUMNS[section]
    keep_name = _KEEP_COLUMNS.get(column)
    values: list[Any] = []
    for role in roles:
        if role == DISPLAY:
            text = texts[section]
            values.append(text if text is not None else cell_words(view, column, now))
        elif role == _ALIGNMENT:
            values.append(_RIGHT if column in _RIGHT_ALIGNED else None)
        elif role in keep_cells.ROLES:  # results not saved, links expiring: warning colours
            colour = None if keep_name is None else keep_cells.colour(view, keep_name, role, now)
            values.append(colour)
        elif role in ROLES:
            values.append(_rarer_role(view, column, role, now, provider_icon, state_icon))
        else:
            values.append(None)
    return values


def _rarer_role(
    view: TaskView,
    column: Column,
    role: int,
    now: datetime,
    provider_icon: IconLookup | None,
    state_icon: IconLookup | None,
) -> Any:
    if role == VIEW_ROLE:
        return view
    if role == PROGRESS_ROLE:
        return cell_text.progress(view, now) if column is Column.PROGRESS else None
    if role == _DECORATION:
        if column is Column.PROVIDER and provider_icon is not None:
            return provider_icon(view.ref.provider)
        if column is Column.STATE and state_icon is not None:
            return state_icon(keep_cells.icon_state(view))
        return None
    if role == _TOOLTIP:
        return tooltip(view, column, now)
    if role == SORT_ROLE:
        return sort_value(view, column, now)
    return None


def cell_words(view: TaskView, column: Column, now: datetime) -> str:
    """What one cell says at `now`."""
    match column:
        case Column.PROVIDER:
            return cell_text.provider_name(view.ref.provider)
        case Column.TASK_ID:
            return view.ref.task_id
        case Column.LABEL:
            return view.label or ""
        case Column.MODEL:
            return view.model or ""
        case Column.KIND:
            return view.media_kind.value if view.media_kind else ""
        case Column.STATE:
            return cell_text.state_cell(view)
        case Column.PROGRESS:
            return cell_text.progress(view, now).text
        case Column.QUEUED:
            return cell_text.duration(cell_text.queued_s(view, now))
        case Column.RUNNING:
            return cell_text.duration(cell_text.running_s(view, now))
        case Column.ETA:
            return cell_text.eta_text(view, now)
        case Column.COST:
            return cell_text.cost_text(view.cost)
        case Column.RESULTS:
            return cell_text.results_text(view)
        case Column.EXPIRES:
            return cell_text.expires_text(view, now)
        case Column.PROBLEM:
            return cell_text.problem_text(view)
        case Column.PROMPT:
            return " ".join((view.prompt or "").split())
        case Column.THUMBNAIL:
            return ""


def static_texts(view: TaskView) -> list[str | None]:
    """A row's words, made once per view; None where the clock moves them."""
    return [
        None if column in CLOCK_COLUMNS else cell_words(view, column, view.first_seen_at)
        for column in COLUMNS
    ]


def sort_value(view: TaskView, column: Column, now: datetime) -> Any:
    """What a column sorts by: raw numbers, not their words."""
    match column:
        case Column.STATE:
            return _STATE_ORDER.get(view.state.value, 9)
        case Column.PROGRESS:
            return cell_text.progress_sort_key(view, now)
        case Column.QUEUED:
            return _number(cell_text.queued_s(view, now))
        case Column.RUNNING:
            return _number(cell_text.running_s(view, now))
        case Column.ETA:
            return _number(cell_text.eta_s(view, now))
        case Column.COST:
            return _number(cell_text.cost_value(view.cost))
        case Column.RESULTS | Column.THUMBNAIL:
            return len(view.outputs)
        case Column.EXPIRES:
            at = cell_text.expires_at(view)
            return _number(None if at is None else at.timestamp())
        case _:
            return cell_words(view, column, now).casefold()


def tooltip(view: TaskView, column: Column, now: datetime) -> str | None:
    if column is Column.TASK_ID:  # the provider too: a narrow window hides its column
        extra = f"\nProvider's own ID: {view.provider_task_id}" if view.provider_task_id else ""
        return f"{view.ref.task_id}\n{cell_text.provider_name(view.ref.provider)}{extra}"
    if column is Column.PROBLEM:
        return wrapped(cell_text.problem_text(view)) or None
    if column is Column.STATE:
        lines = [f"Provider status: {view.raw_status}"] if view.raw_status else []
        if (whole := cell_text.state_text(view)) != cell_text.state_cell(view):
            lines.insert(0, wrapped(whole))  # "succeeded, results not saved: <reason>"
        if view.problem:
            lines.append(wrapped(view.problem))
        return "\n".join(lines) or None
    if column in (Column.LABEL, Column.MODEL, Column.PROMPT):
        return cell_words(view, column, now) or None
    if column in (Column.ETA, Column.PROGRESS):
        return cell_text.overdue_text(view, now) or None
    return None


def wrapped(text: str) -> str:
    """`text` in lines of at most TOOLTIP_LINE_CHARS: a plain tooltip never wraps by itself,
    and a long error on one line runs off the screen."""
    return "\n".join(textwrap.wrap(text, TOOLTIP_LINE_CHARS)) if text else ""


def _number(value: float | None) -> float:
    """Unknown values sort after every known one."""
    return float("inf") if value is None else float(value)
