"""Pausing polling: no status call and no stream goes out until it is resumed."""

from __future__ import annotations

import asyncio
from typing import Any

from taskmon.domain.snapshot import State
from taskmon.domain.task import TaskRef
from taskmon.sim import Simulator, TaskScript
from taskmon.tracking import PauseEvent


def _requests(sim: Simulator) -> int:
    return sum(sim.requests_by_provider.values())


async def _until(condition: Any, timeout_s: float = 10.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():  # noqa: ASYNC110 (a condition on another loop's state)
            await asyncio.sleep(0.05)


async def test_no_status_call_goes_out_while_paused_and_polling_resumes_after(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, recorder = make_engine()
    polled = sim.add_task(TaskScript(provider="reapi", run_s=3.0))
    streamed = sim.add_task(TaskScript(provider="bytespike", kind="video", run_s=3.0))
    keys = [
        engine.track(TaskRef("reapi", polled.task_id)).key,
        engine.track(TaskRef("bytespike", streamed.task_id)).key,
    ]
    await _until(lambda: sim.stats(streamed.task_id).stream_connections >= 1)
    await _until(lambda: len(sim.stats(polled.task_id).polls) >= 1)

    engine.pause_polling()
    assert engine.polling_paused
    await asyncio.sleep(0.3)  # a call already on the wire when the pause came may land
    before = _requests(sim)
    await asyncio.sleep(4.0)  # both tasks end at the provider meanwhile
    assert _requests(sim) == before
    assert all(engine.task(k).state is not State.SUCCEEDED for k in keys)  # type: ignore[union-attr]

    engine.resume_polling()
    await settle(engine, 20)
    assert all(engine.task(k).state is State.SUCCEEDED for k in keys)  # type: ignore[union-attr]
    assert _requests(sim) > before
    pauses = [e.paused for e in recorder.events if isinstance(e, PauseEvent)]
    assert pauses == [True, False]


async def test_a_pause_closes_open_streams_without_counting_them_as_failures(
    sim: Simulator, make_engine: Any
) -> None:
    engine, _ = make_engine()
    task = sim.add_task(TaskScript(provider="bytespike", kind="video", run_s=30.0))
    key = engine.track(TaskRef("bytespike", task.task_id)).key
    await _until(lambda: sim.stats(task.task_id).stream_connections == 1)
    engine.pause_polling()
    await _until(lambda: not engine.tracked(key).streaming)  # type: ignore[union-attr]
    assert engine.tracked(key).stream_failures == 0  # type: ignore[union-attr]
    engine.resume_polling()
    # After the first poll the task goes back to its stream.
    await _until(lambda: sim.stats(task.task_id).stream_connections >= 2)


async def test_a_pause_right_after_a_stream_was_started_leaves_the_task_pollable(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, _ = make_engine()
    task = sim.add_task(TaskScript(provider="bytespike", kind="video", run_s=1.0))
    key = engine.track(TaskRef("bytespike", task.task_id)).key
    assert engine.tracked(key).streaming  # type: ignore[union-attr]  # spawned, not yet run
    engine.pause_polling()  # cancels the stream before its first step
    await _until(lambda: not engine.tracked(key).streaming)  # type: ignore[union-attr]
    engine.resume_polling()
    await settle(engine, 20)
    assert engine.task(key).state is State.SUCCEEDED  # type: ignore[union-attr]


async def test_pausing_twice_or_resuming_unpaused_changes_nothing(make_engine: Any) -> None:
    engine, recorder = make_engine()
    engine.resume_polling()
    engine.pause_polling()
    engine.pause_polling()
    engine.resume_polling()
    engine.resume_polling()
    assert [e.paused for e in recorder.events if isinstance(e, PauseEvent)] == [True, False]
