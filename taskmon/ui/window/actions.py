"""The main window's actions: their construction, the toolbar, and the commands on the selection.

A mixin of `MainWindow` (ui/window/main_window.py), which owns the widgets these use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QCheckBox, QMainWindow, QMessageBox, QToolBar, QWidget

from taskmon.domain import State, TaskView, counted
from taskmon.providers import PROVIDERS
from taskmon.ui import icons

if TYPE_CHECKING:
    from taskmon.ui.bridge import EngineBridge
    from taskmon.ui.table.task_table import TaskTable

if TYPE_CHECKING:  # the mixin's methods run on the MainWindow, a QMainWindow
    _Base = QMainWindow
else:
    _Base = object


class WindowActions(_Base):
    """Add, Remove, Retry, Cancel, Copy IDs, Details, Search, Settings, Quit, Set API key."""

    bridge: EngineBridge
    table: TaskTable
    _action_icons: dict[QAction, str]

    if TYPE_CHECKING:  # Provided by MainWindow and its other mixins.

        def selected_views(self) -> list[TaskView]: ...
        def open_add_dialog(self) -> None: ...
        def paste(self) -> None: ...
        def toggle_details(self) -> None: ...
        def focus_search(self) -> None: ...
        def open_settings(self, provider: str | None = None) -> None: ...
        def quit_app(self) -> None: ...

    def _action(
        self,
        text: str,
        slot: Callable[[], Any],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        icon: str | None = None,
        tip: str | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if icon:
            action.setIcon(icons.action_icon(icon))
            self._action_icons[action] = icon
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{tip} ({keys})" if keys else tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        self.add_action = self._action(
            "Add tasks…", self.open_add_dialog, "Ctrl+N", "add", "Add task IDs, URLs or JSON"
        )
        self.paste_action = self._action(
            "Paste tasks", self.paste, QKeySequence.StandardKey.Paste, None, "Track pasted IDs"
        )
        self.remove_action = self._action(
            "Remove",
            self.remove_selected,
            QKeySequence.StandardKey.Delete,
            "remove",
            "Stop tracking the selected tasks",
        )
        self.retry_action = self._action(
            "Retry",
            self.retry_selected,
            "Ctrl+R",
            "retry",
            "Look up lost tasks again, fetch failed downloads again",
        )
        self.cancel_action = self._action(
            "Cancel task",
            self.cancel_selected,
            None,
            "cancel",
            "Ask the provider to cancel the selected tasks (where it can)",
        )
        self.copy_action = self._action(
            "Copy IDs",
            self.copy_ids,
            QKeySequence.StandardKey.Copy,
            "copy",
            "Copy the selected task IDs",
        )
        self.details_action = self._action(
            "Details", self.toggle_details, "Return", "details", "Show the details panel"
        )
        self.details_action.setShortcuts([QKeySequence("Return"), QKeySequence("Enter")])
        self.search_action = self._action(
            "Search", self.focus_search, QKeySequence.StandardKey.Find
        )
        self.settings_action = self._action(
            "Settings…", self.open_settings, "Ctrl+,", "settings", "Providers, keys and options"
        )
        self.quit_action = self._action("Quit", self.quit_app, QKeySequence.StandardKey.Quit)
        self.key_action = self._action(
            "Set API key…",
            self._key_for_selection,
            None,
            "key",
            "Add or change the API key of the selected task's provider",
        )

        toolbar = QToolBar("Actions", self)
        toolbar.setObjectName("actionsToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.add_action, self.remove_action, self.retry_action):
            toolbar.addAction(action)
        toolbar.addAction(self.cancel_action)
        toolbar.addAction(self.copy_action)
        toolbar.addSeparator()
        toolbar.addAction(self.details_action)
        spacer = QWidget(toolbar)
        spacer.setSizePolicy(
            spacer.sizePolicy().Policy.Expanding, spacer.sizePolicy().Policy.Preferred
        )
        toolbar.addWidget(spacer)
        toolbar.addAction(self.settings_action)
        self.addToolBar(toolbar)
        self.details_action.setCheckable(True)
        # Enter, Delete and Ctrl+C act on the table's rows only: in the search field
        # or a dialog they keep their usual meaning.
        for action in (self.details_action, self.remove_action, self.copy_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        for action in (
            self.key_action,
            self.copy_action,
            self.remove_action,
            self.retry_action,
            self.cancel_action,
            self.details_action,
        ):
            self.table.addAction(action)

    def _update_actions(self, views: list[TaskView] | None = None) -> None:
        if views is None:
            views = self.selected_views()
        self.remove_action.setEnabled(bool(views))
        self.copy_action.setEnabled(bool(views))
        self.retry_action.setEnabled(any(_retryable(v) for v in views))
        self.cancel_action.setEnabled(any(_cancellable(v) for v in views))
        problems = self.bridge.provider_problems
        self.key_action.setVisible(any(v.ref.provider in problems for v in views))

    def _key_for_selection(self) -> None:
        views = self.selected_views()
        self.open_settings(views[0].ref.provider if views else None)

    # -- commands ------------------------------------------------------------------

    def copy_ids(self) -> None:
        ids = [v.ref.task_id for v in self.selected_views()]
        if ids:
            QGuiApplication.clipboard().setText("\n".join(ids))
            self.statusBar().showMessage(f"Copied {counted(len(ids), 'task ID')}", 4000)

    def remove_selected(self) -> None:
        views = self.selected_views()
        if not views:
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Remove tasks")
        box.setText(f"Stop tracking {counted(len(views), 'task')}?")
        box.setInformativeText("Their saved result files stay on disk unless you tick the box.")
        purge = QCheckBox("Also delete their saved result files", box)
        box.setCheckBox(purge)
        box.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Ok).setText("Remove")
        if box.exec() != QMessageBox.StandardButton.Ok:
            return
        self._run(self._remove([v.key for v in views], purge.isChecked()))

    async def _remove(self, keys: list[str], purge: bool) -> None:
        outcome = await self.bridge.remove(keys, purge)
        message = getattr(outcome, "message", None) or f"Removed {counted(len(keys), 'task')}"
        self.statusBar().showMessage(message, 6000)

    def retry_selected(self) -> None:
        views = [v for v in self.selected_views() if _retryable(v)]
        self._run(self._each(views, self.bridge.retry, "Retry"))

    def cancel_selected(self) -> None:
        views = [v for v in self.selected_views() if _cancellable(v)]
        self._run(self._each(views, self.bridge.cancel, "Cancel"))

    async def _each(self, views: list[TaskView], command: Callable[[str], Any], verb: str) -> None:
        messages = await asyncio.gather(*(command(v.key) for v in views), return_exceptions=True)
        words = [
            f"{v.ref.task_id}: {m if not isinstance(m, BaseException) else f'error: {m}'}"
            for v, m in zip(views, messages, strict=True)
        ]
        self.statusBar().showMessage(f"{verb}: " + "; ".join(words), 8000)

    def _run(self, coro: Any) -> None:
        self.bridge.run(coro)

    def changeEvent(self, event: QEvent) -> None:
        # Action icons are drawn in the palette's text colour: redraw them on a switch.
        if event.type() == QEvent.Type.PaletteChange:
            for action, name in self._action_icons.items():
                action.setIcon(icons.action_icon(name))
        super().changeEvent(event)


def _retryable(view: TaskView) -> bool:
    return (
        view.state is State.LOST
        or view.download_failed
        or view.download_waiting  # a failed download waiting for its next try: now
        or (view.state is State.FAILED and view.error is not None and view.error.code == "gave_up")
    )


def _cancellable(view: TaskView) -> bool:
    provider = PROVIDERS.get(view.ref.provider)
    return provider is not None and provider.supports_cancel and not view.state.is_terminal
