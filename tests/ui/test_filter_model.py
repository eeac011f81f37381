"""The model the table shows: the task model's rows that pass the filter, mapped like a proxy.

Checked with Qt's own QAbstractItemModelTester (fatal on any broken model rule)
through inserts, changes into and out of the filter, removals and sorts.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelRoleData, QModelRoleDataSpan, Qt
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QTableView
from ui_views import T0, make_view

from taskmon.domain.snapshot import State
from taskmon.ui.table.filter_model import TaskFilterModel
from taskmon.ui.table.task_model import Column, TaskTableModel


def _models() -> tuple[TaskTableModel, TaskFilterModel]:
    source = TaskTableModel(clock=lambda: T0)
    shown = TaskFilterModel()
    shown.setSourceModel(source)
    QAbstractItemModelTester(shown, QAbstractItemModelTester.FailureReportingMode.Fatal)
    return source, shown


def _shown(model: TaskFilterModel) -> list[str]:
    return [model.index(r, Column.TASK_ID).data() for r in range(model.rowCount())]


def _view(task_id: str, state: State = State.RUNNING, provider: str = "xenodia") -> Any:
    return make_view(task_id, provider, state)


def test_rows_follow_the_source_through_inserts_changes_and_removals(qtbot: Any) -> None:
    source, shown = _models()
    source.apply([_view(f"t{i}", State.RUNNING if i % 2 else State.FAILED) for i in range(8)])
    shown.set_states({"failed"})
    assert _shown(shown) == ["t0", "t2", "t4", "t6"]
    source.apply([_view("t3", State.FAILED), _view("t4", State.SUCCEEDED)])  # one in, one out
    assert _shown(shown) == ["t0", "t2", "t3", "t6"]
    source.remove([_view(t).key for t in ("t2", "t3", "t5")])
    assert _shown(shown) == ["t0", "t6"]
    source.apply([_view("t9", State.FAILED), _view("t8", State.RUNNING)])
    assert _shown(shown) == ["t0", "t6", "t9"]
    shown.set_states(None)
    assert _shown(shown) == [v.ref.task_id for v in source.views()]
    assert [shown.mapToSource(shown.index(r, 0)).row() for r in range(shown.rowCount())] == list(
        range(source.rowCount())
    )


def test_a_sort_and_a_filter_change_keep_the_selected_task_selected(qtbot: Any) -> None:
    source, shown = _models()
    source.apply([_view(f"t{i}", State.RUNNING if i % 3 else State.FAILED) for i in range(9)])
    selection = QItemSelectionModel(shown)
    row = _shown(shown).index("t6")
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    selection.select(shown.index(row, 0), flags)
    shown.sort(Column.TASK_ID, Qt.SortOrder.DescendingOrder)
    assert _shown(shown)[0] == "t8"
    selected = {shown.index(i.row(), Column.TASK_ID).data() for i in selection.selectedRows()}
    assert selected == {"t6"}
    shown.set_states({"failed"})
    assert _shown(shown) == ["t6", "t3", "t0"]
    selected = {shown.index(i.row(), Column.TASK_ID).data() for i in selection.selectedRows()}
    assert selected == {"t6"}
    shown.set_states({"running"})  # the selected task is filtered out: nothing selected
    assert "t6" not in _shown(shown)
    assert selection.selectedRows() == []


def test_a_painted_cell_gets_all_its_roles_in_one_answer_equal_to_data(qtbot: Any) -> None:
    source, shown = _models()
    source.apply([_view("t0", State.FAILED, provider="vidgo")])
    roles = [
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.FontRole,
    ]
    for column in Column:
        index = shown.index(0, column)
        for role in roles:
            slot = QModelRoleData(role)
            slot.setData("stale")  # a reused span: what has no answer is cleared
            shown.multiData(index, QModelRoleDataSpan(slot))
            assert slot.data() == index.data(role), (column, role)
    # What the view's delegate sees, through C++: the words of the cell.
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(shown)
    option = QStyleOptionViewItem()
    QStyledItemDelegate().initStyleOption(option, shown.index(0, Column.STATE))
    assert option.text == "failed"


def test_a_select_all_leaves_the_column_header_nothing_to_count(qtbot: Any) -> None:
    from taskmon.ui.table.task_table import TaskTable

    source, shown = _models()
    source.apply([_view(f"t{i}") for i in range(50)])
    table = TaskTable()
    qtbot.addWidget(table)
    table.setModel(shown)
    table.selectAll()
    assert len(table.selectionModel().selectedRows()) == 50
    header_selection = table.horizontalHeader().selectionModel()
    assert header_selection is not table.selectionModel()
    assert header_selection.model() is shown and not header_selection.hasSelection()
