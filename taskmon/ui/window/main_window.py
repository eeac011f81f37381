"""The main window: the task table, its filters, the details panel and the actions.

`MainWindow` owns the widgets and wires the parts: its actions and commands
(ui/window/actions.py), what is pasted or dropped in (ui/window/intake.py), and
closing, Quit and the settings it restores (ui/window/state.py).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import QItemSelection, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from taskmon.domain import State, TaskView
from taskmon.keys import KeySource, env_var
from taskmon.providers import PROVIDERS
from taskmon.ui import icons
from taskmon.ui.adding.clipboard_watch import ClipboardOffer, ClipboardWatcher
from taskmon.ui.banners import BannerArea
from taskmon.ui.bridge import EngineBridge
from taskmon.ui.filter_bar import FilterBar
from taskmon.ui.grid import install_grid
from taskmon.ui.keep_watch import install_keep
from taskmon.ui.media import install_thumbnails
from taskmon.ui.table.filter_model import TaskFilterModel
from taskmon.ui.table.keep_cells import UNSAVED
from taskmon.ui.table.task_model import CLOCK_COLUMNS, TaskTableModel
from taskmon.ui.table.task_table import TaskTable
from taskmon.ui.window.actions import WindowActions
from taskmon.ui.window.deferred import DeferredParts
from taskmon.ui.window.intake import MAX_DROPPED_FILE_BYTES, WindowIntake
from taskmon.ui.window.parts import (
    WindowParts,
    import_details,
    import_results,
    import_saving,
    import_saving_engine,
    import_saving_parts,
)
from taskmon.ui.window.state import SETTINGS_VERSION, WindowState

if TYPE_CHECKING:
    pass

__all__ = ["MAX_DROPPED_FILE_BYTES", "SETTINGS_VERSION", "MainWindow"]

# The details panel's minimum width (details_panel.MIN_WIDTH_PX), held by its frame from
# the start: the splitter sizes the frame as it did the panel before it was built later.
DETAILS_MIN_WIDTH_PX: Final = 280


class MainWindow(WindowActions, WindowIntake, WindowState, WindowParts, QMainWindow):
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
        staged: bool = False,
    ) -> None:
        """Built at once; with `staged`, only begun: `finish_building()` or `open()` ends it."""
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
        self._action_icons: dict[QAction, str] = {}
        self._reveal: tuple[str, set[str]] | None = None  # an add's summary, awaiting rows
        self._keyring_problem: str | None = None  # set once check_keyring() found none
        self._keyring_checked_for: set[str] = set()
        self._staged = staged
        self._stages: Iterator[None] = self._build(clock)
        if not staged:
            self.finish_building()

    @classmethod
    async def open(
        cls, bridge: EngineBridge, settings: QSettings, **kwargs: Any
    ) -> MainWindow:
        """The window built a stage per event-loop turn, so that no stretch of the start-up
        holds the main thread long (bench/ui.py, start-up stall); ready to show."""
        window = cls(bridge, settings, staged=True, **kwargs)
        for _stage in window._stages:
            await asyncio.sleep(0)  # a loop turn: Qt's events, the engine's tasks
        return window

    def finish_building(self) -> None:
        """Run the construction stages not run yet (all of them unless `staged`)."""
        for _stage in self._stages:
            pass

    # -- construction ------------------------------------------------------------

    def _build(self, clock: Callable[[], datetime] | None) -> Iterator[None]:
        """The window's parts, in stages of a few ms to ~25 ms each; the window is complete
        for its first paint after the last (the parts in `_later` come after that paint)."""
        self.model = TaskTableModel(icons.provider_icon, icons.state_icon, self, clock=clock)
        self.proxy = TaskFilterModel(self)
        self.proxy.setSourceModel(self.model)
        # Its first combo box item makes PySide6 create the Python enum classes still
        # missing (~100 of them): a stage of its own.
        self.filter_bar = FilterBar(PROVIDERS, icons.provider_icon, self)
        yield
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
        # The details panel's frame in the splitter: its place, size and shown state from
        # the start; the panel itself is built into it after the first paint (`details`).
        self._details_slot = QWidget(self)
        self._details_slot.setObjectName("detailsSlot")
        self._details_slot.setMinimumWidth(DETAILS_MIN_WIDTH_PX)
        QVBoxLayout(self._details_slot).setContentsMargins(0, 0, 0, 0)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self._details_slot)
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
        # As tall as the save notice's buttons from the start: a status bar takes the
        # height of its tallest widget, shown or not, and the notice (built after the first
        # paint) made it taller then, shrinking the table, which Qt repaints whole.
        button = QToolButton()
        button.setText("Show folder")
        self.counts_label.setMinimumHeight(button.sizeHint().height())
        self.statusBar().addPermanentWidget(self.counts_label)
        yield

        self._make_actions()
        # Built after the first paint, a loop turn or two each, or on first use (`details`,
        # `results`, `saving`).
        self._later = DeferredParts(self.table.viewport(), self)
        self._later.add("details", self._install_details, [import_details])
        self._later.add("results", self._install_results, [import_results])
        self._later.add(
            "saving",
            self._install_saving,
            [import_saving_engine, import_saving_parts, import_saving],
        )
        # Its menu now, filled later: the menu bar is there at the first paint.
        self.menuBar().addMenu("&Results").setObjectName("resultsMenu")
        self._connect()
        self._restore()
        yield
        self.keep = install_keep(self, clock)  # Needs attention, link expiry, Prompt column
        self.thumbnails = install_thumbnails(self)  # list column and details strip (ui/media)
        self.views = install_grid(self)  # the grid beside the list, Ctrl+1 / Ctrl+2 (ui/grid)
        # Tasks the engine already tracks (restored from the store) before we listened:
        # in chunks, after the window has drawn (built at once: at once, as tests expect).
        if self._staged:
            self._later.after_paint(self._first_rows)
        else:
            self.bridge.replay()

    def _first_rows(self) -> None:
        """After the first paint: the stored rows, and meanwhile what their first paint needs;
        the parts built after the first paint wait until the rows are in."""
        if self.bridge.replay():
            row_icons = [icons.provider_icon(name) for name in PROVIDERS]
            row_icons += [icons.state_icon(name) for name in (*State, UNSAVED, None)]
            self.table.warm_up(row_icons)
            self._later.hold_while(self.bridge.rows_pending)

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
        self.table.lay_out_now()
        self._reveal_when_in_table()
        if self._keyring_problem is not None and not self._keyring_checked_for.issuperset(
            v.ref.provider for v in views
        ):  # a provider newly in use may lack a key
            self._keyring_checked_for.update(v.ref.provider for v in views)
            self.bridge.run(self.check_keyring())
        self._refresh_counts()
        panel = self._details_if_built()
        current = panel.current() if panel is not None else None
        if current is not None:
            row = self.model.row_of(current.key)
            if row is not None:
                self._show_in_details(self.model.view_at(row))
        self._update_actions()

    def _on_clock(self) -> None:
        self.table.repaint_columns(CLOCK_COLUMNS)
        panel = self._details_if_built()
        current = panel.current() if panel is not None else None
        if current is not None and panel is not None and panel.isVisible():
            self._show_in_details(current)

    def _on_tasks_removed(self, keys: list[str]) -> None:
        self.model.remove(keys)
        self.table.lay_out_now()
        if self._reveal is not None:  # removed meanwhile: no longer awaited
            self._reveal = (self._reveal[0], self._reveal[1].difference(keys))
            self._reveal_when_in_table()
        self._refresh_counts()
        panel = self._details_if_built()
        current = panel.current() if panel is not None else None
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
        panel = self._details_if_built()
        if panel is None:  # it shows the selection when it is built
            return
        icon = icons.provider_icon(view.ref.provider) if view is not None else None
        panel.show_view(view, icon)

    def toggle_details(self) -> None:
        self.show_details(not self.details_shown())

    def show_details(self, visible: bool) -> None:
        """Show or hide the details panel; showing it builds it now if it is not yet."""
        if visible:
            self._later.ensure("details")
        self._restore_details(visible)

    def _restore_details(self, visible: bool) -> None:
        """As restored at start: the panel's frame shown or not, the panel built later."""
        self._details_slot.setVisible(visible)
        self.details_action.setChecked(visible)

    def focus_search(self) -> None:
        self.filter_bar.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_bar.search.selectAll()

    # -- settings --------------------------------------------------------------------

    def open_settings(self, provider: str | None = None) -> None:
        from taskmon.ui.settings.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.bridge, self.settings, self, provider=provider)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()


def _joined(words: list[str]) -> str:
    """`A`, `A and B`, `A, B and C`."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
