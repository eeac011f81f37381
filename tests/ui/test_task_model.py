"""The task table model: incremental updates, words per cell, filters and sorting."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtTest import QAbstractItemModelTester
from table_on_screen import Paints, shown_table
from ui_views import T0, make_view

from taskmon.domain.snapshot import Cost, MediaKind, Output, State, TaskError
from taskmon.ui.table.cell_text import ProgressMode
from taskmon.ui.table.filter_model import TaskFilterModel
from taskmon.ui.table.task_model import PROGRESS_ROLE, Column, TaskTableModel
from taskmon.ui.table.task_table import TaskTable


class Spy:
    """Records a model's structural and data signals."""

    def __init__(self, model: TaskTableModel) -> None:
        self.inserted: list[tuple[int, int]] = []
        self.removed: list[tuple[int, int]] = []
        self.changed: list[tuple[int, int]] = []
        self.resets = 0
        model.rowsInserted.connect(lambda _p, a, b: self.inserted.append((a, b)))
        model.rowsRemoved.connect(lambda _p, a, b: self.removed.append((a, b)))
        model.dataChanged.connect(lambda tl, br, _r=(): self.changed.append((tl.row(), br.row())))
        model.modelReset.connect(lambda: setattr(self, "resets", self.resets + 1))


def _model(qtbot: Any) -> TaskTableModel:
    model = TaskTableModel(clock=lambda: T0)
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    return model


def _ids(n: int) -> list[str]:
    return [f"task_{i:032x}" for i in range(n)]


def test_new_tasks_are_inserted_in_one_batch(qtbot: Any) -> None:
    model = _model(qtbot)
    spy = Spy(model)
    model.apply([make_view(i) for i in _ids(3)])
    assert spy.inserted == [(0, 2)]
    assert model.rowCount() == 3
    assert spy.resets == 0


def test_a_changed_task_emits_data_changed_for_its_row_only(qtbot: Any) -> None:
    model = _model(qtbot)
    ids = _ids(10)
    model.apply([make_view(i) for i in ids])
    spy = Spy(model)
    model.apply([make_view(ids[4], progress=50.0)])
    assert spy.changed == [(4, 4)]
    assert spy.inserted == [] and spy.resets == 0
    assert model.index(4, Column.PROGRESS).data() == "50 %"


def test_neighbouring_changed_rows_share_one_signal(qtbot: Any) -> None:
    model = _model(qtbot)
    ids = _ids(10)
    model.apply([make_view(i) for i in ids])
    spy = Spy(model)
    model.apply([make_view(ids[i], progress=10.0) for i in (2, 3, 4, 7)])
    assert spy.changed == [(2, 4), (7, 7)]


def test_most_rows_changed_is_one_whole_table_signal(qtbot: Any) -> None:
    model = _model(qtbot)
    ids = _ids(10)
    model.apply([make_view(i) for i in ids])
    spy = Spy(model)
    model.apply([make_view(ids[i], progress=10.0) for i in (0, 2, 4, 5, 6, 8)])
    assert spy.changed == [(0, 9)]


def test_removing_tasks_keeps_the_others_in_order(qtbot: Any) -> None:
    model = _model(qtbot)
    ids = _ids(6)
    views = [make_view(i) for i in ids]
    model.apply(views)
    spy = Spy(model)
    model.remove([views[1].key, views[2].key, views[5].key, "not/a/key"])
    assert spy.removed == [(5, 5), (1, 2)]
    assert [model.view_at(r).ref.task_id for r in range(model.rowCount())] == [
        ids[0],
        ids[3],
        ids[4],
    ]
    model.apply([make_view(ids[4], progress=70.0)])
    assert model.row_of(views[4].key) == 2
    assert model.index(2, Column.PROGRESS).data() == "70 %"


def test_cells_say_what_a_person_needs(qtbot: Any) -> None:
    model = _model(qtbot)
    failed = make_view(
        "job-1",
        "xenodia",
        State.FAILED,
        model="flux-pro",
        error=TaskError("content policy violation", "E400"),
        cost=Cost(micro_usdc=12_500),
        age_s=95,
    )
    done = make_view(
        "job-2",
        "apixo",
        State.SUCCEEDED,
        model="seedream",
        outputs=(Output("https://cdn.example/a.png", MediaKind.IMAGE),),
        cost=Cost(credits=4),
    )
    model.apply([failed, done])
    row = {c: model.index(0, c).data() for c in Column}
    assert row[Column.PROVIDER] == "Xenodia"
    assert row[Column.STATE] == "failed"
    assert row[Column.PROBLEM] == "content policy violation [E400]"
    assert row[Column.COST] == "$0.0125"
    assert row[Column.MODEL] == "flux-pro"
    row = {c: model.index(1, c).data() for c in Column}
    assert row[Column.PROVIDER] == "Apixo"
    assert row[Column.RESULTS] == "1"
    assert row[Column.COST] == "4 cr"
    assert row[Column.EXPIRES] == "in 24 h 00 m"  # Apixo links last a day


