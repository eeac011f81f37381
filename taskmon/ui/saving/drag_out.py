"""Drag out: a task's row (or a thumbnail, or the preview) dropped on a file manager,
the desktop or an editor hands over its result files.

The drag carries `text/uri-list` file URLs of the files in taskmon's media
cache and offers Copy only: a file manager that would Move (its habit for a
drag within one disk) would take the result out of the cache. It also
carries the tasks' keys under a format of our own, so a drop back onto the
window (which adds dropped files as tasks) is refused. A result not in the
cache yet cannot be dragged: the drag does not start and says why ("still
downloading (42 %)").

`result_mime_data(views)` is what any view calls (the task table here; a grid
or quick look the same way); `start_result_drag` starts the drag or says why not.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final, Protocol

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QMimeData,
    QModelIndex,
    QObject,
    QPoint,
    Qt,
    QUrl,
)
from PySide6.QtGui import QDrag, QDropEvent, QMouseEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QStatusBar,
    QTableView,
    QToolTip,
    QWidget,
)

from taskmon.domain import State, TaskView, counted
from taskmon.service import download_progress
from taskmon.ui import icons
from taskmon.ui.bridge import EngineBridge

# The keys of the tasks dragged: lets our own window tell its drag from a file drop.
OWN_FORMAT: Final = "application/x-taskmon-task-keys"
COPY_ONLY: Final = Qt.DropAction.CopyAction
_RESULTS_NOT_SAVED: Final = "results not saved"

Progress = Callable[[TaskView], float | None]


def percent(fraction: float) -> str:
    """`42 %`; never 100 % before the end, never 0 % once something came."""
    value = int(fraction * 100)
    if fraction > 0 and value == 0:
        value = 1
    return f"{min(value, 99)} %"


def drag_refusal(view: TaskView, progress: Progress | None = None) -> str | None:
    """Why `view`'s results cannot be dragged now, in words; None when they can."""
    if view.state is not State.SUCCEEDED:
        if not view.state.is_terminal:
            running = f", {percent(view.progress)}" if view.progress is not None else ""
            return f"not finished yet ({view.state.value}{running})"
        return f"no results: the task {view.state.value}"
    if not view.outputs:
        return "no results: the provider gave none"
    if len(view.files) < len(view.outputs):
        if view.downloads_pending:
            fraction = progress(view) if progress is not None else None
            return (
                "still downloading"
                if fraction is None
                else f"still downloading ({percent(fraction)})"
            )
        problem = view.problem or _RESULTS_NOT_SAVED
        return (
            problem
            if problem.startswith(_RESULTS_NOT_SAVED)
            else f"{_RESULTS_NOT_SAVED}: {problem}"
        )
    for path in view.files:
        try:
            plain = stat.S_ISREG(os.lstat(path).st_mode)
        except OSError:
            plain = False
        if not plain:
            return f"its result file is no longer in taskmon's media cache ({Path(path).name})"
    return None


def result_mime_data(
    views: Sequence[TaskView], progress: Progress | None = None
) -> QMimeData | str:
    """The drag data for `views`' result files, or why they cannot be dragged (a sentence).

    All or nothing: when one task's results are not here yet, nothing is
    dragged, so a drop never silently lacks a file the user expected.
    """
    if not views:
        return "nothing selected"
    refusals = [(v, why) for v in views if (why := drag_refusal(v, progress)) is not None]
    if refusals:
        view, why = refusals[0]
        if len(views) == 1:
            return why
        more = f" (and {counted(len(refusals) - 1, 'other task')})" if len(refusals) > 1 else ""
        return f"{view.label or view.ref.task_id}: {why}{more}"
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(Path(p).absolute())) for v in views for p in v.files])
    mime.setData(OWN_FORMAT, QByteArray("\n".join(v.key for v in views).encode()))
    return mime


