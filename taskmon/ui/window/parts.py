"""The main window's parts that its first paint does not need: the details panel, the
result actions and saving, each built after that paint (ui/window/deferred.py) or at
once when something asks for it (`details`, `results`, `saving`).

A mixin of `MainWindow` (ui/window/main_window.py); the `import_*` steps let the
deferred parts load their modules a loop turn each, before they are built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow, QWidget

from taskmon.domain import TaskView
from taskmon.ui import icons

if TYPE_CHECKING:
    from taskmon.ui.banners import BannerArea
    from taskmon.ui.bridge import EngineBridge
    from taskmon.ui.details_panel import DetailsPanel
    from taskmon.ui.grid import ViewSwitch
    from taskmon.ui.media import Thumbnails
    from taskmon.ui.results_actions.install import ResultsActions
    from taskmon.ui.saving.save_actions import SaveController
    from taskmon.ui.table.filter_model import TaskFilterModel
    from taskmon.ui.table.task_model import TaskTableModel
    from taskmon.ui.table.task_table import TaskTable
    from taskmon.ui.window.deferred import DeferredParts

if TYPE_CHECKING:  # the mixin's methods run on the MainWindow, a QMainWindow
    _Base = QMainWindow
else:
    _Base = object


class WindowParts(_Base):
    """The parts built after the first paint, and the properties that build them sooner."""

    bridge: EngineBridge
    settings: QSettings
    model: TaskTableModel
    proxy: TaskFilterModel
    banners: BannerArea
    table: TaskTable
    thumbnails: Thumbnails
    views: ViewSwitch
    _later: DeferredParts
    _details_slot: QWidget

    if TYPE_CHECKING:

        def selected_views(self) -> list[TaskView]: ...  # MainWindow
        def open_settings(self, provider: str | None = None) -> None: ...  # MainWindow

    @property
    def details(self) -> DetailsPanel:
        """The details panel (ui/details_panel.py); built now if the window has not yet."""
        panel: DetailsPanel = self._later.ensure("details")
        return panel

    def details_shown(self) -> bool:
        """Whether the details panel is on (if built yet or not)."""
        return not self._details_slot.isHidden()

    def _details_if_built(self) -> DetailsPanel | None:
        panel: DetailsPanel | None = self._later.built("details")
        return panel

    def _install_details(self) -> DetailsPanel:
        from taskmon.ui.details_panel import DetailsPanel

        panel = DetailsPanel(self._details_slot)
        layout = self._details_slot.layout()
        assert layout is not None
        layout.addWidget(panel)
        # A child added to a frame already on screen shows only a loop turn later (the
        # layout queues it); its frame decides whether it is seen, so show it now.
        panel.show()
        panel.strip.set_thumbnails(self.thumbnails)
        views = self.selected_views()  # selected before the panel was there
        if len(views) == 1:
            panel.show_view(views[0], icons.provider_icon(views[0].ref.provider))
        return panel

    @property
    def results(self) -> ResultsActions:
        """Quick look, Open, Show in folder, Copy file/image/link (ui/results_actions/)."""
        parts: ResultsActions = self._later.ensure("results")
        return parts

    @property
    def saving(self) -> SaveController:
        """Save…, Save all, auto-save and drag-out (ui/saving/)."""
        parts: SaveController = self._later.ensure("saving")
        return parts

    def _install_results(self) -> ResultsActions:
        from taskmon.ui.results_actions.install import install_results_actions

        results = install_results_actions(self)
        self._share_table_actions()
        results.attach(self.views.grid)  # Space, Open, Show in folder, Copy on tiles too
        return results

    def _install_saving(self) -> SaveController:
        from taskmon.ui.saving.save_actions import install_saving

        saving = install_saving(self, self)
        self._share_table_actions()
        if saving.drag_out is not None:  # tiles drag out as rows do (Copy only)
            saving.drag_out.watch(self.views.grid)
        return saving

    def _share_table_actions(self) -> None:
        """The grid (built before these parts) gets the list's actions they added."""
        grid = self.views.grid
        known = set(grid.actions())
        grid.addActions([a for a in self.table.actions() if a not in known])


def import_details() -> None:
    import taskmon.ui.details_panel  # noqa: F401


def import_results() -> None:
    import taskmon.ui.results_actions.install  # noqa: F401


def import_saving_engine() -> None:
    from taskmon.service import AutoSaveSwitch, save_tracked_results  # noqa: F401


def import_saving_parts() -> None:
    import taskmon.ui.saving.drag_out
    import taskmon.ui.saving.result_settings  # noqa: F401


def import_saving() -> None:
    import taskmon.ui.saving.save_actions  # noqa: F401
