"""The grid does what the list does with results: drag them out, Space for the quick look."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPoint, QSettings, Qt
from PySide6.QtWidgets import QApplication
from saving_views import finished_task, mouse, prepared_saving, select
from window_app import App

from taskmon.domain import TaskView
from taskmon.ui.saving.drag_out import COPY_ONLY
from taskmon.ui.saving.save_actions import SaveController
from taskmon.ui.table.task_model import Column


@pytest.fixture
def saving(app: App, qsettings: QSettings, tmp_path: Path) -> SaveController:
    return prepared_saving(app, qsettings, tmp_path)


def tile_point(app: App, view: TaskView) -> QPoint:
    """The middle of `view`'s tile, in the grid viewport's coordinates."""
    window = app.window
    row = window.model.row_of(view.key)
    assert row is not None
    index = window.proxy.mapFromSource(window.model.index(row, Column.TASK_ID))
    return window.views.grid.visualRect(index).center()


def test_dragging_selected_tiles_starts_the_lists_copy_only_drag_of_their_files(
    app: App, saving: SaveController, qtbot: Any
) -> None:
    first, second = finished_task(app, qtbot), finished_task(app, qtbot)
    app.window.views.show_mode("grid")
    select(app, [first, second])
    drag_out = saving.drag_out
    assert drag_out is not None
    started: list[Any] = []
    real_start = drag_out.start_drag
    drag_out.start_drag = lambda views: started.append(real_start(views))  # type: ignore[method-assign]
    viewport = app.window.views.grid.viewport()
    at = tile_point(app, first)

    mouse(viewport, QEvent.Type.MouseButtonPress, at)
    far = at + QPoint(QApplication.startDragDistance() + 5, 3)
    mouse(viewport, QEvent.Type.MouseMove, far)
    mouse(viewport, QEvent.Type.MouseButtonRelease, far, held=Qt.MouseButton.NoButton)

    (drag,) = started
    assert drag is not None and drag.supportedActions() == COPY_ONLY
    dropped = [Path(u.toLocalFile()).read_bytes() for u in drag.mimeData().urls()]
    served = [app.sim.expected_media(o.url) for v in (first, second) for o in v.outputs]
    assert sorted(dropped) == sorted(served)
    assert {v.key for v in app.window.selected_views()} == {first.key, second.key}


def test_space_on_a_tile_opens_the_quick_look_on_its_task(app: App, qtbot: Any) -> None:
    view = finished_task(app, qtbot)
    window = app.window
    window.views.show_mode("grid")
    select(app, [view])
    grid = window.views.grid
    grid.setFocus()
    qtbot.keyClick(grid, Qt.Key.Key_Space)
    ql = window.results.quicklook
    assert ql is not None and ql.isVisible()
    assert ql.current_view() is not None and ql.current_view().key == view.key  # type: ignore[union-attr]
    qtbot.keyClick(ql, Qt.Key.Key_Escape)
    assert not ql.isVisible()
