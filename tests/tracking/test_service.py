"""The engine with its store: resume, hand-over from another process, one poller."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from taskmon.domain.records import FileState, NewTask
from taskmon.domain.snapshot import State
from taskmon.domain.task import TaskRef
from taskmon.keys import Secret
from taskmon.providers import PROVIDERS
from taskmon.service.data_paths import db_path
from taskmon.service.instance_lock import AlreadyTracking
from taskmon.service.tracking_service import TrackingService
from taskmon.sim import Simulator, TaskScript
from taskmon.store.store import Store
from taskmon.tracking.engine import EngineConfig


class Keys:
    def __init__(self, sim: Simulator) -> None:
        self._keys = sim.keys

    async def get(self, provider: str) -> Secret | None:
        return Secret(self._keys[provider])


def _service(sim: Simulator, directory: Path) -> TrackingService:
    config = EngineConfig(base_url_overrides=dict.fromkeys(PROVIDERS, sim.api_url))
    return TrackingService(directory, Keys(sim), config)


def _add(directory: Path, *refs: TaskRef) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with Store.open(db_path(directory)) as store:
        store.add_tasks([NewTask(ref) for ref in refs])


async def test_stored_tasks_are_tracked_and_their_results_cached(
    sim: Simulator, tmp_path: Path
) -> None:
    refs = []
    for provider in ("reapi", "bytespike", "apixo"):
        task = sim.add_task(TaskScript(provider=provider, run_s=0.3))
        refs.append(TaskRef(provider, task.task_id, task.model))
    _add(tmp_path, *refs)
    service = _service(sim, tmp_path)
    await service.start()
    try:
        await asyncio.wait_for(service.wait_until_done(), 30)
    finally:
        await service.stop()
    with Store.open(db_path(tmp_path)) as store:
        stored = store.tasks()
    assert {t.state for t in stored} == {State.SUCCEEDED}
    for task in stored:
        (file,) = task.files
        assert file.state is FileState.COMPLETE
        path = Path(file.path or "")
        assert path.is_relative_to(tmp_path / "cache")
        assert path.read_bytes() == sim.expected_media(file.url)


async def test_a_restart_polls_no_finished_task_again_and_resumes_the_rest(
    sim: Simulator, tmp_path: Path
) -> None:
    done = sim.add_task(TaskScript(provider="vidgo", run_s=0.2))
    _add(tmp_path, TaskRef("vidgo", done.task_id))
    first = _service(sim, tmp_path)
    await first.start()
    await asyncio.wait_for(first.wait_until_done(), 30)
    await first.stop()
    polls_before = len(sim.stats(done.task_id).polls)

    slow = sim.add_task(TaskScript(provider="vidgo", run_s=1.0))
    _add(tmp_path, TaskRef("vidgo", slow.task_id))
    second = _service(sim, tmp_path)
    await second.start()
    try:
        await asyncio.wait_for(second.wait_until_done(), 30)
    finally:
        await second.stop()
    assert len(sim.stats(done.task_id).polls) == polls_before
    with Store.open(db_path(tmp_path)) as store:
        assert {t.state for t in store.tasks()} == {State.SUCCEEDED}
        assert len(store.tasks()) == 2


async def test_a_task_added_by_another_process_is_picked_up(sim: Simulator, tmp_path: Path) -> None:
    service = _service(sim, tmp_path)
    await service.start()
    try:
        task = sim.add_task(TaskScript(provider="xenodia", run_s=0.2))
        await asyncio.to_thread(_add, tmp_path, TaskRef("xenodia", task.task_id))
        for _ in range(40):
            if service.engine and service.engine.tasks():
                break
            await asyncio.sleep(0.1)
        assert service.engine is not None and len(service.engine.tasks()) == 1
        await asyncio.wait_for(service.wait_until_done(), 30)
    finally:
        await service.stop()


async def test_only_one_service_tracks_a_data_dir(sim: Simulator, tmp_path: Path) -> None:
    first = _service(sim, tmp_path)
    await first.start()
    try:
        with pytest.raises(AlreadyTracking, match="already tracking"):
            await _service(sim, tmp_path).start()
    finally:
        await first.stop()
    again = _service(sim, tmp_path)
    await again.start()  # released on stop
    await again.stop()


async def test_tasks_of_a_provider_without_a_key_do_not_hold_the_run_open(
    sim: Simulator, tmp_path: Path, caplog: Any
) -> None:
    task = sim.add_task(TaskScript(provider="reapi", run_s=0.2))
    _add(tmp_path, TaskRef("reapi", task.task_id), TaskRef("apixo", "task_x", "nano-banana"))

    class OnlyReapi(Keys):
        async def get(self, provider: str) -> Secret | None:
            return await super().get(provider) if provider == "reapi" else None

    config = EngineConfig(base_url_overrides=dict.fromkeys(PROVIDERS, sim.api_url))
    service = TrackingService(tmp_path, OnlyReapi(sim), config)
    await service.start()
    try:
        await asyncio.wait_for(service.wait_until_done(), 30)
        assert service.engine is not None
        assert "apixo" in service.engine.provider_problems()
    finally:
        await service.stop()


async def test_finished_tasks_teach_the_next_run_how_long_a_model_takes(
    sim: Simulator, tmp_path: Path
) -> None:
    learned = [sim.add_task(TaskScript(provider="apixo", run_s=0.3)) for _ in range(5)]
    _add(tmp_path, *(TaskRef("apixo", t.task_id, t.model) for t in learned))
    first = _service(sim, tmp_path)
    await first.start()
    await asyncio.wait_for(first.wait_until_done(), 30)
    await first.stop()

    fresh = sim.add_task(TaskScript(provider="apixo", kind="image", run_s=20.0))
    _add(tmp_path, TaskRef("apixo", fresh.task_id, fresh.model))
    second = _service(sim, tmp_path)
    await second.start()
    try:
        assert second.engine is not None
        for _ in range(50):
            views = [v for v in second.engine.tasks() if v.ref.task_id == fresh.task_id]
            if views and views[0].observed:
                break
            await asyncio.sleep(0.1)
        (view,) = views
        # Apixo reports neither progress nor an estimate: the ETA comes from history.
        assert view.eta_at is not None
    finally:
        await second.stop()
