"""Steps the saving tests share: finished tasks in a real window, mouse events, a slow origin."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget
from window_app import App

from taskmon.domain import TaskView
from taskmon.sim import TaskScript
from taskmon.ui.saving import result_settings
from taskmon.ui.saving.save_actions import SaveController

SIDECAR_KEYS = {
    "provider",
    "task_id",
    "model",
    "kind",
    "label",
    "prompt",
    "request",
    "created_at",
    "finished_at",
    "cost",
    "source_url",
    "sha256",
    "taskmon_version",
}


def prepared_saving(app: App, qsettings: Any, tmp_path: Any) -> SaveController:
    """The window's SaveController, with Qt's own dialogs and a save folder of the test's."""
    result_settings.remember_folder(qsettings, tmp_path / "saves")
    controller = app.window.saving
    controller.native_dialogs = False
    return controller


def finished_task(
    app: App, qtbot: Any, label: str | None = None, outputs: int = 1, **script: Any
) -> TaskView:
    """A task tracked by the window whose results are all in the media cache."""
    ref = app.add(TaskScript("xenodia", "image", queue_s=0.0, run_s=0.2, outputs=outputs, **script))
    app.run(app.bridge.add([ref], label))
    engine = app.service.engine
    assert engine is not None

    def landed() -> bool:
        view = engine.task(ref.key)
        return view is not None and view.is_done and len(view.files) == outputs

    qtbot.waitUntil(landed, timeout=20000)

    def in_table() -> bool:  # the table hears of changes in batches, a moment later
        row = app.window.model.row_of(ref.key)
        return row is not None and app.window.model.view_at(row).is_done

    qtbot.waitUntil(in_table, timeout=5000)
    view = engine.task(ref.key)
    assert view is not None
    return view


def select(app: App, views: list[TaskView]) -> None:
    """Select the rows of `views` in the table, as Ctrl+clicks would."""
    app.window._select_keys({v.key for v in views})
    assert {v.key for v in app.window.selected_views()} == {v.key for v in views}


def row_point(app: App, view: TaskView) -> QPoint:
    """The middle of the first cell of `view`'s row, in the table viewport's coordinates."""
    window = app.window
    row = window.model.row_of(view.key)
    assert row is not None
    index = window.proxy.mapFromSource(window.model.index(row, 0))
    return window.table.visualRect(index).center()


def mouse(
    widget: QWidget,
    kind: QEvent.Type,
    at: QPoint,
    button: Qt.MouseButton = Qt.MouseButton.LeftButton,
    held: Qt.MouseButton = Qt.MouseButton.LeftButton,
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    """Send one mouse event to `widget` (through its event filters, as Qt delivers it)."""
    local = QPointF(at)
    event = QMouseEvent(
        kind, local, local, QPointF(widget.mapToGlobal(at)), button, held, modifiers
    )
    QApplication.sendEvent(widget, event)


@dataclass
class StallingOrigin:
    """Serves one file of `size` bytes: headers and the first `sent` bytes, then waits."""

    size: int
    sent: int
    release: asyncio.Event = field(default_factory=asyncio.Event)
    base: str = ""
    runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"{self.base}/media/stalled.png"

    async def start(self) -> None:
        async def serve(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse(
                status=200, headers={"Content-Type": "image/png", "ETag": '"stall"'}
            )
            response.content_length = self.size
            await response.prepare(request)
            await response.write(b"\x89PNG\r\n\x1a\n" + bytes(self.sent - 8))
            await self.release.wait()
            await response.write(bytes(self.size - self.sent))
            return response

        application = web.Application()
        application.router.add_get("/media/stalled.png", serve)
        self.runner = web.AppRunner(application, handle_signals=False, shutdown_timeout=1)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        host, port = self.runner.addresses[0][:2]
        self.base = f"http://{host}:{port}"

    async def stop(self) -> None:
        self.release.set()
        if self.runner is not None:
            await self.runner.cleanup()
