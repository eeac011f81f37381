"""Quick look, Open, Show in folder and Copy in the window, on a real engine, simulator, store."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_file_manager import fake_file_manager, private_bus, recorded_calls
from PySide6.QtCore import QItemSelectionModel, QSize, Qt, QUrl
from PySide6.QtDBus import QDBusConnection
from PySide6.QtGui import QDesktopServices, QGuiApplication, QImage
from PySide6.QtWidgets import QListView, QMenu, QPushButton
from result_files import DATA, OpenedUrls
from window_app import App

from taskmon.domain.task import TaskView
from taskmon.downloads import PartMeta
from taskmon.sim import TaskScript
from taskmon.ui.results_actions.clipboard import GNOME_COPIED_FILES
from taskmon.ui.results_actions.reveal import select_command, show_items_message
from taskmon.ui.table.task_model import Column

TIMEOUT_MS = 20_000


def saved_tasks(app: App, qtbot: Any, count: int, **script: Any) -> list[TaskView]:
    """`count` image tasks tracked to the end, their result files saved."""
    refs = [app.add(TaskScript("reapi", run_s=0.5, **script)) for _ in range(count)]
    app.run(app.bridge.add(refs))
    ids = {r.task_id for r in refs}

    def saved() -> list[TaskView]:
        views = [v for v in app.window.model.views() if v.ref.task_id in ids]
        done = [v for v in views if v.files and len(v.files) == len(v.outputs)]
        return done if len(done) == count else []

    qtbot.waitUntil(lambda: bool(saved()), timeout=TIMEOUT_MS)
    return saved()


def select_task(app: App, view: TaskView) -> int:
    """Select `view`'s row (as a click would) and give the list the focus; its proxy row."""
    window = app.window
    row = window.proxy.mapFromSource(window.model.index(window.model.row_of(view.key), 0)).row()
    flags = (
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    )
    window.table.selectionModel().setCurrentIndex(window.proxy.index(row, 0), flags)
    window.table.setFocus()
    return row


def same_picture(a: QImage, b: QImage) -> bool:
    """Whether two images show the same picture, at any size (16×12 samples, small tolerance)."""
    size = QSize(16, 12)
    fmt = QImage.Format.Format_RGB32
    small_a = a.scaled(
        size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
    ).convertToFormat(fmt)
    small_b = b.scaled(
        size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
    ).convertToFormat(fmt)
    diffs = [
        abs(getattr(small_a.pixelColor(x, y), c)() - getattr(small_b.pixelColor(x, y), c)())
        for x in range(size.width())
        for y in range(size.height())
        for c in ("red", "green", "blue")
    ]
    return sum(diffs) / len(diffs) < 12


def file_bytes(url: QUrl) -> bytes:
    assert url.isLocalFile()
    return Path(url.toLocalFile()).read_bytes()


# --- quick look -------------------------------------------------------------------------


def test_space_on_the_selected_task_opens_quick_look_and_space_closes_it(
    app: App, qtbot: Any
) -> None:
    (view,) = saved_tasks(app, qtbot, 1)
    select_task(app, view)
    qtbot.keyClick(app.window.table, Qt.Key.Key_Space)
    ql = app.window.results.quicklook
    assert ql is not None and ql.isVisible()
    assert ql.current_view() is not None and ql.current_view().key == view.key  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: ql.stage.currentWidget() is ql.canvas, timeout=TIMEOUT_MS)
    # What is shown is the saved file's picture.
    shown = ql.canvas.grab().toImage().copy(ql.canvas.target_rect().toAlignedRect())
    assert same_picture(shown, QImage(view.files[0]))
    assert not same_picture(shown, QImage(str(DATA / "image.jpg")))  # the check tells apart
    qtbot.keyClick(ql, Qt.Key.Key_Space)
    assert not ql.isVisible()
    # The list has the keyboard back (activation is asynchronous).
    qtbot.waitUntil(app.window.table.hasFocus, timeout=TIMEOUT_MS)
    qtbot.keyClick(app.window.table, Qt.Key.Key_Space)
    assert ql.isVisible()
    qtbot.keyClick(ql, Qt.Key.Key_Escape)
    assert not ql.isVisible()


def test_space_in_the_search_field_types_a_space(app: App, qtbot: Any) -> None:
    saved_tasks(app, qtbot, 1)
    search = app.window.filter_bar.search
    search.setFocus()
    qtbot.keyClicks(search, "a b")
    assert search.text() == "a b"
    assert app.window.results.quicklook is None


