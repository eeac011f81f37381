"""Screenshots of issue 11's layout on a real X server, for a person to look at.

    DISPLAY=:NN python tests/ui/layout_screenshots.py OUT_DIR

Writes add-12-xenodia.png (the Add dialog with 12 pasted Xenodia IDs, before
and after "Xenodia for all 12" with one row overridden), long-error.png (a
failed task with a long error: its row, its tooltip, the details panel) and
window-1100x650-details.png. The window runs over a stand-in bridge with
task views built by the engine's own task record (tests/ui/ui_views.py): what
is drawn is the real window, only the engine is absent. Used by
test_layout_screenshots.py.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from PySide6.QtCore import QObject, QPoint, QSettings, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QScrollArea, QToolTip, QWidget
from ui_views import T0, make_view

from taskmon.domain.snapshot import Cost, MediaKind, Output, State, TaskError
from taskmon.ui.table.task_model import Column
from taskmon.ui.window import MainWindow

LONG_ERROR = (
    "Content violates usage policy: the prompt asks for a likeness of a real, named person "
    "and the provider's safety filter refused it before any image was generated"
)
XENODIA_IDS = [f"task_{i:04x}e0abd5c61cff4dca9{i:03x}" for i in range(12)]


class StandInBridge(QObject):
    """What the window asks of its bridge, without an engine behind it."""

    tasksChanged = Signal(list)
    tasksRemoved = Signal(list)
    providerStatus = Signal(str, object, str)
    storeStatus = Signal(object)
    showRequested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.provider_problems: dict[str, Any] = {}
        self.service: Any = None  # no engine: auto-save, thumbnails and the cache stay idle

    def tasks(self) -> list[Any]:
        return []

    def replay(self) -> None:
        pass

    def run(self, coro: Any) -> None:
        coro.close()


def views() -> list[Any]:
    providers = ("xenodia", "apixo", "bytespike", "vidgo", "reapi")
    out = [
        make_view(
            "task_9c1e0d2b7a4f4e1c8b3a5d6f",
            "xenodia",
            State.FAILED,
            label="portrait set",
            error=TaskError(LONG_ERROR, "content_policy"),
            age_s=80,
        ),
        make_view(
            "task_00000000000000000000000000ca387l", age_s=54, estimated_total_s=55.0, label="hero"
        ),
        make_view("vid-7f3a9c", "vidgo", State.RUNNING, progress=42.0, age_s=95, kind=None),
    ]
    for i in range(40):
        state = (State.RUNNING, State.QUEUED, State.SUCCEEDED, State.RUNNING)[i % 4]
        provider = providers[i % 5]
        outputs = (
            (Output(f"https://cdn.example/r/{i}.png", MediaKind.IMAGE),)
            if state is State.SUCCEEDED
            else ()
        )
        out.append(
            make_view(
                f"task_{i:08x}a1b2c3d4e5f60718",
                provider,
                state,
                model="seedream-4" if provider == "bytespike" else "m1",
                label=("batch 7 · hero shots", None, "portrait set")[i % 3],
                age_s=10 + 7 * i,
                estimated_total_s=90.0 if i % 3 == 0 else None,
                outputs=outputs,
                cost=Cost(credits=2.5) if i % 2 else None,
            )
        )
    return out


def grab(widget: QWidget, path: Path) -> None:
    QApplication.processEvents()
    shot = widget.grab()
    shot.save(str(path))
    print(f"saved {path}", flush=True)


def main() -> int:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    settings = QSettings(str(out / "window.ini"), QSettings.Format.IniFormat)
    settings.clear()
    window = MainWindow(StandInBridge(), settings)  # type: ignore[arg-type]
    # The views were observed at T0: show them at T0, as if just polled.
    window.model._clock = lambda: T0  # type: ignore[method-assign]
    window.resize(1100, 650)
    window.show()
    window.bridge.tasksChanged.emit(views())
    window.show_details(True)
    for _ in range(20):
        app.processEvents()
    table, proxy = window.table, window.proxy
    failed = next(
        r for r in range(proxy.rowCount()) if proxy.index(r, Column.STATE).data() == "failed"
    )
    table.selectRow(failed)
    app.processEvents()
    grab(window, out / "window-1100x650-details.png")

    # The long error: its cell's tooltip as the pointer would show it, and the
    # details panel scrolled to its Error field; the whole screen, tooltip included.
    details_scroll = window.details.findChild(QScrollArea)
    assert details_scroll is not None
    details_scroll.ensureWidgetVisible(window.details.value_label("Error"))
    index = proxy.index(failed, Column.PROBLEM)
    rect = table.visualRect(index)
    at = table.viewport().mapToGlobal(QPoint(rect.left() - 300, rect.bottom()))
    QToolTip.showText(at, index.data(Qt.ItemDataRole.ToolTipRole), table.viewport())
    for _ in range(10):
        app.processEvents()
    screen = QGuiApplication.primaryScreen()
    shot = screen.grabWindow(0)
    shot.save(str(out / "long-error.png"))
    print(f"saved {out / 'long-error.png'}", flush=True)
    QToolTip.hideText()

    from taskmon.ui.adding.add_dialog import AddTasksDialog

    dialog = AddTasksDialog(window.bridge, settings, window, text="\n".join(XENODIA_IDS))  # type: ignore[arg-type]
    dialog.show()
    for _ in range(10):
        app.processEvents()
    grab(dialog, out / "add-12-xenodia-before.png")
    dialog.for_all.setCurrentIndex(dialog.for_all.findData("xenodia"))
    first = dialog.rows[0].provider_box
    assert first is not None
    first.setCurrentIndex(first.findData("apixo"))  # one ID is an Apixo task after all
    for _ in range(10):
        app.processEvents()
    grab(dialog, out / "add-12-xenodia.png")
    print("summary:", dialog.summary.text(), "|", dialog.add_button.text(), flush=True)
    print("for all:", dialog.for_all_label.text(), dialog.for_all.currentText(), flush=True)
    dialog.close()
    window.hide()
    return 0


if __name__ == "__main__":
    sys.exit(main())
