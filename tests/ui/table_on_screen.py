"""A task table on screen over a model, and a count of its paints, for paint tests."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QWidget

from taskmon.ui.table.filter_model import TaskFilterModel
from taskmon.ui.table.task_model import TaskTableModel
from taskmon.ui.table.task_table import TaskTable


class Paints(QObject):
    """Counts the paints of a widget."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__()
        self.count = 0
        self.tops: list[int] = []  # the top of each paint's region
        widget.installEventFilter(self)

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QPaintEvent):
            self.count += 1
            self.tops.append(event.region().boundingRect().top())
        return False


def shown_table(
    qtbot: Any, model: TaskTableModel, width: int = 900, height: int = 300
) -> tuple[TaskTable, TaskFilterModel]:
    """`model` through the window's filter proxy in a table shown at `width` x `height`."""
    proxy = TaskFilterModel()
    proxy.setSourceModel(model)
    table = TaskTable()
    qtbot.addWidget(table)
    table.setModel(proxy)
    table.resize(width, height)
    table.show()
    qtbot.waitExposed(table)
    return table, proxy