def test_up_and_down_follow_the_sorted_filtered_list_and_move_the_selection(
    app: App, qtbot: Any
) -> None:
    views = saved_tasks(app, qtbot, 3)
    window = app.window
    window.table.sortByColumn(Column.TASK_ID, Qt.SortOrder.DescendingOrder)
    in_list = sorted(views, key=lambda v: v.ref.task_id, reverse=True)
    select_task(app, in_list[0])
    qtbot.keyClick(window.table, Qt.Key.Key_Space)
    ql = window.results.quicklook
    assert ql is not None
    qtbot.keyClick(ql, Qt.Key.Key_Down)
    assert ql.current_view().key == in_list[1].key  # type: ignore[union-attr]
    assert [v.key for v in window.selected_views()] == [in_list[1].key]
    qtbot.keyClick(ql, Qt.Key.Key_Down)
    assert ql.current_view().key == in_list[2].key  # type: ignore[union-attr]
    qtbot.keyClick(ql, Qt.Key.Key_Down)  # the last row: stays
    assert ql.current_view().key == in_list[2].key  # type: ignore[union-attr]
    qtbot.keyClick(ql, Qt.Key.Key_PageUp)
    assert ql.current_view().key == in_list[1].key  # type: ignore[union-attr]


def test_up_and_down_skip_the_tasks_the_filters_hide(app: App, qtbot: Any) -> None:
    shown = saved_tasks(app, qtbot, 2)
    hidden = app.add(TaskScript("xenodia", run_s=0.5))
    app.run(app.bridge.add([hidden]))
    window = app.window
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=TIMEOUT_MS)
    window.filter_bar.set_provider("reapi")
    qtbot.waitUntil(lambda: window.proxy.rowCount() == 2, timeout=TIMEOUT_MS)
    window.table.sortByColumn(Column.TASK_ID, Qt.SortOrder.AscendingOrder)
    in_list = sorted(shown, key=lambda v: v.ref.task_id)
    select_task(app, in_list[0])
    qtbot.keyClick(window.table, Qt.Key.Key_Space)
    ql = window.results.quicklook
    assert ql is not None
    qtbot.keyClick(ql, Qt.Key.Key_Down)
    assert ql.current_view().key == in_list[1].key  # type: ignore[union-attr]
    qtbot.keyClick(ql, Qt.Key.Key_Down)  # the hidden task is not next
    assert ql.current_view().key == in_list[1].key  # type: ignore[union-attr]


def test_quick_look_can_be_opened_on_any_view_with_its_own_neighbours(app: App, qtbot: Any) -> None:
    first, second = saved_tasks(app, qtbot, 2)
    steps: list[int] = []

    def grid_neighbour(view: TaskView, step: int) -> TaskView | None:
        steps.append(step)
        return second if view.key == first.key and step == 1 else None

    ql = app.window.results.quick_look(first, grid_neighbour)
    qtbot.keyClick(ql, Qt.Key.Key_Right)  # one output only: stays
    qtbot.keyClick(ql, Qt.Key.Key_Down)
    assert steps == [1] and ql.current_view() is second


def test_quick_look_reads_how_far_a_download_is_from_the_cache(app: App, qtbot: Any) -> None:
    import taskmon.service

    if not hasattr(taskmon.service, "download_progress"):
        pytest.skip("taskmon.service.download_progress arrives with the saving work")
    (saved,) = saved_tasks(app, qtbot, 1)
    view = dataclasses.replace(saved, files=(), downloads_pending=True)
    folder = taskmon.service.task_cache_dir(app.data_dir, view.ref)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "landing.png.part").write_bytes(bytes(420))
    meta = PartMeta(url=view.outputs[0].url, total=1000)
    (folder / "landing.png.part.meta").write_text(meta.model_dump_json())
    ql = app.window.results.quick_look(view)
    assert ql.shown_text() == "still downloading (42 %)"
    (folder / "landing.png.part").write_bytes(bytes(730))
    qtbot.waitUntil(lambda: ql.shown_text() == "still downloading (73 %)", timeout=TIMEOUT_MS)


def test_another_view_sharing_the_selection_gets_space_and_the_actions(
    app: App, qtbot: Any
) -> None:
    (view,) = saved_tasks(app, qtbot, 1)
    window = app.window
    grid = QListView(window)  # as a grid beside the list is built: same proxy, same selection
    grid.setModel(window.proxy)
    grid.setSelectionModel(window.table.selectionModel())
    window.results.attach(grid)
    assert window.results.open_action in grid.actions()
    select_task(app, view)
    grid.show()
    grid.setFocus()
    qtbot.waitUntil(grid.hasFocus, timeout=TIMEOUT_MS)
    qtbot.keyClick(grid, Qt.Key.Key_Space)
    ql = window.results.quicklook
    assert ql is not None and ql.isVisible() and ql.current_view().key == view.key  # type: ignore[union-attr]


