"""A 503 is the service being unavailable, not a rate limit: the task says which."""

from __future__ import annotations

from typing import Any

from taskmon.domain.snapshot import State
from taskmon.domain.task import TaskRef
from taskmon.sim import Fault, Simulator, TaskScript


async def test_a_503_says_service_unavailable_and_a_429_rate_limited(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, recorder = make_engine()
    keys = {}
    for kind, provider in (("503", "xenodia"), ("429", "vidgo")):
        fault = Fault(kind=kind, first=1, retry_after_s=2.0)
        task = sim.add_task(TaskScript(provider=provider, run_s=0.5, faults=[fault]))
        keys[kind] = engine.track(TaskRef(provider, task.task_id)).key
    await settle(engine, 30)

    def problems(key: str) -> list[str]:
        return [e.view.problem for e in recorder.task_events(key) if e.view.problem]

    assert any(p.startswith("service unavailable, retrying in ") for p in problems(keys["503"]))
    assert not any("rate limited" in p for p in problems(keys["503"]))
    assert any(p.startswith("rate limited, retrying in ") for p in problems(keys["429"]))
    assert all(v.state is State.SUCCEEDED for v in engine.tasks())
