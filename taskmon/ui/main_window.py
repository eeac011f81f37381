"""The main window: the task table, its filters, the details panel and the actions."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from PySide6.QtCore import QByteArray, QEvent, QItemSelection, QItemSelectionModel, QSettings, Qt
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from taskmon.domain import State, TaskView, counted
from taskmon.keys import KeySource, env_var
from taskmon.providers import PROVIDERS
from taskmon.ui import icons
from taskmon.ui.adding.clipboard_watch import ClipboardOffer, ClipboardWatcher
from taskmon.ui.banners import BannerArea
from taskmon.ui.bridge import EngineBridge
from taskmon.ui.details_panel import DetailsPanel
from taskmon.ui.filter_bar import FilterBar
from taskmon.ui.grid import install_grid
from taskmon.ui.keep_watch import install_keep
from taskmon.ui.media import install_thumbnails
from taskmon.ui.saving.save_actions import install_saving
from taskmon.ui.table.filter_model import TaskFilterModel
from taskmon.ui.table.task_model import CLOCK_COLUMNS, TaskTableModel
from taskmon.ui.table.task_table import TaskTable

SETTINGS_VERSION: Final = 1
MAX_DROPPED_FILE_BYTES: Final = 4 * 1024 * 1024


class MainWindow(QMainWindow):
    """Every tracked task across providers; talks to the engine only through the bridge."""

    def __init__(
        self,
        bridge: EngineBridge,
        settings: QSettings,
        *,
        title_suffix: str = "",
        demo: bool = False,
        parent: QWidget | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        # What brings a hidden window back: the demo has its own rendezvous (ui/demo.py).
        self.relaunch_command = "taskmon --demo" if demo else "taskmon"
        self.bridge = bridge
        self.settings = settings
        self.quit_requested: Callable[[], None] = QApplication.quit
        # Hooks of the tray (ui/tray/install.py): closing to the tray, asking before Quit.
        self.close_handler: Callable[[QCloseEvent], bool] | None = None
        self.confirm_quit: Callable[[], bool] | None = None
        self.setObjectName("mainWindow")
        self.setWindowTitle("taskmon" + title_suffix)
        self.setWindowIcon(icons.app_icon())
        self.setAcceptDrops(True)
        self.resize(1440, 820)

        self.model = TaskTableModel(icons.provider_icon, icons.state_icon, self, clock=clock)
        self.proxy = TaskFilterModel(self)
        self.proxy.setSourceModel(self.model)

        self.filter_bar = FilterBar(PROVIDERS, icons.provider_icon, self)
        self.banners = BannerArea(self)
        self.clipboard_offer = ClipboardOffer(self.add_text, self)
        self.clipboard_watcher = ClipboardWatcher(
            lambda key: self.model.row_of(key) is not None, self
        )
        self.clipboard_watcher.found.connect(self.clipboard_offer.offer)
        self.table = TaskTable(self)
        self.table.setModel(self.proxy)
        self.table.apply_default_widths()
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # insertion order first
        self.details = DetailsPanel(self)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(True)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.banners)
        layout.addWidget(self.clipboard_offer)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.counts_label = QLabel(self)
        self.counts_label.setObjectName("stateCounts")
        self.statusBar().addPermanentWidget(self.counts_label)

        self._action_icons: dict[QAction, str] = {}
        self._reveal: tuple[str, set[str]] | None = None  # an add's summary, awaiting rows
        self._keyring_problem: str | None = None  # set once check_keyring() found none
        self._keyring_checked_for: set[str] = set()
        self._make_actions()
        from taskmon.ui.results_actions.install import install_results_actions

        self.results = install_results_actions(self)  # quick look, Open, Show in folder, Copy
        self._connect()
        # Save…, Save all, auto-save and drag-out (ui/saving/).
        self.saving = install_saving(self, self)
        self._restore()
        self.keep = install_keep(self, clock)  # Needs attention, link expiry, Prompt column
        self.thumbnails = install_thumbnails(self)  # list column and details strip (ui/media)
        self.views = install_grid(self)  # the grid beside the list, Ctrl+1 / Ctrl+2 (ui/grid)
        # Tasks the engine already tracks (restored from the store) before we listened:
        # in chunks, after the window has drawn.
        bridge.replay()

    # -- construction ------------------------------------------------------------

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

    def _connect(self) -> None:
        self.bridge.tasksChanged.connect(self._on_tasks_changed)
        self.bridge.tasksRemoved.connect(self._on_tasks_removed)
        self.bridge.providerStatus.connect(self._on_provider_status)
        self.bridge.storeStatus.connect(self._on_store_status)
        self.bridge.showRequested.connect(self.bring_to_front)
        self.filter_bar.statesChanged.connect(self.proxy.set_states)
        self.filter_bar.providerChanged.connect(
            lambda name: self.proxy.set_providers(None if name is None else [name])
        )
        self.filter_bar.textChanged.connect(self.proxy.set_text)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.model.clockTicked.connect(self._on_clock)
        self.table.doubleClicked.connect(
            lambda i: self.results.double_clicked(i, otherwise=lambda: self.show_details(True))
        )
        self._update_actions()

    # -- engine updates ------------------------------------------------------------

    def _on_tasks_changed(self, views: list[TaskView]) -> None:
        self.model.apply(views)
        self._reveal_when_in_table()
        if self._keyring_problem is not None and not self._keyring_checked_for.issuperset(
            v.ref.provider for v in views
        ):  # a provider newly in use may lack a key
            self._keyring_checked_for.update(v.ref.provider for v in views)
            self.bridge.run(self.check_keyring())
        self._refresh_counts()
        current = self.details.current()
        if current is not None:
            row = self.model.row_of(current.key)
            if row is not None:
                self._show_in_details(self.model.view_at(row))
        self._update_actions()

    def _on_clock(self) -> None:
        self.table.repaint_columns(CLOCK_COLUMNS)
        current = self.details.current()
        if current is not None and self.details.isVisible():
            self._show_in_details(current)

    def _on_tasks_removed(self, keys: list[str]) -> None:
        self.model.remove(keys)
        if self._reveal is not None:  # removed meanwhile: no longer awaited
            self._reveal = (self._reveal[0], self._reveal[1].difference(keys))
            self._reveal_when_in_table()
        self._refresh_counts()
        current = self.details.current()
        if current is not None and current.key in keys:
            self._show_in_details(None)
        self._update_actions()

    def _on_provider_status(self, provider: str, problem: str | None, kind: str) -> None:
        action = None
        if problem and kind in ("no_key", "key_rejected", "access_denied", "misconfigured"):
            label = {"no_key": "Add key…", "misconfigured": "Change address…"}.get(
                kind, "Change key…"
            )
            action = (label, lambda: self.open_settings(provider))
        self.banners.set(f"provider:{provider}", problem, "warning", action)
        self._update_actions()

    def _on_store_status(self, problem: str | None) -> None:
        text = None
        if problem:
            text = f"Cannot save to the task store: {problem}. Tracking goes on in memory."
        self.banners.set("store", text, "error")

    async def check_keyring(self) -> None:
        """Warn, in one sentence, when keys can't be saved and a provider in use has none.

        Providers in use are those of the tracked tasks; a key from the
        environment (TASKMON_<PROVIDER>_API_KEY) needs no keyring.
        """
        status = await self.bridge.keyring_status()
        self._keyring_problem = None if status.available else status.message
        in_use = sorted({v.ref.provider for v in self.model.views()})
        self._keyring_checked_for = set(in_use)
        if status.available:
            self.banners.set("keyring", None)
            return
        lacking = [p for p in in_use if await self.bridge.key_source(p) is KeySource.NONE]
        if not lacking:
            self.banners.set("keyring", None)
            return
        names = _joined([PROVIDERS[p].display_name for p in lacking])
        verb = "has" if len(lacking) == 1 else "have"
        text = f"There is no keyring to save API keys in, and {names} {verb} no key."
        action = ("How to fix", lambda: self._explain_keyring(lacking))
        self.banners.set("keyring", text, "error", action)

    def _explain_keyring(self, lacking: list[str]) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle("No keyring for API keys")
        box.setText("taskmon keeps API keys in the system keyring, and none works here.")
        variables = "\n".join(f"    {env_var(p)}=…" for p in lacking)
        box.setInformativeText(
            f"Either: {self._keyring_problem or 'install a keyring'}.\n\n"
            f"Or set the key in the environment before starting taskmon:\n{variables}"
        )
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.open()

    def _refresh_counts(self) -> None:
        counts = Counter(v.state.value for v in self.model.views())
        self.filter_bar.set_counts(counts)
        parts = [f"{counts[s.value]} {s.value}" for s in State if counts[s.value]]
        self.counts_label.setText("   ·   ".join(parts) if parts else "no tasks")

    # -- selection and details -------------------------------------------------------

    def selected_views(self) -> list[TaskView]:
        """The selected tasks, top to bottom.

        From the selection's row ranges, not `selectedRows()`: that asks the
        model about every cell of every row (450,000 calls into Python for a
        select-all of 1,000 rows).
        """
        rows: set[int] = set()
        selection = self.table.selectionModel().selection()
        for i in range(selection.count()):  # QItemSelection's stubs know no __iter__
            span = selection.at(i)
            rows.update(range(span.top(), span.bottom() + 1))
        proxy, model = self.proxy, self.model
        return [model.view_at(proxy.source_row(r)) for r in sorted(rows)]

    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        views = self.selected_views()
        self._show_in_details(views[0] if len(views) == 1 else None)
        self._update_actions(views)

    def _show_in_details(self, view: TaskView | None) -> None:
        icon = icons.provider_icon(view.ref.provider) if view is not None else None
        self.details.show_view(view, icon)

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

    def toggle_details(self) -> None:
        self.show_details(not self.details.isVisible())

    def show_details(self, visible: bool) -> None:
        self.details.setVisible(visible)
        self.details_action.setChecked(visible)

    def focus_search(self) -> None:
        self.filter_bar.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_bar.search.selectAll()

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

    # -- adding --------------------------------------------------------------------

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

    # -- settings --------------------------------------------------------------------

    def open_settings(self, provider: str | None = None) -> None:
        from taskmon.ui.settings.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.bridge, self.settings, self, provider=provider)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    # -- window life -------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        # Action icons are drawn in the palette's text colour: redraw them on a switch.
        if event.type() == QEvent.Type.PaletteChange:
            for action, name in self._action_icons.items():
                action.setIcon(icons.action_icon(name))
        super().changeEvent(event)

    def bring_to_front(self) -> None:
        self.show()
        self.setWindowState(
            (self.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive
        )
        self.raise_()
        self.activateWindow()

    def quit_app(self) -> None:
        self._save()
        if self.confirm_quit is None or self.confirm_quit():
            self.quit_requested()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._save()
        if self.close_handler is not None and self.close_handler(event):
            return
        active = [v for v in self.model.views() if not v.state.is_terminal or v.downloads_pending]
        choice = self.settings.value("close/choice", "", str)
        if active and choice not in ("background", "quit"):
            choice = self._ask_on_close(len(active))
        if choice == "cancel":
            event.ignore()
            return
        event.accept()
        if choice == "background" and active:
            self.hide()
            self.statusBar().showMessage("Polling goes on in the background")
        else:
            self.quit_requested()

    def _ask_on_close(self, active: int) -> str:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Tasks are still running")
        box.setText(
            f"{counted(active, 'task is', 'tasks are')} still running or saving results."
        )
        box.setInformativeText(
            "Keep tracking them in the background? "
            f"Run {self.relaunch_command} again to bring this window back."
        )
        keep = box.addButton("Keep polling", QMessageBox.ButtonRole.AcceptRole)
        quit_button = box.addButton("Quit", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        remember = QCheckBox("Don't ask again", box)
        box.setCheckBox(remember)
        box.setDefaultButton(keep)
        box.exec()
        clicked = box.clickedButton()
        choice = "background" if clicked is keep else "quit" if clicked is quit_button else "cancel"
        if remember.isChecked() and choice != "cancel":
            self.settings.setValue("close/choice", choice)
        return choice

    # -- persistence -------------------------------------------------------------------

    def _save(self) -> None:
        s = self.settings
        s.setValue("window/version", SETTINGS_VERSION)
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("window/header", self.table.horizontalHeader().saveState())
        s.setValue("window/columns_auto", self.table.auto_columns)
        s.setValue("window/details", self.details.isVisible())
        s.setValue("filter/chip", self.filter_bar.chip())
        s.setValue("filter/provider", self.filter_bar.provider())
        s.setValue("filter/text", self.filter_bar.search.text())
        s.sync()

    def _restore(self) -> None:
        s = self.settings
        if s.value("window/version", 0, int) == SETTINGS_VERSION:
            for key, restore in (
                ("window/geometry", self.restoreGeometry),
                ("window/state", self.restoreState),
                ("window/splitter", self.splitter.restoreState),
                ("window/header", self.table.horizontalHeader().restoreState),
            ):
                value = s.value(key)
                if isinstance(value, QByteArray | bytes):
                    restore(QByteArray(value))
        else:
            self.splitter.setSizes([1080, 360])
        self.table.auto_columns = bool(s.value("window/columns_auto", True, bool))
        self.table.fit_columns()
        self.show_details(bool(s.value("window/details", False, bool)))
        self.filter_bar.set_chip(str(s.value("filter/chip", "All", str)))
        self.filter_bar.set_provider(str(s.value("filter/provider", "", str)))
        self.filter_bar.search.setText(str(s.value("filter/text", "", str)))
        self.clipboard_watcher.set_enabled(bool(s.value("clipboard/watch", False, bool)))


def _joined(words: list[str]) -> str:
    """`A`, `A and B`, `A, B and C`."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _accept_as_copy(event: QDropEvent) -> None:
    if event.possibleActions() & Qt.DropAction.CopyAction:
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
    else:
        event.ignore()


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
