"""Parts of the main window built after its first paint (ui/window/deferred.py)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QMenu, QToolBar, QWidget

from taskmon.ui.window import DeferredParts


def test_the_result_actions_and_saving_arrive_after_the_first_paint_by_themselves(
    app: Any, qtbot: Any
) -> None:
    window = app.window
    parts = window._later
    qtbot.waitExposed(window)
    # No one asked for them: the event loop builds them, one turn each.
    qtbot.waitUntil(lambda: parts.built("saving") is not None, timeout=10000)
    assert parts.built("results") is window.results
    assert parts.built("saving") is window.saving
    toolbar = window.findChild(QToolBar, "actionsToolbar")
    assert window.saving.save_action in toolbar.actions()
    menus = [a.menu() for a in window.menuBar().actions()]
    results_menus = [m for m in menus if isinstance(m, QMenu) and m.objectName() == "resultsMenu"]
    assert len(results_menus) == 1  # the one made up front, filled by the result actions
    assert window.results.open_action in results_menus[0].actions()
    # The grid, built before them, has the same actions as the list (context menu, keys).
    assert [a.text() for a in window.views.grid.actions()] == [
        a.text() for a in window.table.actions()
    ]
    assert window.results.quick_look_action in window.views.grid.actions()


def test_asking_for_a_part_builds_it_and_those_before_it_in_order(qtbot: Any) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    built: list[str] = []
    parts = DeferredParts(host, host)
    parts.add("a", lambda: built.append("a") or "A")
    parts.add("b", lambda: built.append("b") or "B")
    parts.add("c", lambda: built.append("c") or "C")
    assert parts.ensure("b") == "B"
    assert built == ["a", "b"]
    assert parts.ensure("b") == "B" and built == ["a", "b"]  # once only
    host.show()  # its first paint starts the rest
    qtbot.waitUntil(lambda: parts.built("c") == "C", timeout=5000)
    assert built == ["a", "b", "c"]


def test_the_work_after_the_first_paint_waits_for_the_timers_due_during_it(qtbot: Any) -> None:
    # A 0 ms single shot is a posted call, handled before the timers (and input) that
    # came due while the paint ran: the first rows' work joined the first show's stretch.
    host = QWidget()
    qtbot.addWidget(host)
    order: list[str] = []
    parts = DeferredParts(host, host)
    parts.after_paint(lambda: order.append("after the paint"))
    due = QTimer(host)
    due.setSingleShot(True)
    due.setInterval(0)
    due.timeout.connect(lambda: order.append("a timer due during the paint"))

    class StartsTheTimer(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not due.isActive() and not order:
                due.start()  # before DeferredParts sees this paint: filters run last-first
            return False

    starter = StartsTheTimer(host)
    host.installEventFilter(starter)
    host.show()
    qtbot.waitUntil(lambda: len(order) == 2, timeout=5000)
    assert order == ["a timer due during the paint", "after the paint"]