def test_progress_is_reported_estimated_or_unknown(qtbot: Any) -> None:
    model = _model(qtbot)
    reported = make_view(_ids(1)[0], progress=42.0)
    estimated = make_view("vid-2", "xenodia", estimated_total_s=120.0, age_s=30.0)
    unknown = make_view("task_" + "f" * 32, age_s=30.0)
    model.apply([reported, estimated, unknown])
    modes = [model.index(r, Column.PROGRESS).data(PROGRESS_ROLE).mode for r in range(3)]
    assert modes == [ProgressMode.REPORTED, ProgressMode.ESTIMATED, ProgressMode.UNKNOWN]
    assert model.index(1, Column.PROGRESS).data() == "~25 %"


def test_an_unknown_status_shows_the_providers_word(qtbot: Any) -> None:
    model = _model(qtbot)
    model.apply([make_view("job-9", "xenodia", None, raw_status="thinking")])
    assert model.index(0, Column.STATE).data() == "queued (thinking)"


def test_filter_by_provider_state_and_text(qtbot: Any) -> None:
    model = _model(qtbot)
    model.apply(
        [
            make_view("a-1", "xenodia", State.RUNNING, label="cat poster"),
            make_view("b-2", "vidgo", State.SUCCEEDED, label="dog video"),
            make_view("c-3", "xenodia", State.FAILED, error=TaskError("nsfw filter")),
        ]
    )
    proxy = TaskFilterModel()
    proxy.setSourceModel(model)

    def shown() -> list[str]:
        return [proxy.index(r, Column.TASK_ID).data() for r in range(proxy.rowCount())]

    proxy.set_providers(["xenodia"])
    assert shown() == ["a-1", "c-3"]
    proxy.set_states({"failed"})
    assert shown() == ["c-3"]
    proxy.set_providers(None)
    proxy.set_states(None)
    proxy.set_text("DOG")
    assert shown() == ["b-2"]
    proxy.set_text("nsfw")
    assert shown() == ["c-3"]


def test_a_filtered_row_appears_when_its_task_changes_into_the_filter(qtbot: Any) -> None:
    model = _model(qtbot)
    model.apply([make_view("a-1", "xenodia", State.RUNNING)])
    proxy = TaskFilterModel()
    proxy.setSourceModel(model)
    proxy.set_states({"succeeded"})
    assert proxy.rowCount() == 0
    model.apply([make_view("a-1", "xenodia", State.SUCCEEDED)])
    assert proxy.rowCount() == 1


def test_sorting_uses_raw_values_not_words(qtbot: Any) -> None:
    model = _model(qtbot)
    model.apply(
        [
            make_view("slow", "xenodia", State.RUNNING, age_s=600),
            make_view("fast", "xenodia", State.RUNNING, age_s=9),
            make_view("mid", "xenodia", State.RUNNING, age_s=75),
        ]
    )
    proxy = TaskFilterModel()
    proxy.setSourceModel(model)
    proxy.sort(Column.RUNNING, Qt.SortOrder.AscendingOrder)
    order = [proxy.index(r, Column.TASK_ID).data() for r in range(3)]
    # Running since creation (no queue was seen): as words "1 m 15 s" < "10 m 00 s"
    # < "9 s"; as seconds 9 < 75 < 600.
    assert order == ["fast", "mid", "slow"]


def test_the_clock_tick_moves_time_cells_without_data_changed(qtbot: Any) -> None:
    now = [T0]
    model = TaskTableModel(clock=lambda: now[0])
    model.apply([make_view(age_s=30)])
    spy = Spy(model)
    assert model.index(0, Column.RUNNING).data() == "30 s"  # running since its creation
    now[0] = T0 + timedelta(seconds=75)
    with qtbot.waitSignal(model.clockTicked, timeout=1000):
        model.tick()
    assert model.index(0, Column.RUNNING).data() == "1 m 45 s"
    # The proxy would otherwise re-check every row each second.
    assert spy.changed == [] and spy.resets == 0


