"""Results that land while the window runs get their thumbnails at once, in the background.

A task's files appear in its row when their download completes (`dataChanged`
of a row the model already had). Those files are handed to `Thumbnails.prefetch`
whether the row is on screen or not, so by the time someone scrolls to it,
switches to the grid or opens the details, the thumbnail is in memory and in
the disk cache. Rows that arrive with their files (a restart replaying the store)
are not prefetched: their thumbnails are made when they are shown.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex

from taskmon.domain import TaskView
from taskmon.ui.media.thumbnails import Thumbnails

ModelIndex = QModelIndex | QPersistentModelIndex


class LandingWatch(QObject):
    """Watches `model` (rows with a TaskView under `view_role`) for files that land."""

    def __init__(
        self,
        model: QAbstractItemModel,
        thumbnails: Thumbnails,
        view_role: int,
        parent: QObject | None = None,
    ) -> None:
        # Not the model's child: it refers to the model, and a child referring to its parent
        # is a cycle Python frees by a collection, on whatever thread runs it, taking the
        # model's clock timer down from the wrong thread.
        super().__init__(parent)
        self._model = model
        self._thumbnails = thumbnails
        self._role = view_role
        self._files: dict[str, tuple[str, ...]] = {}  # per task key, the files seen
        self.landed = 0  # files handed over for a thumbnail (tests count)
        model.rowsInserted.connect(self._on_inserted)
        model.rowsAboutToBeRemoved.connect(self._on_removing)
        model.dataChanged.connect(self._on_changed)
        self._on_inserted(QModelIndex(), 0, model.rowCount() - 1)  # rows already there

    def _view(self, row: int) -> TaskView | None:
        view = self._model.index(row, 0).data(self._role)
        return view if isinstance(view, TaskView) else None

    def _on_inserted(self, _parent: ModelIndex, first: int, last: int) -> None:
        for row in range(first, last + 1):
            view = self._view(row)
            if view is not None:
                self._files[view.key] = view.files

    def _on_removing(self, _parent: ModelIndex, first: int, last: int) -> None:
        for row in range(first, last + 1):
            view = self._view(row)
            if view is not None:
                self._files.pop(view.key, None)

    def _on_changed(self, top_left: ModelIndex, bottom_right: ModelIndex, *_roles: object) -> None:
        landed: list[str] = []
        for row in range(top_left.row(), bottom_right.row() + 1):
            view = self._view(row)
            if view is None:
                continue
            before = self._files.get(view.key, ())
            if view.files != before:
                self._files[view.key] = view.files
                landed += [path for path in view.files if path not in before]
        if landed:
            self.landed += len(landed)
            self._thumbnails.prefetch(landed)


def watch_landings(
    model: QAbstractItemModel,
    thumbnails: Thumbnails,
    view_role: int,
    parent: QObject | None = None,
) -> LandingWatch:
    """Prefetch the thumbnails of results that land in `model`'s rows from now on
    (`parent` keeps the watch; without one, keep the returned object)."""
    return LandingWatch(model, thumbnails, view_role, parent)
