"""The task table's model: one row per tracked task, updated in place.

Rows change through `apply()` with batches of engine views: new tasks become one
`rowsInserted`, changed ones per-row `dataChanged` (one whole-table signal only
when most rows changed), removed ones `rowsRemoved`. Never a reset per poll.
Each cell answers twice: words for `DisplayRole`, the raw value under
`SORT_ROLE` for sorting, and the whole `TaskView` under `VIEW_ROLE`.

Speed at 1,000 rows (bench/ui.py): a view asks each visible cell for half a
dozen roles per paint, and a proxy sort asks for two cells per comparison,
each a call into Python. So the words of a row are made once when its view
changes (the clock's columns when asked), and the model sorts itself: one
Python `sorted()` over keys made once per row, then one layout change, instead
of ~20,000 `data()` calls from the proxy's C++ comparisons.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from enum import IntEnum
from itertools import pairwise
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QIcon

from taskmon.domain import TaskView
from taskmon.ui.table import cell_text, keep_cells

VIEW_ROLE: Final = Qt.ItemDataRole.UserRole + 1
SORT_ROLE: Final = Qt.ItemDataRole.UserRole + 2
PROGRESS_ROLE: Final = Qt.ItemDataRole.UserRole + 3

# Past this share of changed rows, one whole-table dataChanged is cheaper.
WHOLE_TABLE_SHARE: Final = 0.5
CLOCK_TICK_MS: Final = 1000

ModelIndex = QModelIndex | QPersistentModelIndex


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
    Column.PROMPT: "The prompt, as the provider echoed it",
    Column.PROGRESS: "Solid: reported by the provider. Striped: estimated from elapsed time.",
    Column.THUMBNAIL: "The first result file; a number when there are more",
}

IconLookup = Callable[[str], QIcon]


class TaskTableModel(QAbstractTableModel):
    """Tracked tasks as rows; fed by `apply()` and `remove()`."""

    clockTicked = Signal()  # time-driven cells have new words: repaint what is visible

    def __init__(
        self,
        provider_icon: IconLookup | None = None,
        state_icon: IconLookup | None = None,
        parent: QObject | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        self._views: list[TaskView] = []
        self._rows: dict[str, int] = {}
        # Per row, the words of the columns that do not move with the clock (None
        # for those that do), and the insertion number for the unsorted order.
        self._texts: list[list[str | None]] = []
        self._added: dict[str, int] = {}
        self._next_added = 0
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._keys: list[Any] = []  # sort key per row while sorted
        self._provider_icon = provider_icon
        self._state_icon = state_icon
        self._clock = clock or (lambda: datetime.now(UTC))
        self._now = self._clock()
        self._ticker = QTimer(self)
        self._ticker.setInterval(CLOCK_TICK_MS)
        self._ticker.timeout.connect(self.tick)
        self._ticker.start()

    # -- feeding --------------------------------------------------------------

    def apply(self, views: Iterable[TaskView]) -> None:
        """Insert new tasks and refresh changed ones (one batch of engine updates)."""
        changed: list[int] = []
        new: dict[str, TaskView] = {}  # a task new in this batch keeps its latest view
        self._now = self._clock()
        sorted_by = self._sort_column
        for view in views:
            row = self._rows.get(view.key)
            if row is not None:
                self._views[row] = view
                self._texts[row] = _static_texts(view)
                if sorted_by >= 0:
                    self._keys[row] = self._sort_key(row)
                changed.append(row)
            else:
                new[view.key] = view
        if changed:
            self._emit_rows_changed(sorted(set(changed)))
        if new:
            first = len(self._views)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for offset, view in enumerate(new.values()):
                self._rows[view.key] = first + offset
                self._views.append(view)
                self._texts.append(_static_texts(view))
                self._added[view.key] = self._next_added
                self._next_added += 1
                if sorted_by >= 0:
                    self._keys.append(self._sort_key(first + offset))
            self.endInsertRows()
        if sorted_by >= 0 and (changed or new) and not self._in_order():
            self._reorder()

    def remove(self, keys: Iterable[str]) -> None:
        """Drop the rows of `keys` (unknown keys are ignored)."""
        rows = sorted({self._rows[k] for k in keys if k in self._rows}, reverse=True)
        # Remove contiguous runs from the bottom so earlier row numbers stay valid.
        runs: list[tuple[int, int]] = []
        for row in rows:
            if runs and runs[-1][0] == row + 1:
                runs[-1] = (row, runs[-1][1])
            else:
                runs.append((row, row))
        for first, last in runs:
            self.beginRemoveRows(QModelIndex(), first, last)
            for view in self._views[first : last + 1]:
                self._added.pop(view.key, None)
            del self._views[first : last + 1]
            del self._texts[first : last + 1]
            if self._keys:
                del self._keys[first : last + 1]
            self.endRemoveRows()
        if runs:
            self._rows = {v.key: i for i, v in enumerate(self._views)}

    def tick(self) -> None:
        """Let the clock-driven cells (elapsed, ETA, expiry) move once a second.

        No dataChanged: that would make the sort/filter proxy re-check every row
        each second (21 ms at 1,000 tasks). Views repaint what they show on
        `clockTicked` instead; the order by a time column is refreshed with the
        next real change, and every running task's clock moves alike anyway.
        """
        self._now = self._clock()
        if self._views:
            self.clockTicked.emit()

    # -- sorting --------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by `column` (-1: the order they were added in)."""
        self._now = self._clock()
        self._sort_column = column if 0 <= column < _COLUMN_COUNT else -1
        self._sort_order = order
        self._keys = [self._sort_key(row) for row in range(len(self._views))]
        self._reorder()

    def sort_column(self) -> int:
        return self._sort_column

    def _sort_key(self, row: int) -> Any:
        view = self._views[row]
        if self._sort_column < 0:
            return self._added[view.key]
        # Ties keep the order the tasks were added in, whichever way the sort goes.
        return (self._sort_value(view, _COLUMNS[self._sort_column]), self._added[view.key])

    def _in_order(self) -> bool:
        keys = self._keys
        if self._sort_order == Qt.SortOrder.DescendingOrder:
            return all(a >= b for a, b in pairwise(keys))
        return all(a <= b for a, b in pairwise(keys))

    def _reorder(self) -> None:
        """Put the rows in key order: one layout change, persistent indexes moved along."""
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        keys = self._keys
        order = sorted(range(len(keys)), key=keys.__getitem__, reverse=descending)
        if order == list(range(len(order))):
            return
        self.layoutAboutToBeChanged.emit()
        new_row = [0] * len(order)
        for new, old in enumerate(order):
            new_row[old] = new
        self._views = [self._views[i] for i in order]
        self._texts = [self._texts[i] for i in order]
        self._keys = [keys[i] for i in order]
        self._rows = {v.key: i for i, v in enumerate(self._views)}
        previous = self.persistentIndexList()
        moved = [self.index(new_row[i.row()], i.column()) for i in previous]
        self.changePersistentIndexList(previous, moved)
        self.layoutChanged.emit()

    def _emit_rows_changed(self, rows: Sequence[int]) -> None:
        last_column = _COLUMN_COUNT - 1
        if len(rows) > WHOLE_TABLE_SHARE * len(self._views):
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._views) - 1, last_column))
            return
        start = prev = rows[0]
        for row in [*rows[1:], None]:
            if row is not None and row == prev + 1:
                prev = row
                continue
            self.dataChanged.emit(self.index(start, 0), self.index(prev, last_column))
            if row is not None:
                start = prev = row

    # -- reading --------------------------------------------------------------

    def view_at(self, row: int) -> TaskView:
        return self._views[row]

    def row_of(self, key: str) -> int | None:
        return self._rows.get(key)

    def views(self) -> list[TaskView]:
        return list(self._views)

    def now(self) -> datetime:
        return self._now

    # Qt asks both for every index it makes (thousands per sort or selection): keep them bare.
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._views)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else _COLUMN_COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        column = Column(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(column)
        return None

    # No flags() here: QAbstractTableModel's own (enabled, selectable) answers in C++;
    # a Python one was called 300,000 times by a select-all of 1,000 rows.

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # A paint asks each cell for a dozen roles: answer the unused ones first.
        if role not in _ROLES:
            return None
        row = index.row()
        if not 0 <= row < len(self._views):
            return None
        if role == _DISPLAY:
            text = self._texts[row][index.column()]
            if text is not None:
                return text
            return self._text(self._views[row], _COLUMNS[index.column()])
        view = self._views[row]
        column = _COLUMNS[index.column()]
        if role == SORT_ROLE:
            return self._sort_value(view, column)
        if role in keep_cells.ROLES:  # results not saved, links expiring: warning colours
            return keep_cells.colour(view, column.name, role, self._now)
        if role == VIEW_ROLE:
            return view
        if role == PROGRESS_ROLE and column is Column.PROGRESS:
            return cell_text.progress(view, self._now)
        if role == Qt.ItemDataRole.DecorationRole:
            if column is Column.PROVIDER and self._provider_icon is not None:
                return self._provider_icon(view.ref.provider)
            if column is Column.STATE and self._state_icon is not None:
                return self._state_icon(keep_cells.icon_state(view))
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(view, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _RIGHT_ALIGNED:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, view: TaskView, column: Column) -> str:
        return _cell_words(view, column, self._now)

    def _sort_value(self, view: TaskView, column: Column) -> Any:
        now = self._now
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
                return self._text(view, column).casefold()

    def _tooltip(self, view: TaskView, column: Column) -> str | None:
        if column is Column.TASK_ID:
            extra = f"\nProvider's own ID: {view.provider_task_id}" if view.provider_task_id else ""
            return f"{view.ref.task_id}{extra}"
        if column is Column.PROBLEM:
            return cell_text.problem_text(view) or None
        if column is Column.STATE:
            lines = [f"Provider status: {view.raw_status}"] if view.raw_status else []
            if view.problem:
                lines.append(view.problem)
            return "\n".join(lines) or None
        if column in (Column.LABEL, Column.MODEL, Column.PROMPT):
            return self._text(view, column) or None
        if column in (Column.ETA, Column.PROGRESS):
            return cell_text.overdue_text(view, self._now) or None
        return None


_COLUMNS: Final = tuple(Column)
_COLUMN_COUNT: Final = len(_COLUMNS)
_DISPLAY: Final = int(Qt.ItemDataRole.DisplayRole)
# The columns whose words or bars move with the clock alone (repainted each tick).
CLOCK_COLUMNS: Final = (Column.PROGRESS, Column.QUEUED, Column.RUNNING, Column.ETA, Column.EXPIRES)


def _cell_words(view: TaskView, column: Column, now: datetime) -> str:
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
            return cell_text.state_text(view)
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


def _static_texts(view: TaskView) -> list[str | None]:
    """A row's words, made once per view; None where the clock moves them."""
    texts: list[str | None] = []
    for column in _COLUMNS:
        texts.append(
            None if column in CLOCK_COLUMNS else _cell_words(view, column, view.first_seen_at)
        )
    return texts


_ROLES: Final = frozenset(
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


def _number(value: float | None) -> float:
    """Unknown values sort after every known one."""
    return float("inf") if value is None else float(value)
