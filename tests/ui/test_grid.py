"""The grid beside the list: same rows, filters and selection; Ctrl+1 / Ctrl+2; tiles by pixels."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from media_files import copy_data
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QImage
from ui_views import make_view
from window_app import App

from taskmon.domain import State
from taskmon.sim import TaskScript
from taskmon.ui import theme
from taskmon.ui.details_panel import DetailsPanel
from taskmon.ui.grid import TaskGrid
from taskmon.ui.media import Thumbnails
from taskmon.ui.table.filter_model import TaskFilterModel
from taskmon.ui.table.task_model import Column, TaskTableModel
from taskmon.ui.window import MainWindow


def _grid_ids(window: MainWindow) -> list[str]:
    """Task IDs of the tiles the grid lays out, in its order."""
    grid = window.views.grid
    model = grid.model()
    ids = []
    for row in range(model.rowCount()):
        index = model.index(row, Column.TASK_ID)
        if not grid.isRowHidden(row) and grid.visualRect(index).isValid():
            ids.append(index.data())
    return ids


def _list_ids(window: MainWindow) -> list[str]:
    proxy = window.proxy
    return [proxy.index(r, Column.TASK_ID).data() for r in range(proxy.rowCount())]


def test_the_grid_shows_the_rows_the_list_shows_under_every_filter(app: App, qtbot: Any) -> None:
    done = [app.add(TaskScript("reapi", run_s=0.2)) for _ in range(3)]
    failed = app.add(TaskScript("vidgo", run_s=0.2, outcome="failed"))
    app.run(app.bridge.add(done, "cat pictures"))
    app.run(app.bridge.add([failed], "dog"))
    window = app.window
    qtbot.waitUntil(lambda: len(app.rows()) == 4, timeout=5000)
    qtbot.waitUntil(lambda: all(v.is_done for v in window.model.views()), timeout=20_000)
    window.views.show_mode("grid")
    assert window.views.grid.isVisible() and not window.table.isVisible()
    assert sorted(_grid_ids(window)) == sorted(_list_ids(window)) and len(_list_ids(window)) == 4
    window.filter_bar.set_chip("Failed")
    qtbot.waitUntil(lambda: _list_ids(window) == [failed.task_id], timeout=3000)
    assert _grid_ids(window) == [failed.task_id]
    window.filter_bar.set_chip("All")
    window.filter_bar.search.setText("cat")
    qtbot.waitUntil(lambda: len(_list_ids(window)) == 3, timeout=3000)
    assert _grid_ids(window) == _list_ids(window)
    assert failed.task_id not in _grid_ids(window)


def test_ctrl_1_and_ctrl_2_switch_views_and_the_choice_is_remembered(
    app: App, qtbot: Any, qsettings: QSettings
) -> None:
    window = app.window
    window.activateWindow()
    window.table.setFocus()
    assert window.views.mode() == "list"
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.views.mode() == "grid" and window.views.grid.isVisible()
    assert window.views.grid_action.isChecked()
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.views.mode() == "list" and window.table.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    window.quit_app()
    again = MainWindow(app.bridge, qsettings)
    qtbot.addWidget(again)
    assert again.views.mode() == "grid"


def test_a_tile_clicked_in_the_grid_is_the_selection_of_the_list_and_the_details(
    app: App, qtbot: Any
) -> None:
    refs = [app.add(TaskScript("reapi", run_s=0.2)) for _ in range(3)]
    app.run(app.bridge.add(refs))
    window = app.window
    qtbot.waitUntil(lambda: len(app.rows()) == 3, timeout=5000)
    window.show_details(True)
    window.views.show_mode("grid")
    grid = window.views.grid
    assert grid.selectionModel() is window.table.selectionModel()
    index = grid.model().index(1, Column.TASK_ID)
    qtbot.mouseClick(
        grid.viewport(), Qt.MouseButton.LeftButton, pos=grid.visualRect(index).center()
    )
    wanted = index.data()
    assert [v.ref.task_id for v in window.selected_views()] == [wanted]
    current = window.details.current()
    assert current is not None and current.ref.task_id == wanted
    selection = window.table.selectionModel()
    assert selection.isRowSelected(1)  # the whole row, as a click in the list selects it
    window.views.show_mode("list")
    assert [v.ref.task_id for v in window.selected_views()] == [wanted]


def _tile_image(grid: TaskGrid, row: int) -> QImage:
    rect = grid.visualRect(grid.model().index(row, Column.TASK_ID))
    return grid.viewport().grab(rect).toImage()


def _count_near(image: QImage, colour: QColor, tolerance: int = 30) -> int:
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            pixel = image.pixelColor(x, y)
            if (
                abs(pixel.red() - colour.red()) <= tolerance
                and abs(pixel.green() - colour.green()) <= tolerance
                and abs(pixel.blue() - colour.blue()) <= tolerance
            ):
                count += 1
    return count


def test_a_running_tile_draws_its_progress_ring_in_the_state_colour(
    qtbot: Any, tmp_path: Path
) -> None:
    model = TaskTableModel()
    proxy = TaskFilterModel()
    proxy.setSourceModel(model)
    png = copy_data(tmp_path / "results", "image.png")
    running = make_view("task_running_000000000000", "xenodia", State.RUNNING, progress=40.0)
    done = make_view("task_done_0000000000000000", "xenodia", State.SUCCEEDED)
    done = dataclasses.replace(done, files=tuple(png))
    model.apply([running, done])
    thumbnails = Thumbnails(None)
    grid = TaskGrid(thumbnails)
    qtbot.addWidget(grid)
    grid.setModel(proxy)
    grid.resize(600, 300)
    grid.show()
    qtbot.waitExposed(grid)
    qtbot.waitUntil(lambda: thumbnails.get(png[0]) is not None, timeout=10_000)
    qtbot.wait(100)  # the repaint the thumbnail asked for
    blue = theme.state_colour("running", grid.palette())
    running_tile, done_tile = _tile_image(grid, 0), _tile_image(grid, 1)
    assert _count_near(running_tile, blue) > 60  # the ring's arc and the tile's frame
    assert _count_near(done_tile, blue) < 5
    # The finished tile shows its result: the white disc in the middle of image.png.
    magenta = _count_near(done_tile, QColor("#ff00ff"), 60)
    white = _count_near(done_tile, QColor("#ffffff"), 10)
    assert magenta > 50 and white > 100
    thumbnails.shutdown()


def test_the_details_strip_shows_every_result_and_why_one_is_not_shown(
    qtbot: Any, tmp_path: Path
) -> None:
    files = copy_data(tmp_path / "results", "image.jpg", "result.desktop", "image.webp")
    view = make_view("task_strip_000000000000000", "reapi", State.SUCCEEDED)
    view = dataclasses.replace(view, files=tuple(files))
    panel = DetailsPanel()
    qtbot.addWidget(panel)
    thumbnails = Thumbnails(tmp_path / "data")
    panel.strip.set_thumbnails(thumbnails)
    panel.show()
    panel.show_view(view)
    strip = panel.strip
    assert strip.isVisible() and [t.path for t in strip.tiles] == files
    qtbot.waitUntil(lambda: all(thumbnails.get(p) is not None for p in files), timeout=10_000)
    qtbot.wait(50)  # the tiles' repaint
    assert strip.tiles[1].problem() == "can't preview: its content is not an image, video or audio"
    jpeg = strip.tiles[0].grab().toImage()
    centre = jpeg.pixelColor(jpeg.width() // 2, jpeg.height() // 2)
    assert abs(centre.red() - 0xFF) < 40 and abs(centre.green() - 0xD0) < 40  # the yellow box
    panel.show_view(None)
    assert not strip.isVisible() and strip.tiles == []
    thumbnails.shutdown()


def test_the_list_shows_the_first_result_and_counts_the_others(app: App, qtbot: Any) -> None:
    ref = app.add(TaskScript("reapi", run_s=0.2, outputs=2, media_bytes=40_000))
    app.run(app.bridge.add([ref]))
    window = app.window
    qtbot.waitUntil(lambda: any(len(v.files) == 2 for v in window.model.views()), timeout=20_000)
    table = window.table
    assert not table.isColumnHidden(Column.THUMBNAIL)
    assert table.horizontalHeader().visualIndex(Column.THUMBNAIL) == 0  # first, like an icon
    (view,) = window.model.views()
    qtbot.waitUntil(lambda: window.thumbnails.get(view.files[0]) is not None, timeout=10_000)
    thumbnail = window.thumbnails.get(view.files[0])
    assert thumbnail is not None and thumbnail.image is not None
    assert thumbnail.image.size().width() == 256  # a 640×480 picture from the simulator
    qtbot.wait(100)
    cell = table.visualRect(window.proxy.index(0, Column.THUMBNAIL))
    picture = table.viewport().grab(cell).toImage()
    colours = {picture.pixel(x, y) for x in range(picture.width()) for y in range(picture.height())}
    assert len(colours) > 8  # a picture and the count badge, not an empty cell
