"""The window over a real engine for tests: simulator over loopback HTTP, a real store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from taskmon.domain.task import TaskRef
from taskmon.keys import KeySource, Secret
from taskmon.providers import PROVIDERS
from taskmon.service.handover import HolderRole
from taskmon.service.tracking_service import TrackingService
from taskmon.sim import SimulatorThread, TaskScript
from taskmon.tracking.config import EngineConfig
from taskmon.ui.bridge import EngineBridge
from taskmon.ui.table.task_model import Column
from taskmon.ui.window import MainWindow


class StaticKeys:
    def __init__(self, keys: dict[str, str]) -> None:
        self._keys = keys

    async def get(self, provider: str) -> Secret | None:
        value = self._keys.get(provider)
        return None if value is None else Secret(value)

    async def source(self, provider: str) -> Any:
        return KeySource.ENV if provider in self._keys else KeySource.NONE


class App:
    """A window, its bridge and service, on a simulator; `stop()` takes it down."""

    def __init__(
        self,
        sim: SimulatorThread,
        data_dir: Path,
        settings: QSettings,
        run: Any,
        keys: Any = None,
        clock: Any = None,
    ) -> None:
        self.sim = sim
        self.data_dir = data_dir
        self.run = run
        keys = keys if keys is not None else StaticKeys(sim.keys)
        config = EngineConfig(base_url_overrides={name: sim.api_url for name in PROVIDERS})
        self.service = TrackingService(data_dir, keys, config, role=HolderRole.WINDOW)
        self.bridge = EngineBridge(self.service, keys)
        run(self.bridge.start())
        self.window = MainWindow(self.bridge, settings, clock=clock)
        self.quit_called = False
        self.window.quit_requested = lambda: setattr(self, "quit_called", True)
        self.window.show()

    def add(self, script: TaskScript) -> TaskRef:
        task = self.sim.add_task(script)
        model = task.model if PROVIDERS[task.provider].requires_model else None
        return TaskRef(task.provider, task.task_id, model)

    def rows(self) -> dict[str, str]:
        """Task ID -> state words, as the table shows them."""
        model = self.window.model
        return {
            model.index(r, Column.TASK_ID).data(): model.index(r, Column.STATE).data()
            for r in range(model.rowCount())
        }

    def stop(self) -> None:
        self.window.hide()
        self.run(self.bridge.stop())
