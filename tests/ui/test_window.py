"""The window over a real engine: simulator over loopback HTTP, a real store, offscreen Qt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication
from window_app import App, StaticKeys

from taskmon.domain.task import TaskRef
from taskmon.providers import PROVIDERS
from taskmon.service.handover import HolderRole
from taskmon.service.tracking_service import TrackingService
from taskmon.sim import SimulatorThread, TaskScript
from taskmon.tracking.config import EngineConfig
from taskmon.ui.bridge import EngineBridge
from taskmon.ui.table.task_model import Column
from taskmon.ui.window import MainWindow


def test_tasks_added_through_the_bridge_reach_their_end_in_the_table(app: App, qtbot: Any) -> None:
    ok = app.add(TaskScript("reapi", run_s=1))
    failed = app.add(TaskScript("vidgo", run_s=1, outcome="failed"))
    app.run(app.bridge.add([ok, failed]))
    qtbot.waitUntil(lambda: len(app.rows()) == 2, timeout=3000)
    qtbot.waitUntil(
        lambda: app.rows() == {ok.task_id: "succeeded", failed.task_id: "failed"}, timeout=20000
    )
    counts = app.window.counts_label.text()
    assert "1 succeeded" in counts and "1 failed" in counts


def test_ctrl_v_with_unambiguous_ids_adds_them_at_once(app: App, qtbot: Any) -> None:
    refs = [app.add(TaskScript("reapi", run_s=1)) for _ in range(3)]
    QGuiApplication.clipboard().setText(",  ".join(r.task_id for r in refs) + "\nhello there")
    app.window.table.setFocus()
    qtbot.keyClick(app.window.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: set(app.rows()) == {r.task_id for r in refs}, timeout=5000)
    message = app.window.statusBar().currentMessage()
    assert "Added 3 tasks" in message
    assert "not added" in message  # the garbage line is reported, not dropped in silence


def test_an_ambiguous_paste_opens_the_dialog_with_a_provider_chooser(
    app: App, qtbot: Any, qsettings: QSettings
) -> None:
    from taskmon.ui.adding.add_dialog import AddTasksDialog

    qsettings.setValue("add/last_provider", "xenodia")
    ref = app.add(TaskScript("xenodia", run_s=1, task_id="a1b2c3d4e5f60718"))
    app.window.add_text(ref.task_id)
    dialog = app.window.findChild(AddTasksDialog)
    assert dialog is not None and dialog.isVisible()
    row = dialog.rows[0]
    assert row.provider_box is not None
    assert row.provider_box.currentData() == "xenodia"  # the last one used
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.rows().get(ref.task_id) == "succeeded", timeout=20000)


def test_dropping_a_text_file_adds_its_ids(app: App, qtbot: Any, tmp_path: Path) -> None:
    refs = [app.add(TaskScript("reapi", run_s=1)) for _ in range(2)]
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("\n".join(r.task_id for r in refs) + "\n")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(ids_file))])
    drop = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    # Qt routes a real drop through the platform's drag machinery; hand it over directly.
    app.window.dropEvent(drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: set(app.rows()) == {r.task_id for r in refs}, timeout=5000)


def test_taskmon_add_from_a_terminal_reaches_the_open_window(app: App, qtbot: Any) -> None:
    ref = app.add(TaskScript("reapi", run_s=1))
    env = {**os.environ, "TASKMON_DATA_DIR": str(app.data_dir)}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[2]), *sys.path])
    done = subprocess.run(
        [sys.executable, "-m", "taskmon", "add", "--provider", "reapi", ref.task_id],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: ref.task_id in app.rows(), timeout=3000)


def test_a_second_launch_brings_the_window_forward_and_exits_0(app: App, qtbot: Any) -> None:
    raised: list[bool] = []
    app.bridge.showRequested.connect(lambda: raised.append(True))
    env = {**os.environ, "TASKMON_DATA_DIR": str(app.data_dir), "QT_QPA_PLATFORM": "offscreen"}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[2]), *sys.path])
    second = subprocess.Popen(
        [sys.executable, "-m", "taskmon"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    qtbot.waitUntil(lambda: second.poll() is not None, timeout=30000)
    out, err = second.communicate()
    assert second.returncode == 0, err
    assert "already open" in out
    qtbot.waitUntil(lambda: bool(raised), timeout=3000)


def test_filters_and_search_in_the_window(app: App, qtbot: Any) -> None:
    ok = app.add(TaskScript("reapi", run_s=1))
    bad = app.add(TaskScript("vidgo", run_s=1, outcome="failed"))
    app.run(app.bridge.add([ok, bad], "poster"))
    qtbot.waitUntil(lambda: set(app.rows().values()) == {"succeeded", "failed"}, timeout=20000)
    proxy = app.window.proxy
    app.window.filter_bar.set_chip("Failed")
    assert proxy.rowCount() == 1
    assert proxy.index(0, Column.TASK_ID).data() == bad.task_id
    app.window.filter_bar.set_chip("All")
    app.window.filter_bar.set_provider("reapi")
    assert [proxy.index(r, Column.TASK_ID).data() for r in range(proxy.rowCount())] == [ok.task_id]
    app.window.filter_bar.set_provider("")
    app.window.filter_bar.search.setText(bad.task_id[-6:])
    assert proxy.rowCount() == 1


def test_remove_with_the_delete_key_stops_tracking(app: App, qtbot: Any, monkeypatch: Any) -> None:
    from PySide6.QtWidgets import QMessageBox

    ref = app.add(TaskScript("reapi", run_s=1))
    app.run(app.bridge.add([ref]))
    qtbot.waitUntil(lambda: ref.task_id in app.rows(), timeout=3000)
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.StandardButton.Ok)
    app.window.table.selectRow(0)
    app.window.table.setFocus()
    qtbot.keyClick(app.window.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: app.rows() == {}, timeout=3000)
    assert app.service.engine is not None and not app.service.engine.tasks()


def test_a_task_removed_by_another_process_leaves_the_table_through_the_engine_s_event(
    app: App, qtbot: Any
) -> None:
    from taskmon.service.data_paths import db_path
    from taskmon.store.store import Store
    from taskmon.tracking.events import EngineEvent, TaskRemoved

    gone, kept = app.add(TaskScript("reapi", run_s=30)), app.add(TaskScript("reapi", run_s=30))
    app.run(app.bridge.add([gone, kept]))
    qtbot.waitUntil(lambda: len(app.rows()) == 2, timeout=3000)
    heard: list[EngineEvent] = []
    assert app.service.engine is not None
    app.service.engine.subscribe(heard.append)
    with Store.open(db_path(app.service.directory)) as store:  # as `taskmon remove` does
        store.remove([gone.key])
    qtbot.waitUntil(lambda: set(app.rows()) == {kept.task_id}, timeout=5000)
    assert TaskRemoved(gone.key) in heard
    # Nothing scans for removals any more: the event is the only way a row leaves.
    assert not hasattr(app.bridge, "_removal_check")


def test_details_panel_shows_history_and_raw_response(app: App, qtbot: Any) -> None:
    ref = app.add(TaskScript("xenodia", run_s=1))
    app.run(app.bridge.add([ref]))
    qtbot.waitUntil(lambda: app.rows().get(ref.task_id) == "succeeded", timeout=20000)
    app.window.table.selectRow(0)
    panel = app.window.details
    qtbot.waitUntil(lambda: panel.current() is not None, timeout=2000)
    assert panel._history.topLevelItemCount() >= 1
    raw = panel._raw.toPlainText()
    assert ref.task_id in raw
    for key in app.sim.keys.values():
        assert key not in raw


def test_window_layout_and_filters_persist(app: App, qtbot: Any, qsettings: QSettings) -> None:
    app.window.filter_bar.set_chip("Succeeded")
    app.window.filter_bar.search.setText("cat")
    app.window.table.setColumnWidth(Column.MODEL, 222)
    app.window.quit_app()
    again = MainWindow(app.bridge, qsettings)
    qtbot.addWidget(again)
    assert again.filter_bar.chip() == "Succeeded"
    assert again.filter_bar.search.text() == "cat"
    assert again.table.columnWidth(Column.MODEL) == 222


def test_without_a_display_taskmon_says_so_instead_of_crashing(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["TASKMON_DATA_DIR"] = str(tmp_path / "data")
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[2]), *sys.path])
    done = subprocess.run(
        [sys.executable, "-m", "taskmon"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "no display" in done.stderr


def test_closing_while_tasks_run_asks_and_can_keep_polling_hidden(
    app: App, qtbot: Any, qsettings: QSettings, monkeypatch: Any
) -> None:
    ref = app.add(TaskScript("reapi", run_s=30))
    app.run(app.bridge.add([ref]))
    qtbot.waitUntil(lambda: app.rows().get(ref.task_id) == "running", timeout=10000)
    qsettings.remove("close/choice")
    asked: list[int] = []

    def answer(choice: str) -> Any:
        return lambda _self, active: (asked.append(active), choice)[1]

    monkeypatch.setattr(MainWindow, "_ask_on_close", answer("cancel"))
    app.window.close()
    assert asked == [1] and app.window.isVisible() and not app.quit_called

    monkeypatch.setattr(MainWindow, "_ask_on_close", answer("background"))
    app.window.close()
    assert not app.window.isVisible() and not app.quit_called
    assert app.service.engine is not None and app.service.engine.is_tracked(ref.key)

    app.window.bring_to_front()
    monkeypatch.setattr(MainWindow, "_ask_on_close", answer("quit"))
    app.window.close()
    assert app.quit_called


def test_enter_in_the_search_field_does_not_open_details(app: App, qtbot: Any) -> None:
    app.window.show_details(False)
    app.window.filter_bar.search.setFocus()
    qtbot.keyClick(app.window.filter_bar.search, Qt.Key.Key_Return)
    assert not app.window.details.isVisible()
    app.window.table.setFocus()
    qtbot.keyClick(app.window.table, Qt.Key.Key_Return)
    assert app.window.details.isVisible()


def test_a_full_store_reaches_the_table_in_chunks(
    sim_thread: SimulatorThread, tmp_path: Path, run_async: Any, qtbot: Any
) -> None:
    from taskmon.domain.records import NewTask
    from taskmon.service.data_paths import db_path, ensure_data_dir
    from taskmon.store.store import Store
    from taskmon.ui.bridge import FIRST_ROWS, NEW_ROWS_PER_FLUSH

    directory = ensure_data_dir(tmp_path / "data")
    scripts = [sim_thread.add_task(TaskScript("vidgo", run_s=60)) for _ in range(450)]
    with Store.open(db_path(directory)) as store:
        store.add_tasks([NewTask(TaskRef("vidgo", s.task_id)) for s in scripts])
    config = EngineConfig(base_url_overrides={name: sim_thread.api_url for name in PROVIDERS})
    service = TrackingService(
        directory,
        StaticKeys(sim_thread.keys),  # type: ignore[arg-type]
        config,
        role=HolderRole.WINDOW,
    )
    bridge = EngineBridge(service, StaticKeys(sim_thread.keys))  # type: ignore[arg-type]
    seen: set[str] = set()
    new_per_emit: list[int] = []

    def on_changed(views: list[Any]) -> None:
        keys = {v.key for v in views}
        new_per_emit.append(len(keys - seen))
        seen.update(keys)

    bridge.tasksChanged.connect(on_changed)
    run_async(bridge.start())
    try:
        assert new_per_emit == []  # nobody asked for the stored tasks yet
        bridge.replay()
        qtbot.waitUntil(lambda: bool(new_per_emit), timeout=5000)
        # A few rows first, then chunks twice the rows before them (each drawn apart while
        # the view fills), up to NEW_ROWS_PER_FLUSH: each chunk is one insert.
        assert new_per_emit == [FIRST_ROWS]
        qtbot.waitUntil(lambda: len(seen) == 450, timeout=5000)
        chunks = [n for n in new_per_emit if n]
        assert sum(chunks) == 450 and max(chunks) == NEW_ROWS_PER_FLUSH
        assert all(n <= 2 * sum(chunks[:i]) for i, n in enumerate(chunks) if i)
        assert chunks[1] > FIRST_ROWS  # it grows: 450 rows in a handful of chunks
    finally:
        run_async(bridge.stop())


def test_the_clock_repaints_only_the_columns_that_move_with_time(app: App, qtbot: Any) -> None:
    from PySide6.QtCore import QObject
    from PySide6.QtGui import QRegion

    from taskmon.ui.table.task_model import CLOCK_COLUMNS

    ref = app.add(TaskScript("reapi", run_s=60))
    app.run(app.bridge.add([ref]))
    qtbot.waitUntil(lambda: len(app.rows()) == 1, timeout=3000)
    table = app.window.table
    viewport = table.viewport()
    painted: list[QRegion] = []

    class PaintSpy(QObject):
        def eventFilter(self, watched: QObject, event: Any) -> bool:
            if watched is viewport and event.type() == event.Type.Paint:
                painted.append(QRegion(event.region()))
            return False

    qtbot.wait(600)  # the first answer and the paints of the new row pass (next poll: 5 s on)
    spy = PaintSpy()
    viewport.installEventFilter(spy)
    try:
        painted.clear()
        app.window.model.tick()
        qtbot.waitUntil(lambda: bool(painted), timeout=2000)
    finally:
        viewport.removeEventFilter(spy)
    allowed = QRegion()
    for column in CLOCK_COLUMNS:
        x = table.columnViewportPosition(column)
        allowed += QRegion(x, 0, table.columnWidth(column), viewport.height())
    region = painted[0]
    assert not region.isEmpty()
    assert region.subtracted(allowed).isEmpty()  # nothing outside the clock's columns
    task_id_x = table.columnViewportPosition(Column.TASK_ID)
    assert not region.intersects(QRegion(task_id_x, 0, table.columnWidth(Column.TASK_ID), 10))
