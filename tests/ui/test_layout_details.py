"""Issue 11, nothing cut off: the window at 1100x650 with the details panel open."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QScrollArea, QToolTip
from test_honest_rows import LONG_ERROR, _needed_texts_fit, _row_of, _window
from ui_views import make_view
from window_app import App

from taskmon.domain.snapshot import MediaKind, Output, State, TaskError
from taskmon.ui.table.task_model import Column
from taskmon.ui.window import MainWindow


def _with_details(app: App, qtbot: Any, task_id: str = "job-long") -> MainWindow:
    window = _window(app, qtbot, 1100, 650)
    window.show_details(True)
    window.table.selectRow(_row_of(window, task_id))
    qtbot.waitUntil(lambda: window.details.current() is not None, timeout=2000)
    qtbot.wait(50)
    return window


def test_needed_words_fit_at_1100_by_650_with_the_details_open(app: App, qtbot: Any) -> None:
    window = _with_details(app, qtbot)
    _needed_texts_fit(window)
    assert window.details.isVisible() and window.details.current() is not None
    tip = window.proxy.index(_row_of(window, "job-long"), Column.TASK_ID).data(
        Qt.ItemDataRole.ToolTipRole
    )
    assert "Xenodia" in tip  # the provider column gave way: its name is on hover


def test_long_values_in_the_details_panel_never_scroll_sideways(app: App, qtbot: Any) -> None:
    long_id = "task_" + "0123456789abcdef" * 4 + "ca387l"
    url = "https://cdn.example/results/" + "x" * 90 + "/image.png"
    window = _window(app, qtbot, 1100, 650)
    window.model.apply(
        [
            make_view(
                long_id,
                "reapi",
                State.SUCCEEDED,
                outputs=(Output(url, MediaKind.IMAGE),),
                error=TaskError("unreachable:" + "y" * 120),
            )
        ]
    )
    window.show_details(True)
    window.table.selectRow(_row_of(window, long_id))
    qtbot.waitUntil(lambda: window.details.current() is not None, timeout=2000)
    qtbot.wait(50)
    overview = window.details.findChild(QScrollArea)
    assert overview is not None
    assert overview.horizontalScrollBar().maximum() == 0, "the overview scrolls sideways"
    width = overview.viewport().width()
    labels = [w for w in overview.widget().findChildren(QLabel) if w.isVisible()]
    too_wide = [w.text()[:40] for w in labels if w.geometry().right() > width]
    assert not too_wide
    # The whole value is on hover where the shown one is broken or shortened.
    task_id = window.details.value_label("Task ID")
    assert task_id.toolTip() == long_id
    error = window.details.value_label("Error")
    assert error.toolTip() == "unreachable:" + "y" * 120


def test_a_long_errors_tooltip_is_whole_and_in_lines_that_fit_a_screen(
    app: App, qtbot: Any
) -> None:
    window = _window(app, qtbot, 1100, 650)
    tip = window.proxy.index(_row_of(window, "job-long"), Column.PROBLEM).data(
        Qt.ItemDataRole.ToolTipRole
    )
    assert tip.split() == f"{LONG_ERROR} [E400]".split()
    metrics = QFontMetrics(QToolTip.font())
    widest = max(metrics.horizontalAdvance(line) for line in tip.splitlines())
    assert widest <= 800, widest  # a plain tooltip is one line per line: keep each short