_PAINT_ROLES = [
    int(r)
    for r in (
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.CheckStateRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.BackgroundRole,
    )
]
_WORDS = _PAINT_ROLES.index(int(Qt.ItemDataRole.DisplayRole))


def test_a_repaint_reads_cells_back_until_their_task_or_the_look_changes(qtbot: Any) -> None:
    now = [T0]
    model = TaskTableModel(clock=lambda: now[0])
    first, second = make_view("a", label="first", age_s=30), make_view("b", label="second")
    model.apply([first, second])
    label = model.cells(0, Column.LABEL, _PAINT_ROLES)
    assert label[_WORDS] == "first"
    assert model.cells(0, Column.LABEL, _PAINT_ROLES) is label  # the second paint: read back
    # The task changes: its row is made anew, the other row is not.
    other = model.cells(1, Column.LABEL, _PAINT_ROLES)
    model.apply([make_view("a", label="renamed", age_s=30)])
    assert model.cells(0, Column.LABEL, _PAINT_ROLES)[_WORDS] == "renamed"
    assert model.cells(1, Column.LABEL, _PAINT_ROLES) is other
    # The clock's cells are never kept: time moves without a change of the task.
    assert model.cells(0, Column.RUNNING, _PAINT_ROLES)[_WORDS] == "30 s"
    now[0] = T0 + timedelta(seconds=75)
    model.tick()
    assert model.cells(0, Column.RUNNING, _PAINT_ROLES)[_WORDS] == "1 m 45 s"
    # A sort moves what was kept along with its row.
    model.sort(Column.LABEL, Qt.SortOrder.DescendingOrder)
    assert [model.cells(r, Column.LABEL, _PAINT_ROLES)[_WORDS] for r in range(2)] == [
        "second",
        "renamed",
    ]
    model.remove([second.key])
    assert model.rowCount() == 1
    assert model.cells(0, Column.LABEL, _PAINT_ROLES)[_WORDS] == "renamed"
    # A new palette (light to dark): icons and colours are asked for again.
    kept = model.cells(0, Column.STATE, _PAINT_ROLES)
    table = TaskTable()
    qtbot.addWidget(table)
    proxy = TaskFilterModel()
    proxy.setSourceModel(model)
    table.setModel(proxy)
    palette = QPalette(table.palette())
    palette.setColor(QPalette.ColorRole.Base, QColor("#202020"))
    table.setPalette(palette)
    assert model.cells(0, Column.STATE, _PAINT_ROLES) is not kept


def test_a_rows_words_are_made_when_it_is_first_read_not_when_it_changes(
    qtbot: Any, monkeypatch: Any
) -> None:
    from taskmon.ui.table import columns

    made: list[str] = []
    static_texts = columns.static_texts

    def counted(view: Any) -> list[str | None]:
        made.append(view.key)
        return static_texts(view)

    monkeypatch.setattr(columns, "static_texts", counted)
    model = _model(qtbot)
    ids = _ids(300)
    model.apply([make_view(i, label="batch A") for i in ids])
    model.apply([make_view(i, label="batch B") for i in ids])  # 300 changed, none read
    assert made == []
    assert model.index(7, Column.LABEL).data() == "batch B"
    assert len(made) == 1
    assert model.index(7, Column.TASK_ID).data() is not None  # the same row: made once
    assert len(made) == 1
    model.apply([make_view(ids[7], label="batch C")])  # a change: read afresh
    assert model.index(7, Column.LABEL).data() == "batch C"
    assert len(made) == 2


def test_rows_appended_below_the_last_one_on_screen_repaint_nothing_but_the_scroll_bar(
    qtbot: Any,
) -> None:
    model = _model(qtbot)
    table, proxy = shown_table(qtbot, model)
    ids = _ids(300)
    model.apply([make_view(i) for i in ids[:40]])  # more than fill the view
    qtbot.wait(100)  # laid out and painted
    paints = Paints(table.viewport())
    bar = table.verticalScrollBar()
    before = bar.maximum()
    for start in range(40, 300, 100):  # as a restored store arrives
        model.apply([make_view(i) for i in ids[start : start + 100]])
        qtbot.wait(30)
    assert paints.count == 0
    assert bar.maximum() > before  # the scroll bar knows of every row
    assert table.rowAt(table.viewport().height() - 1) < 40
    # A row that lands on screen (sorted in at the top) is painted.
    table.sortByColumn(Column.TASK_ID, Qt.SortOrder.AscendingOrder)
    qtbot.wait(50)
    paints.count = 0
    model.apply([make_view("task_" + "0" * 31 + "-")])  # sorts before every other ID
    qtbot.waitUntil(lambda: paints.count > 0, timeout=2000)
    assert proxy.index(0, Column.TASK_ID).data().endswith("-")


