"""Save… (Ctrl+S), Save all to folder… and auto-save: putting results where the user wants.

One result: a file dialog suggesting the pattern's name for it. Several
results or tasks: a folder dialog, names from the pattern (a `/` in it makes
subfolders). The copying is the service's (`save_tracked_results`, the code
`taskmon save` shares): off the main thread, results not in the cache yet
fetched by the engine first, every result not saved said in its own words.
Auto-save is `run --save-to`'s AutoSaver, switched by the Results settings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QStatusBar, QTableView, QToolBar, QWidget

from taskmon.domain import State, TaskView, counted
from taskmon.downloads import PatternError, SavePattern, StorageError, usable_folder
from taskmon.service import (
    AutoSaveSwitch,
    SaveReport,
    SaveTarget,
    save_tracked_results,
    write_save_folder,
)
from taskmon.service import suggested_name as pattern_name
from taskmon.ui import icons
from taskmon.ui.banners import BannerArea
from taskmon.ui.bridge import EngineBridge
from taskmon.ui.saving import result_settings
from taskmon.ui.saving.drag_out import TableDragOut, install_drag_out
from taskmon.ui.saving.result_settings import shown_path
from taskmon.ui.saving.save_notice import SaveNotice
from taskmon.ui.table.filter_model import TaskFilterModel
from taskmon.ui.table.task_model import TaskTableModel

AUTO_SAVE_BANNER = "auto-save"


class SavingWindow(Protocol):
    """What saving needs of the main window."""

    @property
    def bridge(self) -> EngineBridge: ...
    @property
    def settings(self) -> QSettings: ...
    @property
    def table(self) -> QTableView: ...
    @property
    def proxy(self) -> TaskFilterModel: ...
    @property
    def model(self) -> TaskTableModel: ...
    @property
    def banners(self) -> BannerArea: ...
    def selected_views(self) -> list[TaskView]: ...
    def statusBar(self) -> QStatusBar: ...
    def open_settings(self, provider: str | None = None) -> None: ...


def literal_pattern(name: str) -> SavePattern:
    """A pattern that names a file exactly `name` (made safe); PatternError when it cannot."""
    return SavePattern.parse(name.replace("{", "{{").replace("}", "}}"))


def report_sentence(report: SaveReport, folder: Path) -> str:
    """`Saved 3 files to ~/Pictures/taskmon`, and how many were not saved."""
    where = shown_path(folder)
    if len(report.saved) == 1 and report.saved[0].parent == folder:
        words = f"Saved {report.saved[0].name} to {where}"
    elif report.saved:
        words = f"Saved {counted(len(report.saved), 'file')} to {where}"
    else:
        words = "Nothing saved"
    if report.problems:
        # The reasons, per result, are one click away (Details…): the line stays short.
        words += f"; {len(report.problems):,} not saved"
    return words


class SaveController(QObject):
    """The save actions, the status-bar notice and auto-save, for one window."""

    def __init__(self, window: SavingWindow, parent: QWidget) -> None:
        super().__init__(parent)
        self.window = window
        self.parent_widget = parent
        self.bridge = window.bridge
        self.settings = window.settings
        # Off in tests: Qt's own dialog can be driven; the desktop's may not be Qt at all.
        self.native_dialogs = True
        self.notice = SaveNotice(window.statusBar())
        window.statusBar().addWidget(self.notice, 1)
        self.auto_save = AutoSaveSwitch(
            self.bridge.service, on_saved=self._auto_saved, on_problem=self._auto_save_failed
        )
        self.jobs: list[asyncio.Task[object]] = []  # saves under way (tests await them)
        self.drag_out: TableDragOut | None = None  # set by install_saving

        self.save_action = QAction(icons.action_icon("save"), "Save…", parent)
        self.save_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Save))
        self.save_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.save_action.setToolTip("Save the selected tasks' results to a file or folder (Ctrl+S)")
        self.save_action.triggered.connect(lambda _checked=False: self.save_selected())
        self.save_all_action = QAction("Save all to folder…", parent)
        self.save_all_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.save_all_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.save_all_action.setToolTip(
            "Save the results of every finished task shown (Ctrl+Shift+S)"
        )
        self.save_all_action.triggered.connect(lambda _checked=False: self.save_all())
        parent.addAction(self.save_action)
        parent.addAction(self.save_all_action)
        window.table.addAction(self.save_action)
        window.table.addAction(self.save_all_action)
        toolbar = parent.findChild(QToolBar, "actionsToolbar")
        if toolbar is not None:
            actions = toolbar.actions()
            # After Copy IDs, before the separator that leads to Details.
            separators = [a for a in actions if a.isSeparator()]
            if separators:
                toolbar.insertAction(separators[0], self.save_action)
            else:
                toolbar.addAction(self.save_action)
        window.table.selectionModel().selectionChanged.connect(self.update_actions)
        self.bridge.tasksChanged.connect(self.update_actions)
        self.update_actions()

    # -- actions ---------------------------------------------------------------------

    def update_actions(self, *_args: object) -> None:
        views = self.window.selected_views()
        self.save_action.setEnabled(any(v.state is State.SUCCEEDED for v in views))

    def save_selected(self) -> None:
        """Ctrl+S: one result → a file dialog; several results or tasks → a folder dialog."""
        views = self.window.selected_views()
        finished = [v for v in views if v.state is State.SUCCEEDED]
        if not finished:
            self.notice.done("Nothing to save: the selected tasks have no results yet", None)
            return
        settings = result_settings.load(self.settings)
        if len(views) == 1 and len(finished[0].outputs) == 1:
            view = finished[0]
            name = pattern_name(view, 0, settings.pattern).name
            suffix = Path(name).suffix.lstrip(".")
            self.ask_file(
                settings.folder / name,
                suffix,
                lambda path: self.save_to_file(view, path),
            )
            return
        results = sum(len(v.outputs) for v in finished)
        self.ask_folder(
            f"Save {counted(results, 'result')} of {counted(len(views), 'task')} to",
            settings.folder,
            lambda folder: self.save_to_folder(views, folder),
        )

    def save_all(self) -> None:
        """Save the results of every finished task the filters show, into a folder."""
        views = self.shown_views()
        finished = [v for v in views if v.state is State.SUCCEEDED and v.outputs]
        if not finished:
            self.notice.done("Nothing to save: no finished task with results is shown", None)
            return
        results = sum(len(v.outputs) for v in finished)
        self.ask_folder(
            f"Save {counted(results, 'result')} of the {counted(len(finished), 'finished task')}"
            " shown to",
            result_settings.load(self.settings).folder,
            lambda folder: self.save_to_folder(finished, folder),
        )

    def shown_views(self) -> list[TaskView]:
        """The tasks the filters show, top to bottom."""
        proxy, model = self.window.proxy, self.window.model
        return [
            model.view_at(proxy.mapToSource(proxy.index(row, 0)).row())
            for row in range(proxy.rowCount())
        ]

    # -- dialogs (open(), never exec(): the engine's loop keeps running) ------------------

    def _dialog(self, title: str, directory: Path) -> QFileDialog:
        dialog = QFileDialog(self.parent_widget, title)
        dialog.setObjectName("saveResultsDialog")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if not self.native_dialogs:
            dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        start = directory
        while not start.is_dir() and start != start.parent:  # a folder not made yet
            start = start.parent
        dialog.setDirectory(str(start))
        return dialog

    def ask_file(self, suggested: Path, suffix: str, chosen: Callable[[Path], object]) -> None:
        dialog = self._dialog("Save result", suggested.parent)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        # A name already taken gets " (2)": nothing is ever replaced, so there is
        # nothing to confirm.
        dialog.setOption(QFileDialog.Option.DontConfirmOverwrite)
        if suffix:
            dialog.setDefaultSuffix(suffix)
        dialog.selectFile(suggested.name)
        dialog.fileSelected.connect(lambda path: chosen(Path(path)))
        dialog.open()

    def ask_folder(self, title: str, directory: Path, chosen: Callable[[Path], object]) -> None:
        dialog = self._dialog(title, directory)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly)
        if directory.is_dir():
            dialog.selectFile(str(directory))
        dialog.fileSelected.connect(lambda path: chosen(Path(path)))
        dialog.open()

    # -- saving ------------------------------------------------------------------------

    def save_to_file(self, view: TaskView, path: Path) -> asyncio.Task[object] | None:
        """Save the one result of `view` as `path` (numbered when the name is taken)."""
        try:
            pattern = literal_pattern(path.name)
        except PatternError as exc:
            self.notice.done(f"Not saved: {exc}", None, [str(exc)])
            return None
        return self._start([view.key], path.parent, pattern)

    def save_to_folder(self, views: Sequence[TaskView], folder: Path) -> asyncio.Task[object]:
        """Save every result of `views` into `folder`, named by the pattern setting."""
        return self._start([v.key for v in views], folder, None)

    def _start(
        self, keys: list[str], folder: Path, pattern: SavePattern | None
    ) -> asyncio.Task[object]:
        result_settings.remember_folder(self.settings, folder)
        self._share_folder()
        job = self.bridge.run(self._save(keys, folder, pattern))
        self.jobs.append(job)
        job.add_done_callback(self.jobs.remove)
        return job

    async def _save(self, keys: list[str], folder: Path, pattern: SavePattern | None) -> None:
        settings = result_settings.load(self.settings)
        try:
            real = await asyncio.to_thread(usable_folder, folder)
        except StorageError as exc:
            self.notice.done(f"Nothing saved: {exc}", None, [str(exc)])
            return
        target = SaveTarget(real, pattern or settings.pattern, metadata=settings.metadata)
        self.notice.working(f"Saving to {shown_path(folder)}…")

        def waiting(tasks: int) -> None:
            self.notice.working(
                f"Saving to {shown_path(folder)}: fetching the results of "
                f"{counted(tasks, 'task')} first…"
            )

        report = await save_tracked_results(self.bridge.service, keys, target, on_waiting=waiting)
        self.notice.done(
            report_sentence(report, real), real if report.saved else None, report.problems
        )

    # -- auto-save ---------------------------------------------------------------------

    def apply_settings(self) -> asyncio.Task[object]:
        """Switch auto-save as the Results settings say (the folder is checked first)."""
        self._share_folder()
        return self.bridge.run(self._apply_auto_save())

    def _share_folder(self) -> None:
        """`taskmon save` defaults to the folder chosen here (it cannot read QSettings)."""
        directory = getattr(self.bridge.service, "directory", None)
        if directory is None:
            return
        try:
            write_save_folder(directory, result_settings.load(self.settings).folder)
        except OSError as exc:  # the window's own saves go on; only the CLI's default is stale
            self.notice.done(f"Could not share the save folder with taskmon save: {exc}", None)

    async def _apply_auto_save(self) -> None:
        settings = result_settings.load(self.settings)
        if not settings.auto_save:
            self.auto_save.set_target(None)
            self.window.banners.set(AUTO_SAVE_BANNER, None)
            return
        try:
            folder = await asyncio.to_thread(usable_folder, settings.auto_save_folder)
        except StorageError as exc:
            self.auto_save.set_target(None)
            self._auto_save_failed(f"auto-save is off: {exc}")
            return
        self.window.banners.set(AUTO_SAVE_BANNER, None)
        self.auto_save.set_target(SaveTarget(folder, settings.pattern, settings.metadata))

    def _auto_saved(self, path: Path) -> None:
        self.notice.done(f"Auto-saved {path.name} to {shown_path(path.parent)}", path.parent)

    def _auto_save_failed(self, message: str) -> None:
        self.window.banners.set(
            AUTO_SAVE_BANNER,
            f"Auto-save: {message}",
            "warning",
            ("Results settings…", self.open_results_settings),
        )

    def open_results_settings(self) -> None:
        self.window.open_settings(None)
        from taskmon.ui.saving.results_page import ResultsPage

        pages = self.parent_widget.findChildren(ResultsPage)
        if pages:
            pages[-1].show_itself()  # the dialog just opened (a closed one may linger)


def install_saving(window: SavingWindow, parent: QWidget) -> SaveController:
    """Add Save…, Save all, the notice, auto-save and drag-out to the main window."""
    controller = SaveController(window, parent)
    controller.drag_out = install_drag_out(window, parent, controller)
    controller.apply_settings()
    return controller
