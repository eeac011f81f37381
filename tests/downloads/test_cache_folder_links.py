"""Issue #10, problem 8, through the tracking service: a task's cache folder that is a
link is refused, so its result never lands (nor is recorded) outside the data dir.

The simulator serves the task and its result over loopback; the data dir is real.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from taskmon.domain.records import FileState, NewTask
from taskmon.domain.task import TaskRef
from taskmon.keys import Secret
from taskmon.providers import PROVIDERS
from taskmon.service.data_paths import db_path, task_cache_dir
from taskmon.service.tracking_service import TrackingService
from taskmon.sim import Simulator, TaskScript
from taskmon.store.store import Store
from taskmon.tracking.engine import EngineConfig

pytestmark = pytest.mark.skipif(os.name != "posix", reason="symlinks need privileges on Windows")


class _Keys:
    def __init__(self, sim: Simulator) -> None:
        self._keys = sim.keys

    async def get(self, provider: str) -> Secret | None:
        return Secret(self._keys[provider])


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator(seed=11)
    await simulator.start()
    yield simulator
    await simulator.stop()


async def test_a_task_cache_folder_that_links_elsewhere_gets_no_result(
    sim: Simulator, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    task = sim.add_task(TaskScript(provider="reapi", run_s=0.2))
    ref = TaskRef("reapi", task.task_id, task.model)
    folder = task_cache_dir(data, ref)
    folder.parent.mkdir(parents=True)
    folder.symlink_to(elsewhere)  # planted by another user of a shared data dir
    with Store.open(db_path(data)) as store:
        store.add_tasks([NewTask(ref)])

    config = EngineConfig(base_url_overrides=dict.fromkeys(PROVIDERS, sim.api_url))
    service = TrackingService(data, _Keys(sim), config)
    await service.start()
    try:
        await asyncio.wait_for(service.wait_until_done(), 30)
    finally:
        await service.stop()

    assert list(elsewhere.iterdir()) == []
    with Store.open(db_path(data)) as store:
        (stored,) = store.tasks()
    assert all(f.state is not FileState.COMPLETE for f in stored.files)
    assert stored.problem is not None and "is a link" in stored.problem