def test_the_first_rows_to_overflow_an_empty_table_are_painted_once(qtbot: Any) -> None:
    # With the scroll bar shown only when needed, its arrival narrowed the stretched last
    # column, and QTableView repainted the whole viewport again for that: two full paints
    # of a cold table (40-60 ms each at 1,000 rows) where one does. Columns also stay put.
    model = _model(qtbot)
    table, _proxy = shown_table(qtbot, model)
    qtbot.wait(50)
    last = table.horizontalHeader().sectionSize(Column.PROBLEM)
    paints = Paints(table.viewport())
    model.apply([make_view(i) for i in _ids(40)])  # more than fill the view
    qtbot.waitUntil(lambda: paints.count > 0, timeout=2000)
    qtbot.wait(100)
    assert paints.count == 1
    assert table.horizontalHeader().sectionSize(Column.PROBLEM) == last


def test_after_a_warm_up_the_first_rows_render_no_icon(qtbot: Any, monkeypatch: Any) -> None:
    # The window warms the table up before the stored rows arrive: their first paint,
    # the start-up's longest stretch, then renders no SVG of its own.
    from taskmon.providers import PROVIDERS
    from taskmon.ui import icons

    icons.clear_cache()
    model = TaskTableModel(icons.provider_icon, icons.state_icon, clock=lambda: T0)
    table, _proxy = shown_table(qtbot, model)
    table.warm_up(
        [icons.provider_icon(name) for name in PROVIDERS]
        + [icons.state_icon(name) for name in (*State, None)]
    )
    rendered: list[int] = []
    render = icons._render
    monkeypatch.setattr(icons, "_render", lambda *args: rendered.append(1) or render(*args))
    states = [State.QUEUED, State.RUNNING, State.SUCCEEDED, State.FAILED, State.CANCELLED]
    views = [
        make_view(task_id, provider, state, model="m-1")
        for task_id, (provider, state) in zip(
            _ids(25), [(p, s) for p in PROVIDERS for s in states], strict=True
        )
    ]
    paints = Paints(table.viewport())
    model.apply(views)
    qtbot.waitUntil(lambda: paints.count > 0, timeout=2000)
    assert model.index(0, Column.STATE).data(Qt.ItemDataRole.DecorationRole) is not None
    assert rendered == []


def test_rows_that_land_in_a_view_not_yet_full_are_painted_and_only_they(qtbot: Any) -> None:
    # Rows appended below the last one, where the view is still empty, change nothing
    # above them: the rows already drawn are not drawn again (a start-up fills the
    # screen over a few chunks, each paint only its own rows).
    model = _model(qtbot)
    table, _proxy = shown_table(qtbot, model)
    model.apply([make_view(i) for i in _ids(2)])
    qtbot.wait(100)
    bottom = table.rowViewportPosition(1) + table.rowHeight(1)
    paints = Paints(table.viewport())
    model.apply([make_view(i) for i in _ids(5)[2:]])
    qtbot.waitUntil(lambda: paints.count > 0, timeout=2000)
    assert paints.tops == [bottom]
    assert table.rowAt(bottom + 1) == 2


def test_asking_for_a_rows_view_makes_none_of_its_words(qtbot: Any, monkeypatch: Any) -> None:
    from taskmon.ui.table import columns
    from taskmon.ui.table.task_model import VIEW_ROLE

    made: list[str] = []
    static_texts = columns.static_texts
    monkeypatch.setattr(columns, "static_texts", lambda v: made.append(v.key) or static_texts(v))
    model = _model(qtbot)
    ids = _ids(5)
    model.apply([make_view(i) for i in ids])
    proxy = TaskFilterModel()
    proxy.setSourceModel(model)
    assert [model.index(r, 0).data(VIEW_ROLE).ref.task_id for r in range(5)] == ids
    assert [proxy.index(r, 0).data(VIEW_ROLE).ref.task_id for r in range(5)] == ids
    assert made == []
