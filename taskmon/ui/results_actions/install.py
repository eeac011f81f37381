"""The result actions in the window: Quick look (Space), Open (Ctrl+O, a double-click on the
Results column), Show in folder, Copy file, Copy image and Copy link, in the task list's
context menu, a Results menu and the quick look's own buttons.

`install_results_actions(window)` is the whole hook: it reads the window's
table, proxy, model and bridge and adds its actions; the window keeps no
state of its own for them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication, QImage, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTableView,
    QWidget,
)

from taskmon.domain import MediaKind, TaskView, counted
from taskmon.ui.quicklook.loading import Prepared, PreviewLoader
from taskmon.ui.quicklook.slots import PreviewSlot
from taskmon.ui.results_actions import clipboard
from taskmon.ui.results_actions.notices import notice
from taskmon.ui.results_actions.opening import open_results
from taskmon.ui.results_actions.reveal import FolderRevealer
from taskmon.ui.table.task_model import Column

if TYPE_CHECKING:  # imported when first used: QtMultimedia is slow to load and chatty
    from taskmon.ui.quicklook.window import Neighbour, QuickLook


class _Window(Protocol):
    """What the actions need of the main window (typed here, so no import cycle)."""

    table: QTableView
    proxy: Any  # TaskFilterModel
    model: Any  # TaskTableModel
    bridge: Any  # EngineBridge

    def selected_views(self) -> list[TaskView]: ...


class ResultsActions(QObject):
    """Owns the result actions of one window, and its quick look."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._w: _Window = window  # type: ignore[assignment]
        self.quicklook: QuickLook | None = None
        self.last_notice: QMessageBox | None = None
        self._image_loader: PreviewLoader | None = None  # Copy image's decoding thread
        self.revealer = FolderRevealer(window)
        self.revealer.on_shown = lambda words: window.statusBar().showMessage(words, 4000)

        self.quick_look_action = self._action("Quick look", self.toggle_quick_look, "Space")
        # Space belongs to the list only: in the search field it types a space.
        self.quick_look_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.open_action = self._action("Open", self.open_selected, "Ctrl+O")
        self.reveal_action = self._action("Show in folder", self.reveal_selected, "Ctrl+Alt+O")
        self.copy_file_action = self._action("Copy file", self.copy_selected_files, "Ctrl+Shift+C")
        self.copy_image_action = self._action("Copy image", self.copy_selected_image)
        self.copy_link_action = self._action("Copy link", self.copy_selected_links)
        self.actions = [
            self.quick_look_action,
            self.open_action,
            self.reveal_action,
            self.copy_file_action,
            self.copy_image_action,
            self.copy_link_action,
        ]

        table = self._w.table
        separator = QAction(table)
        separator.setSeparator(True)
        table.addAction(separator)
        for action in self.actions:
            table.addAction(action)
        # The window may have made the menu already, so its first paint has the menu bar.
        menu = window.findChild(QMenu, "resultsMenu") or window.menuBar().addMenu("&Results")
        menu.setObjectName("resultsMenu")
        menu.addActions(self.actions)

        table.selectionModel().selectionChanged.connect(lambda *_: self._on_selection())
        self._stepping = False  # the quick look itself is moving the selection
        self._w.bridge.tasksChanged.connect(self._on_tasks_changed)
        self._w.bridge.tasksRemoved.connect(self._on_tasks_removed)
        self.update_enabled()

    def attach(self, view: QWidget) -> None:
        """Give another view of the same tasks (a grid sharing the list's proxy and
        selection model) Space for the quick look and these actions in its context menu."""
        for action in self.actions:
            view.addAction(action)

    def _action(self, text: str, slot: Callable[[], Any], shortcut: str | None = None) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(text.lower().replace(" ", "_") + "_action")
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)
        return action

    # -- what the selection holds ---------------------------------------------------

    def _views(self) -> list[TaskView]:
        return self._w.selected_views()

    @staticmethod
    def _files(views: list[TaskView]) -> list[str]:
        return [path for view in views for path in view.files]

    def update_enabled(self) -> None:
        views = self._views()
        files = self._files(views)
        self.quick_look_action.setEnabled(bool(views))
        self.open_action.setEnabled(bool(files))
        self.reveal_action.setEnabled(bool(files))
        self.copy_file_action.setEnabled(bool(files))
        self.copy_image_action.setEnabled(
            any(v.files and _may_be_image(v.media_kind) for v in views[:1])
        )
        self.copy_link_action.setEnabled(any(v.outputs for v in views))

    # -- commands on the selection --------------------------------------------------------

    def open_selected(self) -> None:
        self.open_paths(self._files(self._views()))

    def reveal_selected(self) -> None:
        self.revealer.reveal(self._files(self._views()))

    def copy_selected_files(self) -> None:
        self.copy_paths(self._files(self._views()))

    def copy_selected_image(self) -> None:
        views = self._views()
        if views and views[0].files:
            self.copy_image(views[0].files[0])

    def copy_selected_links(self) -> None:
        urls = [o.url for v in self._views() for o in v.outputs]
        if urls:
            clipboard.copy_links(urls)
            self._say(f"Copied {counted(len(urls), 'result link')}")

    def double_clicked(self, index: QModelIndex, otherwise: Callable[[], object]) -> None:
        """A double-click on a row's Results cell opens its files; elsewhere `otherwise()`."""
        files = self._files(self._views()[:1])
        if index.column() == Column.RESULTS and files:
            self.open_paths(files)
        else:
            otherwise()

    # -- commands on explicit files (also the quick look's buttons) ------------------------

    def open_paths(self, paths: list[str]) -> None:
        if paths:
            self.last_notice = open_results(self._dialog_parent(), paths)

    def reveal_paths(self, paths: list[str]) -> None:
        self.revealer.reveal(paths)

    def copy_paths(self, paths: list[str]) -> None:
        if paths:
            clipboard.copy_files(paths)
            self._say(f"Copied {counted(len(paths), 'file')}")

    def copy_image(self, path: str) -> None:
        """Decode in a worker (a large image takes a while), then fill the clipboard."""
        if self._image_loader is None:
            self._image_loader = PreviewLoader(self)
            self._image_loader.ready.connect(self._image_ready)
        self._say("Copying the image…")
        self._image_loader.request(path)

    def _image_ready(self, prepared: Prepared) -> None:
        outcome = clipboard.clipboard_image(prepared)
        if isinstance(outcome, QImage):
            QGuiApplication.clipboard().setImage(outcome)
            self._say("Copied the image")
            return
        self.window.statusBar().clearMessage()
        self.last_notice = notice(
            self._dialog_parent(), "Image not copied", f"Could not copy the pixels: {outcome}."
        )

    def _say(self, words: str) -> None:
        self.window.statusBar().showMessage(words, 4000)

    def _dialog_parent(self) -> QWidget:
        ql = self.quicklook
        return ql if ql is not None and ql.isVisible() else self.window

    # -- quick look ---------------------------------------------------------------------

    def _on_selection(self) -> None:
        self.update_enabled()
        ql = self.quicklook
        if self._stepping or ql is None or not ql.isVisible():
            return
        # An open quick look follows the list, as a file manager's does.
        views = self._views()
        shown = ql.current_view()
        if len(views) == 1 and (shown is None or views[0].key != shown.key):
            ql.show_task(views[0], activate=False)  # the list keeps the keyboard

    def toggle_quick_look(self) -> None:
        """Space: open the quick look on the current task, or close it."""
        if self.quicklook is not None and self.quicklook.isVisible():
            self.quicklook.close()
            return
        views = self._views()
        current = self._w.table.currentIndex()
        if current.isValid() and self._w.table.selectionModel().isRowSelected(current.row()):
            source = self._w.proxy.mapToSource(current)
            views = [self._w.model.view_at(source.row())]
        if views:
            self.quick_look(views[0])

    def quick_look(self, view: TaskView, neighbour: Neighbour | None = None) -> QuickLook:
        """Show `view` in the quick look; Up/Down use `neighbour` (default: the list's order).

        The slot for other views of the same tasks (a grid) to call.
        """
        ql = self._quick_look_window()
        ql.set_neighbour(neighbour or self.list_neighbour)
        ql.set_progress(self.download_progress)
        ql.show_task(view)
        return ql

    def list_neighbour(self, view: TaskView, step: int) -> TaskView | None:
        """The task `step` rows from `view` in the sorted, filtered list, selected there."""
        proxy, model, table = self._w.proxy, self._w.model, self._w.table
        row = model.row_of(view.key)
        if row is None:
            return None
        index = proxy.mapFromSource(model.index(row, 0))
        if not index.isValid():
            return None
        target = index.row() + step
        if not 0 <= target < proxy.rowCount():
            return None
        target_index = proxy.index(target, 0)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self._stepping = True
        try:
            table.selectionModel().setCurrentIndex(target_index, flags)
        finally:
            self._stepping = False
        table.scrollTo(target_index, QAbstractItemView.ScrollHint.EnsureVisible)
        return model.view_at(proxy.mapToSource(target_index).row())

    def download_progress(self, view: TaskView) -> float | None:
        """The fraction of `view`'s result bytes on disk, from the cache's `.part` files.

        `taskmon.service.download_progress` comes with the saving work (drag-out
        says "still downloading (42 %)" with it); without it, or without a data
        dir, the quick look says "still downloading" alone.
        """
        import taskmon.service

        progress = getattr(taskmon.service, "download_progress", None)
        service = getattr(self._w.bridge, "service", None)
        directory = getattr(service, "directory", None)
        if progress is None or directory is None:
            return None
        fraction = progress(directory, view)
        return fraction if isinstance(fraction, float) else None

    def _quick_look_window(self) -> QuickLook:
        if self.quicklook is None:
            from taskmon.ui.quicklook.window import QuickLook

            ql = QuickLook(self.window)
            ql.add_command(
                "Open", lambda s: self.open_paths(_paths(s)), _has_file, "Open in the default app"
            )
            ql.add_command("Show in folder", lambda s: self.reveal_paths(_paths(s)), _has_file)
            ql.add_command("Copy file", lambda s: self.copy_paths(_paths(s)), _has_file)
            ql.add_command(
                "Copy image",
                lambda s: self.copy_image(s.path or ""),
                lambda s: s.path is not None and _may_be_image(s.kind),
            )
            ql.add_command(
                "Copy link",
                lambda s: clipboard.copy_links([s.url or ""]),
                lambda s: s.url is not None,
            )
            ql.finished.connect(self._back_to_list)
            self.quicklook = ql
        return self.quicklook

    def _back_to_list(self) -> None:
        # Space again opens it again: the list gets the keyboard back.
        self.window.activateWindow()
        self._w.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_tasks_changed(self, views: list[TaskView]) -> None:
        self.update_enabled()
        ql = self.quicklook
        if ql is None or not ql.isVisible() or ql.current_view() is None:
            return
        shown = ql.current_view()
        for view in views:
            if shown is not None and view.key == shown.key:
                ql.refresh(view)

    def _on_tasks_removed(self, keys: list[str]) -> None:
        self.update_enabled()
        ql = self.quicklook
        shown = ql.current_view() if ql is not None else None
        if ql is not None and shown is not None and shown.key in keys:
            ql.close()


def _has_file(slot: PreviewSlot) -> bool:
    return slot.path is not None


def _paths(slot: PreviewSlot) -> list[str]:
    return [slot.path] if slot.path is not None else []


def _may_be_image(kind: MediaKind | None) -> bool:
    return kind in (MediaKind.IMAGE, None)


def install_results_actions(window: QMainWindow) -> ResultsActions:
    """Add the result actions and the quick look to `window` (the main window)."""
    return ResultsActions(window)
