"""Faults never end a task: each is recorded, backed off from, and survived."""

from __future__ import annotations

from typing import Any

import pytest

from taskmon.domain.snapshot import State
from taskmon.domain.task import TaskRef
from taskmon.sim import Fault, Simulator, TaskScript
from taskmon.tracking.pacing.rate_budget import RateBudget
from taskmon.tracking.scheduler import DueTimes

TRANSIENT = ["500", "502", "503", "html", "html502", "malformed", "empty", "truncated", "reset"]


async def test_every_transient_fault_is_recorded_and_survived(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, recorder = make_engine()
    keys: dict[str, str] = {}
    for i, kind in enumerate(TRANSIENT):
        provider = ("xenodia", "apixo", "vidgo")[i % 3]
        fault = Fault(kind=kind, first=1, retry_after_s=1.0)
        task = sim.add_task(TaskScript(provider=provider, run_s=0.5, faults=[fault]))
        keys[kind] = engine.track(TaskRef(provider, task.task_id, task.model)).key
    await settle(engine, 40)
    for kind, key in keys.items():
        view = engine.task(key)
        assert view is not None and view.state is State.SUCCEEDED, (kind, view)
        problems = [e.view.problem for e in recorder.task_events(key) if e.view.problem]
        assert problems, f"fault {kind} left no trace on the task"
        assert view.problem is None  # cleared once the provider answered properly


async def test_a_slow_reply_is_waited_for(sim: Simulator, make_engine: Any, settle: Any) -> None:
    engine, _ = make_engine()
    task = sim.add_task(
        TaskScript(provider="vidgo", run_s=0.2, faults=[Fault(kind="slow", first=1, delay_s=1.5)])
    )
    view = engine.track(TaskRef("vidgo", task.task_id))
    await settle(engine, 20)
    assert engine.task(view.key).state is State.SUCCEEDED  # type: ignore[union-attr]


async def test_retry_after_is_obeyed_for_every_task_of_the_key(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, recorder = make_engine()
    limited = sim.add_task(
        TaskScript(
            provider="apixo", run_s=0.5, faults=[Fault(kind="429", first=1, retry_after_s=3)]
        )
    )
    other = sim.add_task(TaskScript(provider="apixo", run_s=0.5))
    key = engine.track(TaskRef("apixo", limited.task_id, limited.model)).key
    await settle(engine, 30)
    times = sim.stats(limited.task_id).request_times
    assert times[1] - times[0] >= 3.0  # nothing sent inside the Retry-After window
    assert any("rate limited" in (e.view.problem or "") for e in recorder.task_events(key))
    # A task of the same key added during the pause waits for it too.
    engine.track(TaskRef("apixo", other.task_id, other.model))
    await settle(engine, 30)
    assert engine.task(key).state is State.SUCCEEDED  # type: ignore[union-attr]


async def test_reapi_is_never_polled_inside_its_cache_window(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, _ = make_engine()
    tasks = [sim.add_task(TaskScript(provider="reapi", run_s=run)) for run in (3.0, 7.0)]
    for task in tasks:
        engine.track(TaskRef("reapi", task.task_id))
    await settle(engine, 40)
    for task in tasks:
        stats = sim.stats(task.task_id)
        gaps = [b - a for a, b in zip(stats.request_times, stats.request_times[1:], strict=False)]
        assert stats.cache_hits == 0
        assert min(gaps) >= 5.0
    assert all(v.state is State.SUCCEEDED for v in engine.tasks())


async def test_a_refused_key_stops_the_provider_and_is_reported_once(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    keys = dict(sim.keys, vidgo="wrong-key")
    engine, recorder = make_engine(keys=keys)
    for _ in range(3):
        task = sim.add_task(TaskScript(provider="vidgo", run_s=0.5))
        engine.track(TaskRef("vidgo", task.task_id))
    ok = sim.add_task(TaskScript(provider="reapi", run_s=0.5))
    ok_key = engine.track(TaskRef("reapi", ok.task_id)).key
    await settle_keys(engine, [ok_key])
    problems = recorder.provider_events()
    assert [(e.provider, e.kind) for e in problems] == [("vidgo", "key_rejected")]
    assert "rejected the API key" in (problems[0].problem or "")
    assert sim.requests_by_provider["vidgo"] <= 3  # no retry storm against a refused key
    assert engine.task(ok_key).state is State.SUCCEEDED  # type: ignore[union-attr]


async def test_a_missing_key_says_how_to_add_one(sim: Simulator, make_engine: Any) -> None:
    engine, recorder = make_engine(keys={})
    engine.track(TaskRef("reapi", "task_" + "0" * 32))
    import asyncio

    for _ in range(50):
        if recorder.provider_events():
            break
        await asyncio.sleep(0.05)
    (event,) = recorder.provider_events()
    assert event.kind == "no_key"
    assert "taskmon keys set reapi" in (event.problem or "")
    assert "TASKMON_REAPI_API_KEY" in (event.problem or "")


async def settle_keys(engine: Any, keys: list[str]) -> None:
    import asyncio

    await asyncio.wait_for(engine.wait_idle(keys), 30)


async def test_tasks_behind_a_spent_budget_wait_their_turn_at_the_budget_s_rate(
    sim: Simulator, make_engine: Any, settle: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    schedules = 0
    schedule = DueTimes.schedule

    def counting(due: DueTimes, task: Any, delay_s: float) -> None:
        nonlocal schedules
        schedules += 1
        schedule(due, task, delay_s)

    monkeypatch.setattr(DueTimes, "schedule", counting)
    engine, _ = make_engine()
    scripts = [sim.add_task(TaskScript(provider="vidgo", run_s=0.2)) for _ in range(12)]
    first = engine.track(TaskRef("vidgo", scripts[0].task_id))
    runtime = engine.runtime_for(engine.tracked(first.key))
    runtime.budget = RateBudget(rate_per_s=4.0, burst=1.0, max_rate_per_s=4.0, _tokens=1.0)
    schedules = 0  # from here on
    for script in scripts[1:]:
        engine.track(TaskRef("vidgo", script.task_id))
    await settle(engine, 30)
    times = sorted(t for s in scripts for t in sim.stats(s.task_id).request_times)
    # The budget's rate holds (one token of burst, then 4 a second)...
    assert all(b - a >= 1.0 for a, b in zip(times, times[5:], strict=False))
    # ...and a waiting task is not put back on a timer: one schedule per look at most.
    assert schedules <= len(times)