# --- open ---------------------------------------------------------------------------------


def test_ctrl_o_opens_the_selected_result_in_the_default_application(app: App, qtbot: Any) -> None:
    (view,) = saved_tasks(app, qtbot, 1)
    select_task(app, view)
    with OpenedUrls() as opened:
        qtbot.keyClick(app.window.table, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert opened.paths() == [view.files[0]]
    assert app.window.results.last_notice is None


def test_a_double_click_on_the_results_cell_opens_elsewhere_shows_details(
    app: App, qtbot: Any
) -> None:
    (view,) = saved_tasks(app, qtbot, 1)
    row = select_task(app, view)
    table = app.window.table
    with OpenedUrls() as opened:
        table.doubleClicked.emit(app.window.proxy.index(row, Column.RESULTS))
        assert opened.paths() == [view.files[0]]
        app.window.show_details(False)
        table.doubleClicked.emit(app.window.proxy.index(row, Column.LABEL))
        assert opened.paths() == [view.files[0]]  # nothing more opened
    assert app.window.details.isVisible()


def test_a_script_sent_as_a_result_is_never_opened(app: App, qtbot: Any) -> None:
    (view,) = saved_tasks(app, qtbot, 1)
    cached = Path(view.files[0])
    shutil.copy(DATA / "result.desktop", cached)  # what a hostile provider could have sent
    select_task(app, view)
    with OpenedUrls() as opened:
        app.window.results.open_action.trigger()
        app.window.details._open_link(QUrl.fromLocalFile(str(cached)).toString())
        app.window.results.open_paths([str(DATA / "result.desktop")])
    assert opened.urls == []
    notice = app.window.results.last_notice
    assert notice is not None and notice.isVisible()
    assert "result.desktop" in notice.text() and "only images, videos and audio" in (
        notice.informativeText().lower()
    )
    details_notice = app.window.details.open_failure
    assert details_notice is not None and cached.name in details_notice.text()


def test_when_nothing_can_open_a_file_the_notice_gives_its_path_to_copy(
    app: App, qtbot: Any, monkeypatch: Any
) -> None:
    (view,) = saved_tasks(app, qtbot, 1)
    select_task(app, view)
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda _url: False)  # no launcher
    app.window.results.open_action.trigger()
    notice = app.window.results.last_notice
    assert notice is not None and view.files[0] in notice.text()
    copy = next(b for b in notice.findChildren(QPushButton) if b.text() == "Copy path")
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == view.files[0]


# --- copy -----------------------------------------------------------------------------------


def test_copy_file_puts_file_urls_whose_bytes_are_the_served_media(app: App, qtbot: Any) -> None:
    views = saved_tasks(app, qtbot, 2)
    window = app.window
    window.table.selectAll()
    window.results.copy_file_action.trigger()
    mime = QGuiApplication.clipboard().mimeData()
    urls = mime.urls()
    assert len(urls) == 2
    served = {httpx.get(v.outputs[0].url).content for v in views}
    assert {file_bytes(u) for u in urls} == served
    gnome = bytes(mime.data(GNOME_COPIED_FILES).data()).decode()
    lines = gnome.split("\n")
    assert lines[0] == "copy" and [QUrl(x) for x in lines[1:]] == urls
    assert "Copied 2 files" in window.statusBar().currentMessage()


def test_copy_image_puts_the_pixels(app: App, qtbot: Any) -> None:
    (view,) = saved_tasks(app, qtbot, 1)
    select_task(app, view)
    QGuiApplication.clipboard().clear()
    app.window.results.copy_image_action.trigger()
    # Decoded in a worker: the window is free meanwhile, the clipboard filled when it is read.
    assert "Copying the image" in app.window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: not QGuiApplication.clipboard().image().isNull(), timeout=10_000)
    copied = QGuiApplication.clipboard().image()
    expected = QImage(view.files[0])
    assert not copied.isNull() and copied.size() == expected.size()
    fmt = QImage.Format.Format_ARGB32
    assert copied.convertToFormat(fmt) == expected.convertToFormat(fmt)


