"""Guard against the PySide6 6.12.0 regression that aborted the window.

In 6.12.0 every Python data()/headerData() returning None lost a reference to
None; after some millions of calls (seconds of a busy table) Python aborted
with "none_dealloc". pyproject pins a version without it; this test fails on
any PySide6 that brings it back, through our own model.
"""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import Qt
from ui_views import make_view

from taskmon.ui.table.task_model import Column, TaskTableModel


def test_cells_without_data_keep_nones_refcount(qtbot: Any) -> None:
    model = TaskTableModel()
    model.apply([make_view()])
    index = model.index(0, Column.LABEL)  # no label: DecorationRole answers None
    before = sys.getrefcount(None)
    for _ in range(2000):
        index.data(Qt.ItemDataRole.DecorationRole)
        model.headerData(0, Qt.Orientation.Vertical)
    assert sys.getrefcount(None) - before > -100
