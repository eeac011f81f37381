"""List or grid (Ctrl+1, Ctrl+2): one model, one filter, one selection, two views.

The grid shares the list's selection model, so the details panel, the actions
and their shortcuts follow whichever view is shown; the choice is remembered.
"""

from __future__ import annotations

from typing import Any, Final, Protocol

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QSplitter, QStackedWidget, QTableView, QToolBar

from taskmon.ui.grid.grid_view import TaskGrid
from taskmon.ui.media import Thumbnails

SETTING: Final = "view/mode"
LIST, GRID = "list", "grid"


class WindowParts(Protocol):
    """What is used of the main window (a protocol: main_window imports this module)."""

    @property
    def table(self) -> QTableView: ...
    @property
    def proxy(self) -> Any: ...
    @property
    def model(self) -> Any: ...
    @property
    def splitter(self) -> QSplitter: ...
    @property
    def settings(self) -> QSettings: ...
    @property
    def thumbnails(self) -> Thumbnails: ...

    def show_details(self, visible: bool) -> None: ...
    def findChild(self, kind: Any, name: str = ...) -> Any: ...
    def addAction(self, action: QAction) -> None: ...


class ViewSwitch(QObject):
    """Shows the list or the grid in the window's splitter; `mode()` says which."""

    def __init__(self, window: WindowParts, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = window.settings
        self.table = window.table
        self.grid = TaskGrid(window.thumbnails)
        self.grid.setModel(window.proxy)
        self.grid.setSelectionModel(self.table.selectionModel())  # one selection, two views
        self.grid.addActions(self.table.actions())  # Delete, Ctrl+C, Return, the menu
        self.grid.doubleClicked.connect(lambda _index: window.show_details(True))
        window.model.clockTicked.connect(self.grid.repaint_running)

        self.stack = QStackedWidget()
        self.stack.setObjectName("taskViews")
        splitter = window.splitter
        state = splitter.saveState()  # sizes as restored or set by the window
        position = splitter.indexOf(self.table)
        splitter.replaceWidget(position, self.stack)
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.grid)
        splitter.setStretchFactor(position, 3)
        splitter.restoreState(state)

        self.list_action = QAction("List", self)
        self.grid_action = QAction("Grid", self)
        group = QActionGroup(self)
        for action, keys, tip, mode in (
            (self.list_action, "Ctrl+1", "Show the tasks as a list", LIST),
            (self.grid_action, "Ctrl+2", "Show the tasks as thumbnails", GRID),
        ):
            action.setCheckable(True)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setToolTip(f"{tip} ({keys})")
            action.triggered.connect(lambda _checked=False, m=mode: self.show_mode(m))
            group.addAction(action)
            window.addAction(action)
        toolbar = window.findChild(QToolBar, "actionsToolbar")
        if toolbar is not None:
            toolbar.addSeparator()
            toolbar.addAction(self.list_action)
            toolbar.addAction(self.grid_action)
        self.show_mode(str(self._settings.value(SETTING, LIST, str)), remember=False)

    def mode(self) -> str:
        return GRID if self.stack.currentWidget() is self.grid else LIST

    def current_view(self) -> QTableView | TaskGrid:
        return self.grid if self.mode() == GRID else self.table

    def show_mode(self, mode: str, *, remember: bool = True) -> None:
        """Show the list ("list") or the grid ("grid"); the selection and focus carry over."""
        grid = mode == GRID
        shown = self.stack.currentWidget()
        had_focus = shown is not None and shown.hasFocus()
        view = self.grid if grid else self.table
        self.stack.setCurrentWidget(view)
        (self.grid_action if grid else self.list_action).setChecked(True)
        current = self.table.selectionModel().currentIndex()
        if current.isValid():
            view.scrollTo(current)
        if had_focus or self.stack.isVisible():
            view.setFocus(Qt.FocusReason.OtherFocusReason)
        if remember:
            self._settings.setValue(SETTING, GRID if grid else LIST)


def install_grid(window: WindowParts) -> ViewSwitch:
    """Put the grid beside the window's list, with Ctrl+1 / Ctrl+2 and toolbar buttons."""
    return ViewSwitch(window, window.table)