def make_drag(source: QObject, mime: QMimeData, views: Sequence[TaskView]) -> QDrag:
    """A QDrag of `mime` with a small picture: the provider's badge and the file count."""
    drag = QDrag(source)
    drag.setMimeData(mime)
    files = len(mime.urls())
    pixmap = QPixmap(148, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    icons.provider_icon(views[0].ref.provider).paint(painter, 0, 0, 32, 32)
    painter.drawText(
        pixmap.rect().adjusted(38, 0, 0, 0),
        Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
        counted(files, "file"),
    )
    painter.end()
    drag.setPixmap(pixmap)
    drag.setHotSpot(QPoint(16, 16))
    return drag


def start_result_drag(
    source: QWidget,
    views: Sequence[TaskView],
    progress: Progress | None = None,
    say: Callable[[str], None] | None = None,
) -> QDrag | None:
    """Drag `views`' result files out of `source` (Copy only); or say why not and return None.

    Blocks in Qt's drag loop until the drop, as every Qt drag does.
    """
    mime = result_mime_data(views, progress)
    if isinstance(mime, str):
        text = f"Can't drag: {mime}"
        QToolTip.showText(source.cursor().pos(), text, source)
        if say is not None:
            say(text)
        return None
    drag = make_drag(source, mime, views)
    drag.exec(COPY_ONLY, Qt.DropAction.CopyAction)
    return drag


class _DragHost(Protocol):
    @property
    def bridge(self) -> EngineBridge: ...
    @property
    def table(self) -> QTableView: ...

    def selected_views(self) -> list[TaskView]: ...
    def statusBar(self) -> QStatusBar: ...


class TableDragOut(QObject):
    """Starts a drag from the task table's selected rows, keeping mouse selection as it was.

    A press on a selected row is held back: moving past the start-drag
    distance drags the selection out; releasing without moving hands the
    held press to the table after all (a plain click: select that row). A
    press anywhere else is the table's own (click, Ctrl/Shift+click, drag
    to select a range).
    """

    def __init__(self, host: _DragHost, parent: QObject) -> None:
        super().__init__(parent)
        self.host = host
        self.table = host.table
        self._held: QMouseEvent | None = None
        self._replaying = False
        # A seam: tests see the drag that would start instead of entering Qt's drag loop.
        self.start_drag: Callable[[Sequence[TaskView]], QDrag | None] = self._start_drag
        self._views: dict[QObject, QAbstractItemView] = {}
        self.watch(self.table)

    def watch(self, view: QAbstractItemView) -> None:
        """Drag out from `view` too (the grid: the same tasks, proxy and selection)."""
        self._views[view.viewport()] = view
        view.viewport().installEventFilter(self)

    def progress(self, view: TaskView) -> float | None:
        directory = self.host.bridge.service.directory
        return None if directory is None else download_progress(directory, view)

    def _start_drag(self, views: Sequence[TaskView]) -> QDrag | None:
        status = self.host.statusBar()
        return start_result_drag(
            self.table, views, self.progress, lambda text: status.showMessage(text, 6000)
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        view = self._views.get(watched)
        if view is None or self._replaying or not isinstance(event, QMouseEvent):
            return False
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            self._held = None
            if self._on_selected_row(view, event):
                self._held = QMouseEvent(
                    event.type(),
                    event.position(),
                    event.scenePosition(),
                    event.globalPosition(),
                    event.button(),
                    event.buttons(),
                    event.modifiers(),
                )
                view.setFocus(Qt.FocusReason.MouseFocusReason)
                return True
            return False
        if kind == QEvent.Type.MouseMove and self._held is not None:
            if not event.buttons() & Qt.MouseButton.LeftButton:
                self._held = None
                return False
            moved = event.position() - self._held.position()
            if moved.manhattanLength() >= QApplication.startDragDistance():
                self._held = None
                self.start_drag(self.host.selected_views())
            return True
        if kind == QEvent.Type.MouseButtonRelease and self._held is not None:
            held, self._held = self._held, None
            self._replaying = True  # the press reaches the table as if never held
            try:
                QApplication.sendEvent(view.viewport(), held)
            finally:
                self._replaying = False
            return False
        return False

    @staticmethod
    def _on_selected_row(view: QAbstractItemView, event: QMouseEvent) -> bool:
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        if event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        ):
            return False
        index = view.indexAt(event.position().toPoint())
        if not index.isValid():
            return False
        return view.selectionModel().isRowSelected(index.row(), QModelIndex())


class OwnDropGuard(QObject):
    """Refuses, on the window, drops of our own drags: dragged results are not new tasks."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # QDragEnterEvent and QDragMoveEvent are QDropEvents: all three carry the data.
        if isinstance(event, QDropEvent):
            mime = event.mimeData()
            if mime is not None and mime.hasFormat(OWN_FORMAT):
                event.ignore()
                return True
        return False


def install_drag_out(host: _DragHost, window: QWidget, parent: QObject) -> TableDragOut:
    """Drag-out from the task table, and the window's refusal of its own drags."""
    guard = OwnDropGuard(parent)
    window.installEventFilter(guard)
    return TableDragOut(host, parent)
