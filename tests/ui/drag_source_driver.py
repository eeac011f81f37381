"""The drag's source for test_drag_xdnd.py: a real taskmon window with one finished task.

    python drag_source_driver.py DIR
Runs a simulator, a tracking service on DIR/data and the window; once the
task's result is in the media cache it selects the row and writes
DIR/source.json (the row's screen position and the SHA-256 of the media the
simulator served), then runs until DIR/stop exists.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
from pathlib import Path

import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from window_app import StaticKeys

from taskmon.domain import TaskRef
from taskmon.providers import PROVIDERS
from taskmon.service import HolderRole, TrackingService
from taskmon.sim import SimulatorThread, TaskScript
from taskmon.tracking import EngineConfig
from taskmon.ui.bridge import EngineBridge
from taskmon.ui.window import MainWindow


async def serve(folder: Path, sim: SimulatorThread) -> None:
    keys = StaticKeys(sim.keys)
    config = EngineConfig(base_url_overrides={name: sim.api_url for name in PROVIDERS})
    service = TrackingService(folder / "data", keys, config, role=HolderRole.WINDOW)
    bridge = EngineBridge(service, keys)
    await bridge.start()
    settings = QSettings(str(folder / "window.ini"), QSettings.Format.IniFormat)
    settings.setValue("close/choice", "quit")
    window = MainWindow(bridge, settings)
    try:
        window.setGeometry(20, 40, 900, 420)
        window.show()
        task = sim.add_task(TaskScript("xenodia", "image", queue_s=0.0, run_s=0.2))
        ref = TaskRef("xenodia", task.task_id)
        await bridge.add([ref])
        while True:
            row = window.model.row_of(ref.key)
            if row is not None and window.model.view_at(row).is_done:
                break
            await asyncio.sleep(0.1)
        view = window.model.view_at(row)
        window._select_keys({view.key})
        index = window.proxy.mapFromSource(window.model.index(row, 0))
        await asyncio.sleep(0.5)  # mapped and drawn
        point = window.table.viewport().mapToGlobal(window.table.visualRect(index).center())
        media = sim.expected_media(view.outputs[0].url)
        (folder / "source.json").write_text(
            json.dumps(
                {
                    "x": point.x(),
                    "y": point.y(),
                    "sha256": hashlib.sha256(media).hexdigest(),
                    "files": list(view.files),
                }
            )
        )
        while not (folder / "stop").exists():  # noqa: ASYNC110 (another process says stop)
            await asyncio.sleep(0.1)
    finally:
        window.hide()
        await bridge.stop()


def main() -> int:
    folder = Path(sys.argv[1])
    app = QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with SimulatorThread(seed=11) as sim, loop:
        loop.run_until_complete(serve(folder, sim))
    return 0


if __name__ == "__main__":
    sys.exit(main())
