"""What comes into the main window to be tracked: paste, drops, the add dialog, and
showing what was added once its rows are in the table.

A mixin of `MainWindow` (ui/window/main_window.py).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSettings, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QApplication, QMainWindow

if TYPE_CHECKING:
    from taskmon.ui.bridge import EngineBridge
    from taskmon.ui.table.filter_model import TaskFilterModel
    from taskmon.ui.table.task_model import TaskTableModel
    from taskmon.ui.table.task_table import TaskTable

if TYPE_CHECKING:  # the mixin's methods run on the MainWindow, a QMainWindow
    _Base = QMainWindow
else:
    _Base = object

MAX_DROPPED_FILE_BYTES: Final = 4 * 1024 * 1024


class WindowIntake(_Base):
    """Ctrl+V, drag and drop of text or files, Add tasks…, and revealing what was added."""

    bridge: EngineBridge
    settings: QSettings
    model: TaskTableModel
    proxy: TaskFilterModel
    table: TaskTable
    _reveal: tuple[str, set[str]] | None

    if TYPE_CHECKING:

        def _run(self, coro: Any) -> None: ...  # WindowActions

    def paste(self) -> None:
        """Ctrl+V anywhere but in a text field: track what the clipboard holds."""
        focus = QApplication.focusWidget()
        if focus is not None and focus is not self.table and hasattr(focus, "paste"):
            focus.paste()  # a text field pastes as usual
            return
        text = QGuiApplication.clipboard().text()
        if text.strip():
            self.add_text(text)
        else:
            self.statusBar().showMessage("The clipboard holds no text to add", 4000)

    def add_text(self, text: str) -> None:
        """Open the add dialog on `text`; it adds at once when nothing needs deciding."""
        from taskmon.ui.adding.add_dialog import AddTasksDialog

        dialog = AddTasksDialog(self.bridge, self.settings, self, text=text)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.added.connect(self._on_added)
        if not dialog.add_without_asking():
            dialog.open()

    def open_add_dialog(self) -> None:
        from taskmon.ui.adding.add_dialog import AddTasksDialog

        dialog = AddTasksDialog(self.bridge, self.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.added.connect(self._on_added)
        dialog.open()

    def _on_added(self, summary: str, keys: list[str]) -> None:
        """Say what was added once it is in the table (rows arrive in chunks), and show it."""
        self._reveal = (summary, set(keys))
        self._reveal_when_in_table()

    def _reveal_when_in_table(self) -> None:
        if self._reveal is None:
            return
        summary, keys = self._reveal
        if any(self.model.row_of(k) is None for k in keys):
            self._reveal = (summary, keys)
            return
        self._reveal = None
        self.statusBar().showMessage(summary, 8000)
        if keys:
            self._select_keys(keys)

    def _select_keys(self, keys: set[str]) -> None:
        """Select the rows of `keys` that the filters show, and scroll the first into view."""
        selection = QItemSelection()
        rows = []
        for key in keys:
            source_row = self.model.row_of(key)
            if source_row is None:
                continue
            index = self.proxy.mapFromSource(self.model.index(source_row, 0))
            if index.isValid():
                rows.append(index.row())
        if not rows:
            return
        rows.sort()
        last_column = self.proxy.columnCount() - 1
        start = prev = rows[0]
        for row in [*rows[1:], None]:  # one range per run of adjacent rows
            if row is not None and row == prev + 1:
                prev = row
                continue
            selection.select(self.proxy.index(start, 0), self.proxy.index(prev, last_column))
            if row is not None:
                start = prev = row
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.table.selectionModel().select(selection, flags)
        first = self.proxy.index(rows[0], 0)
        self.table.selectionModel().setCurrentIndex(
            first, QItemSelectionModel.SelectionFlag.NoUpdate
        )
        # Centred rather than at the edge, where a banner arriving next would hide it.
        if not self.table.viewport().rect().contains(self.table.visualRect(first)):
            self.table.scrollTo(first, QAbstractItemView.ScrollHint.PositionAtCenter)

    # A drop is always a Copy: taskmon only reads what is dragged in, and a Move
    # (what file managers propose for a drag on the same disk) lets the source delete it.
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasText() or any(u.isLocalFile() for u in mime.urls()):
            _accept_as_copy(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        _accept_as_copy(event)

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
        if paths:
            _accept_as_copy(event)
            self._run(self._add_files(paths))
        elif mime.hasText():
            _accept_as_copy(event)
            self.add_text(mime.text())

    async def _add_files(self, paths: list[str]) -> None:
        from taskmon.ui.adding.dropped_files import read_dropped

        text, problems = await asyncio.to_thread(read_dropped, paths, MAX_DROPPED_FILE_BYTES)
        if problems:
            self.statusBar().showMessage("; ".join(problems), 10000)
        if text.strip():
            self.add_text(text)


def _accept_as_copy(event: QDropEvent) -> None:
    if event.possibleActions() & Qt.DropAction.CopyAction:
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
    else:
        event.ignore()
