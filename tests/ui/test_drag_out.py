"""Drag-out from the task table: the drag's data, the gesture, refusals, our own drops.

Over the simulator, a real engine and media cache; the drag itself runs Qt's
real QDrag (offscreen it ends at once, and tells what it offered).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from saving_views import StallingOrigin, finished_task, mouse, prepared_saving, row_point, select
from window_app import App

from taskmon.domain import State, TaskView
from taskmon.service import download_progress
from taskmon.sim import TaskScript
from taskmon.ui.saving.drag_out import COPY_ONLY, OWN_FORMAT, result_mime_data
from taskmon.ui.saving.save_actions import SaveController


@pytest.fixture
def saving(app: App, qsettings: QSettings, tmp_path: Path) -> SaveController:
    return prepared_saving(app, qsettings, tmp_path)


def media_of(app: App, view: TaskView) -> list[bytes]:
    return [app.sim.expected_media(o.url) for o in view.outputs]


def test_the_drag_data_holds_file_urls_whose_bytes_are_the_served_media(
    app: App, saving: SaveController, qtbot: Any
) -> None:
    two = finished_task(app, qtbot, outputs=2)
    one = finished_task(app, qtbot)

    mime = result_mime_data([two, one])

    assert isinstance(mime, QMimeData)
    urls = mime.urls()
    assert all(u.isLocalFile() for u in urls)
    assert [Path(u.toLocalFile()).read_bytes() for u in urls] == media_of(app, two) + media_of(
        app, one
    )
    assert "text/uri-list" in mime.formats()
    assert bytes(mime.data(OWN_FORMAT).data()).decode().split("\n") == [two.key, one.key]


def test_dragging_selected_rows_starts_a_copy_only_drag_of_their_files(
    app: App, saving: SaveController, qtbot: Any
) -> None:
    first, second = finished_task(app, qtbot), finished_task(app, qtbot)
    select(app, [first, second])
    drag_out = saving.drag_out
    assert drag_out is not None
    started: list[Any] = []
    real_start = drag_out.start_drag
    drag_out.start_drag = lambda views: started.append(real_start(views))  # type: ignore[method-assign]
    viewport = app.window.table.viewport()
    at = row_point(app, first)

    mouse(viewport, QEvent.Type.MouseButtonPress, at)
    mouse(viewport, QEvent.Type.MouseMove, at + QPoint(2, 1))  # not yet a drag
    assert started == []
    mouse(viewport, QEvent.Type.MouseMove, at + QPoint(QApplication.startDragDistance() + 5, 3))
    mouse(viewport, QEvent.Type.MouseButtonRelease, at, held=Qt.MouseButton.NoButton)

    (drag,) = started
    assert drag is not None
    assert drag.supportedActions() == COPY_ONLY
    urls = drag.mimeData().urls()
    assert [Path(u.toLocalFile()).read_bytes() for u in urls] == media_of(app, first) + media_of(
        app, second
    )
    # The drag did not change the selection.
    assert {v.key for v in app.window.selected_views()} == {first.key, second.key}


def test_a_click_on_a_selected_row_still_selects_just_that_row(
    app: App, saving: SaveController, qtbot: Any
) -> None:
    first, second = finished_task(app, qtbot), finished_task(app, qtbot)
    select(app, [first, second])
    viewport = app.window.table.viewport()
    at = row_point(app, second)

    mouse(viewport, QEvent.Type.MouseButtonPress, at)
    mouse(viewport, QEvent.Type.MouseButtonRelease, at, held=Qt.MouseButton.NoButton)

    assert [v.key for v in app.window.selected_views()] == [second.key]


def test_pressing_an_unselected_row_and_moving_selects_rows_instead_of_dragging(
    app: App, saving: SaveController, qtbot: Any
) -> None:
    first, second = finished_task(app, qtbot), finished_task(app, qtbot)
    app.window.table.clearSelection()
    drag_out = saving.drag_out
    assert drag_out is not None
    started: list[Any] = []
    drag_out.start_drag = lambda views: started.append(views)  # type: ignore[method-assign]
    viewport = app.window.table.viewport()

    mouse(viewport, QEvent.Type.MouseButtonPress, row_point(app, first))
    mouse(viewport, QEvent.Type.MouseMove, row_point(app, second))
    mouse(
        viewport,
        QEvent.Type.MouseButtonRelease,
        row_point(app, second),
        held=Qt.MouseButton.NoButton,
    )

    assert started == []
    assert {v.key for v in app.window.selected_views()} == {first.key, second.key}


def test_a_result_still_downloading_refuses_to_drag_and_says_how_far_it_is(
    app: App, saving: SaveController, qtbot: Any
) -> None:
    origin = StallingOrigin(size=1_000_000, sent=420_000)
    app.run(origin.start())
    try:
        ref = app.add(TaskScript("xenodia", "image", run_s=0.2, output_urls=[origin.url]))
        app.run(app.bridge.add([ref]))
        engine = app.service.engine
        directory = app.service.directory
        assert engine is not None and directory is not None

        def halfway() -> bool:
            view = engine.task(ref.key)
            if view is None or view.state is not State.SUCCEEDED:
                return False
            fraction = download_progress(directory, view)
            return fraction is not None and fraction > 0.4

        qtbot.waitUntil(halfway, timeout=20000)

        def in_table() -> bool:  # the table hears of changes in batches, a moment later
            row = app.window.model.row_of(ref.key)
            return row is not None and app.window.model.view_at(row).state is State.SUCCEEDED

        qtbot.waitUntil(in_table, timeout=5000)
        view = engine.task(ref.key)
        assert view is not None and view.downloads_pending
        select(app, [view])
        viewport = app.window.table.viewport()
        at = row_point(app, view)

        mouse(viewport, QEvent.Type.MouseButtonPress, at)
        mouse(viewport, QEvent.Type.MouseMove, at + QPoint(40, 0))
        mouse(viewport, QEvent.Type.MouseButtonRelease, at, held=Qt.MouseButton.NoButton)

        message = app.window.statusBar().currentMessage()
        assert re.fullmatch(r"Can't drag: still downloading \(4[0-2] %\)", message), message
        assert result_mime_data([view]) == "still downloading"  # no progress source given
    finally:
        app.run(origin.stop())


def test_a_task_not_finished_refuses_to_drag_and_says_so(app: App, qtbot: Any) -> None:
    ref = app.add(TaskScript("xenodia", "image", run_s=600))
    app.run(app.bridge.add([ref]))
    engine = app.service.engine
    assert engine is not None
    qtbot.waitUntil(lambda: (v := engine.task(ref.key)) is not None and v.observed, timeout=10000)
    view = engine.task(ref.key)
    assert view is not None

    refusal = result_mime_data([view])

    assert isinstance(refusal, str) and refusal.startswith("not finished yet (")


def test_our_own_drag_dropped_on_the_window_adds_no_task(
    app: App, saving: SaveController, qtbot: Any
) -> None:
    view = finished_task(app, qtbot)
    mime = result_mime_data([view])
    assert isinstance(mime, QMimeData)
    enter = QDragEnterEvent(
        QPoint(60, 60),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(app.window, enter)
    assert not enter.isAccepted()
    drop = QDropEvent(
        QPointF(60, 60),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(app.window, drop)
    qtbot.wait(300)

    assert not drop.isAccepted()
    assert len(app.rows()) == 1
    from taskmon.ui.adding.add_dialog import AddTasksDialog

    assert app.window.findChild(AddTasksDialog) is None


def test_a_double_click_on_a_selected_row_still_opens_the_details(
    app: App, saving: SaveController, qtbot: Any
) -> None:
    view = finished_task(app, qtbot)
    app.window.show_details(False)
    select(app, [view])
    viewport = app.window.table.viewport()
    at = row_point(app, view)

    for kind in (
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseButtonRelease,
    ):
        held = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else None
        mouse(viewport, kind, at, held=held or Qt.MouseButton.LeftButton)

    assert app.window.details.isVisible()
    assert [v.key for v in app.window.selected_views()] == [view.key]