def test_copy_image_refuses_what_is_not_an_image(app: App, qtbot: Any, tmp_path: Path) -> None:
    fake = tmp_path / "x.png"
    shutil.copy(DATA / "result.desktop", fake)
    QGuiApplication.clipboard().clear()
    app.window.results.copy_image(str(fake))
    qtbot.waitUntil(lambda: app.window.results.last_notice is not None, timeout=10_000)
    assert QGuiApplication.clipboard().image().isNull()
    notice = app.window.results.last_notice
    assert notice is not None and "not an image" in notice.text()


def test_copy_link_puts_the_result_urls(app: App, qtbot: Any) -> None:
    (view,) = saved_tasks(app, qtbot, 1, outputs=2)
    select_task(app, view)
    app.window.results.copy_link_action.trigger()
    assert QGuiApplication.clipboard().text() == "\n".join(o.url for o in view.outputs)


def test_the_actions_are_in_the_context_menu_and_the_results_menu(app: App) -> None:
    results = app.window.results
    in_table = app.window.table.actions()
    menu = app.window.menuBar().findChild(QMenu, "resultsMenu")
    assert menu is not None and menu.title() == "&Results"
    for action in results.actions:
        assert action in in_table and action in menu.actions()


# --- show in folder -------------------------------------------------------------------------


def test_show_in_folder_asks_the_file_manager_to_select_the_file(
    app: App, qtbot: Any, tmp_path: Path
) -> None:
    pytest.importorskip("jeepney")
    (view,) = saved_tasks(app, qtbot, 1)
    select_task(app, view)
    record = tmp_path / "calls.jsonl"
    with private_bus() as address, fake_file_manager(address, record):
        bus = QDBusConnection.connectToBus(address, "taskmon-test-reveal")
        try:
            app.window.results.revealer.bus = lambda: bus
            app.window.results.reveal_action.trigger()
            qtbot.waitUntil(lambda: bool(recorded_calls(record)), timeout=TIMEOUT_MS)
            qtbot.waitUntil(
                lambda: "Shown in the file manager" in app.window.statusBar().currentMessage(),
                timeout=TIMEOUT_MS,
            )
        finally:
            QDBusConnection.disconnectFromBus("taskmon-test-reveal")
    (call,) = recorded_calls(record)
    assert call["signature"] == "ass"
    uris, startup_id = call["body"]
    assert uris == [QUrl.fromLocalFile(view.files[0]).toString()] and startup_id == ""


def test_without_a_file_manager_on_the_bus_show_in_folder_opens_the_folder(
    app: App, qtbot: Any
) -> None:
    (view,) = saved_tasks(app, qtbot, 1)
    select_task(app, view)
    with private_bus() as address, OpenedUrls() as opened:
        bus = QDBusConnection.connectToBus(address, "taskmon-test-no-fm")
        try:
            app.window.results.revealer.bus = lambda: bus
            app.window.results.reveal_action.trigger()
            qtbot.waitUntil(lambda: bool(opened.urls), timeout=TIMEOUT_MS)
        finally:
            QDBusConnection.disconnectFromBus("taskmon-test-no-fm")
    assert opened.paths() == [str(Path(view.files[0]).parent)]


def test_show_in_folder_commands_on_windows_and_macos() -> None:
    path = "C:/Users/a b/taskmon/reapi_task_1.png"
    program, args = select_command("win32", [path])  # type: ignore[misc]
    assert program == "explorer.exe" and args == ["/select,", str(Path(path))]
    assert select_command("darwin", ["/Users/a b/x.png"]) == ("open", ["-R", "/Users/a b/x.png"])
    assert select_command("linux", ["/x.png"]) is None  # D-Bus instead


def test_an_open_quick_look_follows_the_selection_in_the_list(app: App, qtbot: Any) -> None:
    first, second = saved_tasks(app, qtbot, 2)
    select_task(app, first)
    qtbot.keyClick(app.window.table, Qt.Key.Key_Space)
    ql = app.window.results.quicklook
    assert ql is not None and ql.current_view().key == first.key  # type: ignore[union-attr]
    select_task(app, second)  # a click in the list while the quick look is open
    assert ql.isVisible() and ql.current_view().key == second.key  # type: ignore[union-attr]


def test_show_items_sends_percent_encoded_file_uris() -> None:
    message = show_items_message(["/tmp/a b#1.png", "/tmp/ü.png"])
    uris, startup_id = message.arguments()
    assert uris == ["file:///tmp/a%20b%231.png", "file:///tmp/%C3%BC.png"] and startup_id == ""
    assert (message.service(), message.member()) == ("org.freedesktop.FileManager1", "ShowItems")
