"""The notifier on a real tracking service: the simulator over loopback, a real store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from taskmon.domain import TaskRef
from taskmon.keys import Secret
from taskmon.providers import PROVIDERS
from taskmon.service import Announcement, HolderRole, TaskNotifier, TrackingService
from taskmon.sim import Simulator, TaskScript
from taskmon.tracking import EngineConfig


class Keys:
    def __init__(self, keys: dict[str, str]) -> None:
        self._keys = keys

    async def get(self, provider: str) -> Secret | None:
        value = self._keys.get(provider)
        return None if value is None else Secret(value)


class Shown:
    """A sender that records what it was asked to show."""

    def __init__(self) -> None:
        self.announcements: list[Announcement] = []
        self.changed = asyncio.Event()

    async def show(self, announcement: Announcement, *, sound: bool = False) -> bool:
        self.announcements.append(announcement)
        self.changed.set()
        return True


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator(seed=3)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def service(sim: Simulator, tmp_path: Path) -> AsyncIterator[TrackingService]:
    config = EngineConfig(base_url_overrides=dict.fromkeys(PROVIDERS, sim.api_url))
    tracking = TrackingService(tmp_path / "data", Keys(sim.keys), config, role=HolderRole.RUN)
    yield tracking
    await tracking.stop()


async def _until_shown(shown: Shown, count: int) -> None:
    async with asyncio.timeout(30):
        while len(shown.announcements) < count:
            shown.changed.clear()
            await shown.changed.wait()


async def test_tasks_ending_together_make_one_summary(
    sim: Simulator, service: TrackingService
) -> None:
    shown = Shown()
    notifier = TaskNotifier(shown)
    service.subscribe(notifier)
    await service.start()
    scripts = [
        TaskScript("reapi", run_s=1.0),
        TaskScript("reapi", run_s=1.0),
        TaskScript("reapi", run_s=1.0, outcome="failed", error_message="nsfw"),
    ]
    refs = [TaskRef("reapi", sim.add_task(s).task_id) for s in scripts]
    await service.add_tasks(refs)
    await _until_shown(shown, 1)
    await asyncio.sleep(0.5)
    await notifier.aclose()
    assert len(shown.announcements) == 1
    summary = shown.announcements[0]
    assert summary.summary == "3 tasks finished: 2 succeeded, 1 failed"
    assert set(summary.keys) == {r.key for r in refs}


async def test_a_success_is_announced_with_its_saved_file(
    sim: Simulator, service: TrackingService
) -> None:
    shown = Shown()
    notifier = TaskNotifier(shown)
    service.subscribe(notifier)
    await service.start()
    ref = TaskRef("reapi", sim.add_task(TaskScript("reapi", run_s=0.5)).task_id)
    await service.add_tasks([ref], label="a cat")
    await _until_shown(shown, 1)
    await notifier.aclose()
    single = shown.announcements[0].single
    assert single is not None and single.key == ref.key
    assert shown.announcements[0].summary == "Finished: a cat"
    assert len(single.files) == 1 and Path(single.files[0]).is_file()


async def test_a_task_removed_before_it_is_announced_is_never_announced(
    sim: Simulator, service: TrackingService
) -> None:
    shown = Shown()
    notifier = TaskNotifier(shown, quiet_s=3.0)
    service.subscribe(notifier)
    await service.start()
    kept = TaskRef("reapi", sim.add_task(TaskScript("reapi", run_s=0.5)).task_id)
    removed = TaskRef("reapi", sim.add_task(TaskScript("reapi", run_s=0.5)).task_id)
    await service.add_tasks([kept, removed])
    async with asyncio.timeout(20):
        while len(notifier.batcher.pending()) < 2:  # noqa: ASYNC110 (state of the notifier)
            await asyncio.sleep(0.05)
    await service.remove_tasks([removed.key])
    await _until_shown(shown, 1)
    await notifier.aclose()
    assert [a.keys for a in shown.announcements] == [(kept.key,)]


async def test_the_window_looking_at_a_task_keeps_it_quiet(
    sim: Simulator, service: TrackingService
) -> None:
    shown = Shown()
    watched = TaskRef("reapi", sim.add_task(TaskScript("reapi", run_s=0.5)).task_id)
    other = TaskRef("reapi", sim.add_task(TaskScript("reapi", run_s=3.0)).task_id)
    notifier = TaskNotifier(shown, suppressed=lambda key: key == watched.key, quiet_s=0.2)
    service.subscribe(notifier)
    await service.start()
    await service.add_tasks([watched, other])
    await _until_shown(shown, 1)
    await notifier.aclose()
    assert [a.keys for a in shown.announcements] == [(other.key,)]
