"""A 404 blip does not lose a task for good (issue 10, item 9).

A task seen alive needs several "not found" answers over `not_found_grace_s`
before it is lost; one never seen keeps the quick confirmation; a task lost on
taskmon's own judgement is looked at once more when tracking starts again.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from loopback import eventually

from taskmon.domain.snapshot import State
from taskmon.domain.task import NOT_FOUND, TaskRef
from taskmon.service.data_paths import db_path
from taskmon.sim import Fault, Simulator, TaskScript
from taskmon.store.store import Store
from taskmon.tracking import outcome_handler


async def test_a_404_blip_of_a_running_task_does_not_lose_it(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, recorder = make_engine()  # the default grace: a minute or more
    blip = Fault(kind="404", from_s=1.0, until_s=12.0)
    task = sim.add_task(TaskScript(provider="vidgo", run_s=16.0, faults=[blip]))
    key = engine.track(TaskRef("vidgo", task.task_id)).key
    await settle(engine, 40)
    assert engine.task(key).state is State.SUCCEEDED  # type: ignore[union-attr]  # before: lost
    misses = [p for p in sim.stats(task.task_id).polls if p.http_status == 404]
    assert len(misses) >= 2
    problems = [e.view.problem or "" for e in recorder.task_events(key)]
    assert any("does not know this task" in p and "confirming in" in p for p in problems)


async def test_a_running_task_that_stays_gone_is_lost_after_the_grace(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, _ = make_engine(not_found_grace_s=3.0)
    task = sim.add_task(TaskScript(provider="vidgo", run_s=60.0))
    key = engine.track(TaskRef("vidgo", task.task_id)).key
    await eventually(lambda: engine.task(key).observed)  # type: ignore[union-attr]
    started = time.monotonic()
    sim.remove_task(task.task_id)
    await settle(engine, 40)
    final = engine.task(key)
    assert final is not None and final.state is State.LOST
    assert final.error is not None and final.error.code == NOT_FOUND
    assert time.monotonic() - started >= 3.0
    assert final.polls >= 1 + 3  # seen running, then three "not found" at least


async def test_a_task_never_seen_is_still_lost_after_one_confirmation(
    make_engine: Any, settle: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outcome_handler, "NOT_FOUND_CONFIRM_S", 0.2)
    engine, _ = make_engine()
    key = engine.track(TaskRef("vidgo", "task-unified-0000000000-nothere")).key
    await settle(engine, 10)
    final = engine.task(key)
    assert final is not None and final.state is State.LOST and final.polls == 2


async def test_a_lost_task_is_looked_at_once_more_at_the_next_start(
    sim: Simulator, make_service: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outcome_handler, "NOT_FOUND_CONFIRM_S", 0.2)
    data = tmp_path / "data"
    first = make_service(data)
    await first.start()
    back = TaskRef("xenodia", "task_back_after_all")
    gone = TaskRef("xenodia", "task_gone_for_good")
    await first.add_tasks([back, gone])
    await asyncio.wait_for(first.wait_until_done(), 20)
    await first.stop()
    sim.add_task(TaskScript(provider="xenodia", task_id=back.task_id, run_s=0.5))

    second = make_service(data)
    await second.start()  # before: both stayed lost, never polled again
    await asyncio.wait_for(second.wait_until_done(), 30)
    assert second.engine is not None
    assert second.engine.task(back.key).state is State.SUCCEEDED  # type: ignore[union-attr]
    still = second.engine.task(gone.key)
    assert still is not None and still.state is State.LOST and still.polls == 1
    history = [e.state for e in await second.history(gone.key)]
    assert history == [State.LOST]  # one look, no reopening churn
    await second.stop()
    with Store.open(db_path(data)) as store:
        assert store.task(back.key).state is State.SUCCEEDED  # type: ignore[union-attr]
