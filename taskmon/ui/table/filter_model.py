"""The model the task table shows: the task model's rows that pass the filter.

A Python stand-in for QSortFilterProxyModel, for speed at 1,000 rows
(bench/NOTES.md, "The table's model answers a cell in one call"). Qt's proxy
answers each role of each cell apart, and every answer maps to a source index,
which asks Python for the row and column counts: about 7,000 calls from C++
into Python per repaint of 400 cells. This model reads the task model's rows
directly and answers all roles of a cell in one `multiData()` call.

The task model sorts itself (`TaskTableModel.sort`); shown rows keep its order.
Row changes are mapped as a proxy maps them: inserted and removed rows become
inserted and removed rows here, a changed row that leaves or enters the filter
is removed or inserted, and a filter change or a sort is one layout change
with the persistent indexes (the selection) carried along.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from taskmon.domain import TaskView
from taskmon.ui.table.columns import COLUMN_COUNT, ROLES
from taskmon.ui.table.task_filter import TaskFilter
from taskmon.ui.table.task_model import TaskTableModel

ModelIndex = QModelIndex | QPersistentModelIndex


class TaskFilterModel(QAbstractTableModel):
    """Rows of the task model that match the chosen providers, states and search text."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.filter = TaskFilter()
        self._source: TaskTableModel | None = None
        self._rows: list[int] = []  # the source rows shown, ascending
        self._moving: tuple[list[QModelIndex], list[str | None]] | None = None

    # -- the source ----------------------------------------------------------------

    def setSourceModel(self, source: TaskTableModel) -> None:
        if self._source is not None:
            raise RuntimeError("the source model is set once")
        self.beginResetModel()
        self._source = source
        source.rowsInserted.connect(self._on_rows_inserted)
        source.rowsAboutToBeRemoved.connect(self._on_rows_about_to_be_removed)
        source.rowsRemoved.connect(self._on_rows_removed)
        source.dataChanged.connect(self._on_data_changed)
        source.layoutAboutToBeChanged.connect(lambda *_: self._begin_layout())
        source.layoutChanged.connect(lambda *_: self._end_layout())
        source.modelAboutToBeReset.connect(self.beginResetModel)
        source.modelReset.connect(self._on_reset)
        source.headerDataChanged.connect(self.headerDataChanged)
        self._rows = self._accepted_rows()
        self.endResetModel()

    def sourceModel(self) -> TaskTableModel | None:
        return self._source

    def mapToSource(self, index: ModelIndex) -> QModelIndex:
        row = index.row()
        if self._source is None or not index.isValid() or not 0 <= row < len(self._rows):
            return QModelIndex()
        return self._source.index(self._rows[row], index.column())

    def mapFromSource(self, index: ModelIndex) -> QModelIndex:
        row = self._shown_row(index.row()) if index.isValid() else None
        return QModelIndex() if row is None else self.index(row, index.column())

    def source_row(self, row: int) -> int:
        """The task model's row of shown row `row`."""
        return self._rows[row]

    # -- the filter ----------------------------------------------------------------

    def set_providers(self, names: Iterable[str] | None) -> None:
        self._refilter(lambda: self.filter.set_providers(names))

    def set_states(self, states: Iterable[str] | None) -> None:
        self._refilter(lambda: self.filter.set_states(states))

    def set_attention(self, only: bool) -> None:
        self._refilter(lambda: self.filter.set_attention(only))

    def set_text(self, text: str) -> None:
        self._refilter(lambda: self.filter.set_text(text))

    def providers(self) -> frozenset[str] | None:
        return self.filter.providers

    def states(self) -> frozenset[str] | None:
        return self.filter.states

    def accepts(self, view: TaskView) -> bool:
        return self.filter.accepts(view)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """The task model sorts itself on plain keys (see `TaskTableModel.sort`)."""
        if self._source is not None:
            self._source.sort(column, order)

    # -- Qt's questions ----------------------------------------------------------------

    def index(
        self,
        row: int,
        column: int,
        parent: ModelIndex = QModelIndex(),  # noqa: B008
    ) -> QModelIndex:
        """One call from C++ per index, not two (Qt's own asks rowCount and columnCount)."""
        if 0 <= row < len(self._rows) and 0 <= column < COLUMN_COUNT and not parent.isValid():
            return self.createIndex(row, column)
        return QModelIndex()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        source = self._source
        return None if source is None else source.headerData(section, orientation, role)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in ROLES or self._source is None:
            return None
        row = index.row()
        if not 0 <= row < len(self._rows):
            return None
        return self._source.cell(self._rows[row], index.column(), role)

    def multiData(
        self, index: ModelIndex, roleDataSpan: QModelRoleDataSpan | QModelRoleData
    ) -> None:
        """Every role a painted cell asks for, in one call from C++ (not one per role)."""
        row = index.row()
        source = self._source
        column = index.column()
        slots: Any = roleDataSpan  # the stubs know no indexing of a span
        spans = isinstance(slots, QModelRoleDataSpan)
        items = [slots[i] for i in range(slots.size())] if spans else [slots]
        values: list[Any] = []
        if source is not None and 0 <= row < len(self._rows) and 0 <= column < COLUMN_COUNT:
            values = source.cells(self._rows[row], column, [slot.role() for slot in items])
        for slot, value in itertools.zip_longest(items, values):
            # Nothing for this role: an empty slot (a None would be a null QVariant too,
            # through a conversion per role).
            if value is None:
                slot.clearData()
            else:
                slot.setData(value)

    # -- following the source -------------------------------------------------------------

    def _on_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        rows = self._rows
        count = last - first + 1
        at = bisect_left(rows, first)
        for i in range(at, len(rows)):
            rows[i] += count
        new = [r for r in range(first, last + 1) if self._accepts(r)]
        if new:
            self.beginInsertRows(QModelIndex(), at, at + len(new) - 1)
            rows[at:at] = new
            self.endInsertRows()

    def _on_rows_about_to_be_removed(self, _parent: QModelIndex, first: int, last: int) -> None:
        # While the source still holds them, as a proxy does: every shown row stays readable.
        rows = self._rows
        low, high = bisect_left(rows, first), bisect_right(rows, last)
        if high > low:
            self.beginRemoveRows(QModelIndex(), low, high - 1)
            del rows[low:high]
            self.endRemoveRows()

    def _on_rows_removed(self, _parent: QModelIndex, first: int, last: int) -> None:
        rows = self._rows
        count = last - first + 1
        for i in range(bisect_left(rows, first), len(rows)):
            rows[i] -= count

    def _on_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, *_: Any) -> None:
        first, last = top_left.row(), bottom_right.row()
        if self.filter.is_active():
            self._refilter_span(first, last)
        rows = self._rows
        low, high = bisect_left(rows, first), bisect_right(rows, last)
        if high > low:
            self.dataChanged.emit(self.index(low, 0), self.index(high - 1, COLUMN_COUNT - 1))

    def _on_reset(self) -> None:
        self._rows = self._accepted_rows()
        self.endResetModel()

    def _refilter_span(self, first: int, last: int) -> None:
        """Rows `first`..`last` of the source changed: drop those now filtered out, add the new."""
        rows = self._rows
        low, high = bisect_left(rows, first), bisect_right(rows, last)
        shown = set(rows[low:high])
        wanted = [r for r in range(first, last + 1) if self._accepts(r)]
        wanted_set = set(wanted)
        gone = [i for i in range(low, high) if rows[i] not in wanted_set]
        for start, end in reversed(_runs(gone)):
            self.beginRemoveRows(QModelIndex(), start, end)
            del rows[start : end + 1]
            self.endRemoveRows()
        add = [r for r in wanted if r not in shown]
        i = 0
        while i < len(add):  # consecutive new rows with nothing shown between: one insert
            at = bisect_left(rows, add[i])
            j = i + 1
            while j < len(add) and bisect_left(rows, add[j]) == at:
                j += 1
            self.beginInsertRows(QModelIndex(), at, at + j - i - 1)
            rows[at:at] = add[i:j]
            self.endInsertRows()
            i = j

    def _refilter(self, change: Any) -> None:
        self._begin_layout()
        change()
        self._end_layout()

    def _begin_layout(self) -> None:
        """Before a sort or a filter change: note which task each persistent index shows."""
        self.layoutAboutToBeChanged.emit()
        source = self._source
        previous = self.persistentIndexList()
        keys: list[str | None] = []
        for index in previous:
            row = index.row()
            if source is not None and 0 <= row < len(self._rows):
                keys.append(source.view_at(self._rows[row]).key)
            else:
                keys.append(None)
        self._moving = (previous, keys)

    def _end_layout(self) -> None:
        self._rows = self._accepted_rows()
        previous, keys = self._moving or ([], [])
        self._moving = None
        source = self._source
        moved = []
        for index, key in zip(previous, keys, strict=True):
            source_row = None if key is None or source is None else source.row_of(key)
            row = None if source_row is None else self._shown_row(source_row)
            moved.append(QModelIndex() if row is None else self.index(row, index.column()))
        self.changePersistentIndexList(previous, moved)
        self.layoutChanged.emit()

    # -- helpers ---------------------------------------------------------------------

    def _accepted_rows(self) -> list[int]:
        source = self._source
        if source is None:
            return []
        count = source.rowCount()
        if not self.filter.is_active():
            return list(range(count))
        return [r for r in range(count) if self.filter.accepts(source.view_at(r))]

    def _accepts(self, source_row: int) -> bool:
        source = self._source
        return source is not None and (
            not self.filter.is_active() or self.filter.accepts(source.view_at(source_row))
        )

    def _shown_row(self, source_row: int) -> int | None:
        rows = self._rows
        at = bisect_left(rows, source_row)
        return at if at < len(rows) and rows[at] == source_row else None


def _runs(positions: Sequence[int]) -> list[tuple[int, int]]:
    """Ascending positions as (first, last) runs of adjacent ones."""
    runs: list[tuple[int, int]] = []
    for p in positions:
        if runs and runs[-1][1] == p - 1:
            runs[-1] = (runs[-1][0], p)
        else:
            runs.append((p, p))
    return runs
