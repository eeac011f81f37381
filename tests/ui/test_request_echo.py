"""Issue 12: what the provider echoed about the request, in the details, the search and a column.

Over a real engine, store and simulator: the simulated provider echoes the
scripted prompt in its status answer; the window shows what reached it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel
from window_app import App

from taskmon.sim import SimulatorThread, TaskScript
from taskmon.ui.request_echo import RequestEchoView, key_text, value_text
from taskmon.ui.table.task_model import Column

PROMPT = (
    "A cinematic close-up of a red fox in fresh snow at dawn, soft rim light, shallow depth "
    "of field, the breath of the fox visible in the cold air, photographed on 85 mm film"
)
WAIT_MS = 20_000


def finished_with_prompt(app: App, qtbot: Any, prompt: str = PROMPT) -> str:
    ref = app.add(TaskScript("xenodia", run_s=0.2, prompt=prompt))
    app.run(app.bridge.add([ref]))
    qtbot.waitUntil(lambda: app.rows().get(ref.task_id) == "succeeded", timeout=WAIT_MS)
    return ref.task_id


def proxy_ids(app: App) -> list[str]:
    proxy = app.window.proxy
    return [proxy.index(r, Column.TASK_ID).data() for r in range(proxy.rowCount())]


def test_the_details_show_the_echoed_request_prompt_first_wrapped_and_selectable(
    app: App, qtbot: Any
) -> None:
    task_id = finished_with_prompt(app, qtbot)
    window = app.window
    window.show_details(True)
    window.table.selectRow(proxy_ids(app).index(task_id))
    echo = window.details.request_echo
    qtbot.waitUntil(lambda: echo.rows()[:1] == [("Prompt", PROMPT)], timeout=2000)
    assert ("N", "1") in echo.rows() and ("Response format", "url") in echo.rows()
    prompt = next(label for label in echo.findChildren(QLabel) if label.text() == PROMPT)
    assert prompt.wordWrap()
    assert prompt.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert prompt.textFormat() == Qt.TextFormat.PlainText
    window.table.clearSelection()
    qtbot.waitUntil(lambda: echo.rows() == [("", "—")], timeout=2000)


def test_a_search_word_finds_the_prompt(app: App, qtbot: Any) -> None:
    fox = finished_with_prompt(app, qtbot)
    owl = finished_with_prompt(app, qtbot, "An owl on a branch under the moon")
    search = app.window.filter_bar.search
    search.setText("fox snow")
    qtbot.waitUntil(lambda: proxy_ids(app) == [fox], timeout=2000)
    search.setText("owl")
    qtbot.waitUntil(lambda: proxy_ids(app) == [owl], timeout=2000)
    search.setText("zebra")
    qtbot.waitUntil(lambda: proxy_ids(app) == [], timeout=2000)


def test_the_prompt_column_is_hidden_until_the_header_menu_shows_it(
    app: App, qtbot: Any, tmp_path: Path, sim_thread: SimulatorThread, run_async: Any
) -> None:
    task_id = finished_with_prompt(app, qtbot)
    table = app.window.table
    assert table.isColumnHidden(Column.PROMPT)
    model = app.window.model
    row = next(r for r in range(model.rowCount()) if model.view_at(r).ref.task_id == task_id)
    assert model.index(row, Column.PROMPT).data() == PROMPT
    assert model.headerData(Column.PROMPT, Qt.Orientation.Horizontal) == "Prompt"

    shown: list[str] = []

    def pick_prompt() -> None:  # the header's context menu, as a right-click opens it
        from PySide6.QtWidgets import QApplication, QMenu

        # The open one: the menu bar's menus are top-level QMenus too.
        menus = QApplication.topLevelWidgets()
        menu = next(w for w in menus if isinstance(w, QMenu) and w.isVisible())
        action = next(a for a in menu.actions() if a.text() == "Prompt")
        shown.append(action.text())
        action.trigger()
        menu.close()

    from PySide6.QtCore import QPoint, QTimer

    QTimer.singleShot(100, pick_prompt)
    table._column_menu(QPoint(10, 5))
    assert shown == ["Prompt"]
    assert not table.isColumnHidden(Column.PROMPT)
    app.window._save()  # the header state (hidden columns) goes to the settings
    state = app.window.settings.value("window/header")
    assert state is not None


def test_a_restart_shows_the_request_again_from_the_store(
    sim_thread: SimulatorThread, tmp_path: Path, qsettings: QSettings, run_async: Any, qtbot: Any
) -> None:
    first = App(sim_thread, tmp_path / "data", qsettings, run_async)
    qtbot.addWidget(first.window)
    task_id = finished_with_prompt(first, qtbot)
    first.stop()
    again = App(sim_thread, tmp_path / "data", qsettings, run_async)
    qtbot.addWidget(again.window)
    try:
        qtbot.waitUntil(lambda: again.window.model.rowCount() == 1, timeout=WAIT_MS)
        view = again.window.model.view_at(0)
        assert view.ref.task_id == task_id and view.prompt == PROMPT
    finally:
        again.stop()


def test_echoed_values_read_as_words(qtbot: Any) -> None:
    assert key_text("aspect_ratio") == "Aspect ratio"
    assert value_text(["16:9", 2]) == "16:9, 2"
    assert value_text(True) == "yes"
    view = RequestEchoView()
    qtbot.addWidget(view)
    view.show_request({"size": "1024x1024", "negative_prompt": "blur", "prompt": "<b>x</b>"})
    assert view.rows() == [
        ("Prompt", "<b>x</b>"),
        ("Negative prompt", "blur"),
        ("Size", "1024x1024"),
    ]


def test_a_header_saved_before_the_prompt_column_existed_keeps_it_hidden(
    sim_thread: SimulatorThread, tmp_path: Path, qsettings: QSettings, run_async: Any, qtbot: Any
) -> None:
    from PySide6.QtGui import QStandardItemModel
    from PySide6.QtWidgets import QTableView

    from taskmon.ui.window import SETTINGS_VERSION

    older = QTableView()
    older.setModel(QStandardItemModel(0, Column.PROMPT, older))  # the 14 columns of before
    qsettings.setValue("window/version", SETTINGS_VERSION)
    qsettings.setValue("window/header", older.horizontalHeader().saveState())
    older.deleteLater()
    first = App(sim_thread, tmp_path / "data", qsettings, run_async)
    qtbot.addWidget(first.window)
    table = first.window.table
    assert table.isColumnHidden(Column.PROMPT)
    table._choose_column(Column.PROMPT, True)  # what the header menu does
    assert table.columnWidth(Column.PROMPT) > 100
    first.window._save()
    first.stop()

    again = App(sim_thread, tmp_path / "data", qsettings, run_async)
    qtbot.addWidget(again.window)
    try:
        assert not again.window.table.isColumnHidden(Column.PROMPT)  # the user's choice stays
    finally:
        again.stop()
