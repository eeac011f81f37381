"""The task table's model: one row per tracked task, updated in place.

Rows change through `apply()` with batches of engine views: new tasks become one
`rowsInserted`, changed ones per-row `dataChanged` (one whole-table signal only
when most rows changed), removed ones `rowsRemoved`. Never a reset per poll.
What a cell says is in `columns.py`; the view shows this model through
`TaskFilterModel` (filter_model.py), which reads `cell()` directly.

Speed at 1,000 rows (bench/ui.py, bench/NOTES.md): the words of a row are made
once when its view changes (the clock's columns when asked), and the model
sorts itself: one Python `sorted()` over keys made once per row, then one
layout change, instead of ~20,000 `data()` calls from a proxy's C++ comparisons.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
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

from taskmon.domain import TaskView
from taskmon.ui.table import columns
from taskmon.ui.table.columns import (
    CLOCK_COLUMNS,
    COLUMN_COUNT,
    COLUMNS,
    HEADER_TIPS,
    HEADERS,
    PROGRESS_ROLE,
    ROLES,
    SORT_ROLE,
    VIEW_ROLE,
    Column,
    IconLookup,
)

__all__ = [
    "CLOCK_COLUMNS",
    "HEADERS",
    "HEADER_TIPS",
    "PROGRESS_ROLE",
    "SORT_ROLE",
    "VIEW_ROLE",
    "Column",
    "TaskTableModel",
]

# Cells answered from a row's memo: not the clock's, and only the roles a paint asks
# (Qt's font, alignment, colours, check state, icon, words), which never use the time.
_CLOCK_SECTIONS: Final = frozenset(int(c) for c in CLOCK_COLUMNS)
_MEMO_ROLES: Final = frozenset(
    int(r)
    for r in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.CheckStateRole,
    )
)
# Past this share of changed rows, one whole-table dataChanged is cheaper.
WHOLE_TABLE_SHARE: Final = 0.5
CLOCK_TICK_MS: Final = 1000

ModelIndex = QModelIndex | QPersistentModelIndex


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
        # for those that do), made when the row is first painted: a batch of 200
        # changed tasks, most of them off screen, spent ~10 ms making words nobody read.
        self._texts: list[list[str | None] | None] = []
        # Per row, what a paint asked of its cells whose answer moves only with the view
        # (not the clock): a repaint reads them back instead of making them again.
        self._memo: list[dict[tuple[int, tuple[int, ...]], list[Any]]] = []
        self._added: dict[str, int] = {}  # per key, its insertion number: the unsorted order
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
                self._texts[row] = None
                self._memo[row] = {}
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
                self._texts.append(None)
                self._memo.append({})
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
            del self._memo[first : last + 1]
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
        self._sort_column = column if 0 <= column < COLUMN_COUNT else -1
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
        column = COLUMNS[self._sort_column]
        return (columns.sort_value(view, column, self._now), self._added[view.key])

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
        self._memo = [self._memo[i] for i in order]
        self._keys = [keys[i] for i in order]
        self._rows = {v.key: i for i, v in enumerate(self._views)}
        previous = self.persistentIndexList()
        moved = [self.index(new_row[i.row()], i.column()) for i in previous]
        self.changePersistentIndexList(previous, moved)
        self.layoutChanged.emit()

    def _emit_rows_changed(self, rows: Sequence[int]) -> None:
        last_column = COLUMN_COUNT - 1
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
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        return columns.header(section, role)

    # No flags() here: QAbstractTableModel's own (enabled, selectable) answers in C++;
    # a Python one was called 300,000 times by a select-all of 1,000 rows.

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # A paint asks each cell for a dozen roles: answer the unused ones first.
        if role not in ROLES:
            return None
        return self.cell(index.row(), index.column(), role)

    def cells(self, row: int, section: int, roles: list[int]) -> list[Any]:
        """`cell()` for several roles of one cell (a row and section known to be valid).

        Cells that do not move with the clock are answered from the row's memo after
        the first paint (a full repaint asks ~250 cells for seven roles each).
        """
        key = (section, tuple(roles))
        if section not in _CLOCK_SECTIONS and _MEMO_ROLES.issuperset(key[1]):
            memo = self._memo[row]
            values = memo.get(key)
            if values is None:
                values = memo[key] = self._cells(row, section, roles)
            return values
        return self._cells(row, section, roles)

    def forget_cells(self) -> None:
        """Drop the memo: icons and colours follow a new palette or style."""
        self._memo = [{} for _ in self._views]

    def _row_texts(self, row: int) -> list[str | None]:
        texts = self._texts[row]
        if texts is None:
            texts = self._texts[row] = columns.static_texts(self._views[row])
        return texts

    def _cells(self, row: int, section: int, roles: list[int]) -> list[Any]:
        return columns.cells(
            self._views[row],
            self._row_texts(row),
            section,
            roles,
            self._now,
            self._provider_icon,
            self._state_icon,
        )

    def cell(self, row: int, section: int, role: int) -> Any:
        """What cell (`row`, `section`) says for `role` (a role of `ROLES`); None for nothing."""
        if not 0 <= row < len(self._views) or not 0 <= section < COLUMN_COUNT:
            return None
        if role == VIEW_ROLE:  # asked of every new or changed row (ui/media/landing.py): no words
            return self._views[row]
        return columns.cell(
            self._views[row],
            self._row_texts(row),
            section,
            role,
            self._now,
            self._provider_icon,
            self._state_icon,
        )
