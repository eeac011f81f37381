"""The window's start-up in event-loop turns (issue 11, start-up stall): built a stage per
turn, the details panel after the first paint, restored rows after it too."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QMenu, QToolBar, QWidget
from window_app import StaticKeys

from taskmon.domain.records import NewTask
from taskmon.domain.task import TaskRef
from taskmon.providers import PROVIDERS
from taskmon.service.data_paths import db_path, ensure_data_dir
from taskmon.service.handover import HolderRole
from taskmon.service.tracking_service import TrackingService
from taskmon.sim import SimulatorThread, TaskScript
from taskmon.store.store import Store
from taskmon.tracking.config import EngineConfig
from taskmon.tracking.engine import Engine
from taskmon.ui.bridge import CHANGES_PER_FLUSH, NEW_ROWS_PER_FLUSH, EngineBridge
from taskmon.ui.details_panel import DetailsPanel
from taskmon.ui.window import DeferredParts, MainWindow, deferred

STORED_TASKS = 3


class _PaintWatch(QObject):
    def __init__(self, painted: list[bool]) -> None:
        super().__init__()
        self._painted = painted

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self._painted.append(True)
        return False


@pytest.fixture
def bridge(
    sim_thread: SimulatorThread, tmp_path: Path, run_async: Any, qtbot: Any
) -> Iterator[EngineBridge]:
    """A started bridge over a store that already holds a few long-running tasks."""
    directory = ensure_data_dir(tmp_path / "data")
    scripts = [sim_thread.add_task(TaskScript("vidgo", run_s=600)) for _ in range(STORED_TASKS)]
    with Store.open(db_path(directory)) as store:
        store.add_tasks([NewTask(TaskRef("vidgo", s.task_id)) for s in scripts])
    config = EngineConfig(base_url_overrides={name: sim_thread.api_url for name in PROVIDERS})
    keys: Any = StaticKeys(sim_thread.keys)
    service = TrackingService(directory, keys, config, role=HolderRole.WINDOW)
    engine_bridge = EngineBridge(service, keys)
    run_async(engine_bridge.start())
    yield engine_bridge
    run_async(engine_bridge.stop())


def test_the_window_is_built_over_several_loop_turns_and_is_complete_before_it_shows(
    bridge: EngineBridge, qsettings: QSettings, run_async: Any, qtbot: Any
) -> None:
    turns = 0

    def turn() -> None:
        nonlocal turns
        turns += 1

    ticker = QTimer()  # fires once per turn of Qt's event loop
    ticker.setInterval(0)
    ticker.timeout.connect(turn)
    ticker.start()
    window = run_async(MainWindow.open(bridge, qsettings))
    ticker.stop()
    qtbot.addWidget(window)
    # Qt ran between the stages: no single stretch built the whole window.
    assert turns >= 3
    assert not window.isVisible()
    # What its first paint shows is all there: filters, list, toolbar with the view
    # switch, the menus.
    assert window.filter_bar.provider_box.count() == len(PROVIDERS) + 1
    assert window.table.model() is window.proxy
    toolbar = window.findChild(QToolBar, "actionsToolbar")
    assert toolbar is not None and window.views.grid_action in toolbar.actions()
    menus = [a.menu() for a in window.menuBar().actions()]
    assert any(isinstance(m, QMenu) and m.objectName() == "resultsMenu" for m in menus)
    # The details panel, the result actions and saving come after the first paint.
    for part in ("details", "results", "saving"):
        assert window._later.built(part) is None


def test_a_staged_window_replays_the_restored_rows_after_its_first_paint(
    bridge: EngineBridge, qsettings: QSettings, run_async: Any, qtbot: Any, monkeypatch: Any
) -> None:
    replays: list[bool] = []  # whether the table had painted when the replay began
    painted: list[bool] = []
    replay = bridge.replay

    def recorded() -> None:
        replays.append(bool(painted))
        replay()

    monkeypatch.setattr(bridge, "replay", recorded)
    window = run_async(MainWindow.open(bridge, qsettings))
    qtbot.addWidget(window)
    qtbot.wait(100)
    assert replays == []
    watch = _PaintWatch(painted)  # held here for as long as the test runs
    window.table.viewport().installEventFilter(watch)
    window.show()
    qtbot.waitUntil(lambda: replays == [True], timeout=5000)
    qtbot.waitUntil(lambda: window.model.rowCount() == STORED_TASKS, timeout=5000)


def test_the_details_panel_is_built_after_the_first_paint_in_the_frame_it_was_given(
    bridge: EngineBridge, qsettings: QSettings, qtbot: Any
) -> None:
    qsettings.setValue("window/details", True)  # it was open when the window last closed
    window = MainWindow(bridge, qsettings)
    qtbot.addWidget(window)
    assert window._later.built("details") is None
    assert window.details_shown() and window.details_action.isChecked()
    frame = window.findChild(QWidget, "detailsSlot")
    assert frame is not None
    window.resize(1100, 650)
    window.show()
    qtbot.waitUntil(lambda: window._later.built("details") is not None, timeout=5000)
    panel = window.details
    assert isinstance(panel, DetailsPanel) and panel.parentWidget() is frame
    assert panel.isVisible()
    # The splitter sized the frame as it sized the panel: at least the panel's minimum.
    assert window.splitter.sizes()[1] >= panel.minimumWidth()


def test_the_table_keeps_its_size_while_the_parts_after_the_first_paint_arrive(
    bridge: EngineBridge, qsettings: QSettings, qtbot: Any
) -> None:
    # The save notice (built with saving, after the first paint) holds tool buttons, and a
    # status bar is as tall as its tallest widget, shown or not: its arrival shrank the
    # table by 4 px, and a resized table is repainted whole (20-40 ms at 1,000 rows).
    window = MainWindow(bridge, qsettings)
    qtbot.addWidget(window)
    window.resize(1100, 650)
    painted: list[bool] = []
    watch = _PaintWatch(painted)  # held here for as long as the test runs
    window.table.viewport().installEventFilter(watch)
    window.show()
    qtbot.waitUntil(lambda: bool(painted), timeout=5000)
    first_paint = window.table.size()
    assert window._later.built("saving") is None
    qtbot.waitUntil(lambda: window._later.built("saving") is not None, timeout=5000)
    qtbot.wait(50)
    assert window.table.size() == first_paint


def test_asking_for_the_details_panel_builds_it_at_once(
    bridge: EngineBridge, qsettings: QSettings, qtbot: Any
) -> None:
    window = MainWindow(bridge, qsettings)
    qtbot.addWidget(window)
    assert window._later.built("details") is None and not window.details_shown()
    window.show_details(True)  # what Enter, a double click or the tray do
    assert isinstance(window._later.built("details"), DetailsPanel)
    assert window.details_shown()
    window.toggle_details()
    assert not window.details_shown() and not window.details_action.isChecked()


def test_a_part_s_prepare_steps_run_in_order_before_it_and_ensure_runs_those_left(
    qtbot: Any,
) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    ran: list[str] = []
    parts = DeferredParts(host, host)
    steps = [lambda: ran.append("a1"), lambda: ran.append("a2")]
    parts.add("a", lambda: ran.append("a") or "A", steps)
    parts.add("b", lambda: ran.append("b") or "B", [lambda: ran.append("b1")])
    parts.after_paint(lambda: ran.append("painted"))
    parts.ensure("a")
    assert ran == ["a1", "a2", "a"]
    host.show()  # its first paint: the callback, then the rest a step per turn
    qtbot.waitUntil(lambda: parts.built("b") is not None, timeout=5000)
    assert ran == ["a1", "a2", "a", "painted", "b1", "b"]


def test_a_step_or_part_runs_in_a_turn_of_its_own_after_the_first_paint(qtbot: Any) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    turns = 0

    def turn() -> None:
        nonlocal turns
        turns += 1

    at_turn: dict[str, int] = {}
    parts = DeferredParts(host, host)
    step = [lambda: at_turn.setdefault("a1", turns)]
    parts.add("a", lambda: at_turn.setdefault("a", turns), step)
    parts.add("b", lambda: at_turn.setdefault("b", turns))
    ticker = QTimer(host)
    ticker.setInterval(0)
    ticker.timeout.connect(turn)
    ticker.start()
    host.show()
    qtbot.waitUntil(lambda: "b" in at_turn, timeout=5000)
    assert at_turn["a1"] < at_turn["a"] < at_turn["b"]


def _stored_service(sim: SimulatorThread, directory: Path, count: int) -> TrackingService:
    directory = ensure_data_dir(directory)
    scripts = [sim.add_task(TaskScript("vidgo", run_s=600)) for _ in range(count)]
    with Store.open(db_path(directory)) as store:
        store.add_tasks([NewTask(TaskRef("vidgo", s.task_id)) for s in scripts])
    config = EngineConfig(base_url_overrides={name: sim.api_url for name in PROVIDERS})
    keys: Any = StaticKeys(sim.keys)
    return TrackingService(directory, keys, config, role=HolderRole.WINDOW)


@contextlib.contextmanager
def _handed_over(
    sim: SimulatorThread, directory: Path, count: int, run_async: Any, qtbot: Any
) -> Iterator[tuple[EngineBridge, Engine]]:
    """A started bridge over `count` stored tasks, every one handed over already."""
    service = _stored_service(sim, directory, count)
    engine_bridge = EngineBridge(service, StaticKeys(sim.keys))  # type: ignore[arg-type]
    run_async(engine_bridge.start())
    try:
        engine = service.engine
        assert engine is not None
        engine_bridge.replay()
        qtbot.waitUntil(lambda: not engine_bridge._pending, timeout=5000)  # every chunk
        yield engine_bridge, engine
    finally:
        run_async(engine_bridge.stop())


def test_a_full_store_is_resumed_a_few_hundred_tasks_per_loop_turn(
    sim_thread: SimulatorThread, tmp_path: Path, run_async: Any
) -> None:
    service = _stored_service(sim_thread, tmp_path / "data", 450)
    seen: list[int] = []  # tracked tasks, as Qt's event loop saw them turn by turn

    def turn() -> None:
        if service.engine is not None:
            seen.append(service.engine.tracked_count())

    ticker = QTimer()
    ticker.setInterval(0)
    ticker.timeout.connect(turn)
    ticker.start()
    try:
        run_async(service.start())
    finally:
        ticker.stop()
        run_async(service.stop())
    # The window's thread ran while the store was being resumed, not only before and after.
    assert any(0 < n < 450 for n in seen), seen


def test_restored_rows_are_replayed_with_their_views_made_a_chunk_at_a_time(
    sim_thread: SimulatorThread, tmp_path: Path, run_async: Any, qtbot: Any, monkeypatch: Any
) -> None:
    with _handed_over(sim_thread, tmp_path / "data", 450, run_async, qtbot) as handed_over:
        engine_bridge, engine = handed_over
        made: list[str] = []
        task = engine.task

        def counted(key: str) -> Any:
            made.append(key)
            return task(key)

        monkeypatch.setattr(engine, "task", counted)
        every_view = engine.tasks
        monkeypatch.setattr(engine, "tasks", lambda: made.extend(["all"] * 450) or every_view())
        new_per_emit: list[int] = []
        emitted: list[int] = []
        seen: set[str] = set()

        def handed(views: list[Any]) -> None:
            # A task polled meanwhile comes along as a change of a row already handed over.
            new = {v.key for v in views} - seen
            seen.update(new)
            new_per_emit.append(len(new))
            emitted.append(len(views))

        engine_bridge.tasksChanged.connect(handed)
        engine_bridge.replay()
        assert made == []  # not one view yet: each chunk makes its own
        qtbot.waitUntil(lambda: sum(new_per_emit) >= 450, timeout=5000)
        assert max(new_per_emit) == NEW_ROWS_PER_FLUSH
        assert len(made) <= sum(emitted)


def test_a_bridge_started_for_a_window_makes_no_view_before_the_window_replays(
    sim_thread: SimulatorThread, tmp_path: Path, run_async: Any, qtbot: Any
) -> None:
    service = _stored_service(sim_thread, tmp_path / "data", 250)
    engine_bridge = EngineBridge(service, StaticKeys(sim_thread.keys))  # type: ignore[arg-type]
    handed: list[int] = []
    engine_bridge.tasksChanged.connect(lambda views: handed.append(len(views)))
    run_async(engine_bridge.start())
    try:
        qtbot.wait(300)  # two flush intervals: only tasks polled meanwhile come along
        assert sum(handed) < 250
        engine_bridge.replay()
        seen: set[str] = set()
        engine_bridge.tasksChanged.connect(lambda views: seen.update(v.key for v in views))
        qtbot.waitUntil(lambda: len(seen) == 250, timeout=5000)
    finally:
        run_async(engine_bridge.stop())


def test_a_flush_hands_over_a_bounded_batch_of_changed_tasks_and_the_rest_soon_after(
    sim_thread: SimulatorThread, tmp_path: Path, run_async: Any, qtbot: Any
) -> None:
    from taskmon.tracking import TaskEvent

    with _handed_over(sim_thread, tmp_path / "data", 250, run_async, qtbot) as handed_over:
        engine_bridge, engine = handed_over
        batches: list[int] = []
        engine_bridge.tasksChanged.connect(lambda views: batches.append(len(views)))
        # Every task changes at once, as the first polls of a restored store make them.
        for view in engine.tasks():
            engine_bridge._on_event(TaskEvent(view, True, True, False))
        engine_bridge.flush()
        assert batches == [CHANGES_PER_FLUSH]
        qtbot.waitUntil(lambda: sum(batches) >= 250, timeout=2000)
        assert max(batches) == CHANGES_PER_FLUSH


def test_the_parts_after_the_first_paint_wait_until_the_restored_rows_are_in(
    sim_thread: SimulatorThread, tmp_path: Path, qsettings: QSettings, run_async: Any, qtbot: Any
) -> None:
    # A part built in the same loop turn as a chunk of rows and its paint made the longest
    # stalls of a start with 1,000 stored tasks: they come after the last chunk now.
    stored = 60  # chunks of 8, 16, 32, then the rest
    service = _stored_service(sim_thread, tmp_path / "data", stored)
    engine_bridge = EngineBridge(service, StaticKeys(sim_thread.keys))  # type: ignore[arg-type]
    run_async(engine_bridge.start())
    try:
        window = run_async(MainWindow.open(engine_bridge, qsettings))
        qtbot.addWidget(window)
        rows_when_built: dict[str, int] = {}
        for name in ("details", "results", "saving"):
            builders = window._later._builders
            index = next(i for i, (part, _) in enumerate(builders) if part == name)
            build = builders[index][1]

            def counted(build: Any = build, name: str = name) -> Any:
                rows_when_built[name] = window.model.rowCount()
                return build()

            builders[index] = (name, counted)
        window.show()
        qtbot.waitUntil(lambda: len(rows_when_built) == 3, timeout=10000)
        assert rows_when_built == {"details": stored, "results": stored, "saving": stored}
    finally:
        run_async(engine_bridge.stop())


def test_parts_wait_while_busy_but_not_when_asked_for_nor_for_ever(
    qtbot: Any, monkeypatch: Any
) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    busy = [True]
    parts = DeferredParts(host, host)
    for name in "abc":
        parts.add(name, lambda name=name: name.upper())
    parts.hold_while(lambda: busy[0])
    host.show()
    qtbot.waitUntil(lambda: parts.started, timeout=5000)
    qtbot.wait(150)
    assert parts.built("a") is None  # held
    assert parts.ensure("a") == "A"  # asked for: built at once all the same
    qtbot.wait(100)
    assert parts.built("b") is None
    busy[0] = False
    qtbot.waitUntil(lambda: parts.built("c") == "C", timeout=5000)

    monkeypatch.setattr(deferred, "HOLD_MAX_MS", 200)
    other = QWidget()
    qtbot.addWidget(other)
    held = DeferredParts(other, other)
    held.add("a", lambda: "A")
    held.hold_while(lambda: True)  # rows that never stop coming
    other.show()
    qtbot.waitUntil(lambda: held.built("a") == "A", timeout=5000)
