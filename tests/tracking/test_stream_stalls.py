"""A push stream may speed tracking up, never slow it down (issue 10, item 3).

The simulator's `stream_events_max` makes BytesPike's stream fall silent after
its first event: keep-alive comments only, never the terminal event.
"""

from __future__ import annotations

import asyncio
from typing import Any

from taskmon.domain.snapshot import State
from taskmon.domain.task import TaskRef
from taskmon.sim import Simulator, TaskScript


async def test_a_silent_stream_does_not_hide_a_finished_task(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, _ = make_engine(stream_confirm_poll_max_s=2.0, stream_idle_limit_s=600.0)
    task = sim.add_task(
        TaskScript(provider="bytespike", kind="video", run_s=1.0, stream_events_max=1)
    )
    key = engine.track(TaskRef("bytespike", task.task_id)).key
    await settle(engine, 20)  # before: running for ever, never polled
    assert engine.task(key).state is State.SUCCEEDED  # type: ignore[union-attr]
    stats = sim.stats(task.task_id)
    assert stats.stream_connections == 1  # the stream stayed open; confirming polls saw the end
    assert len(stats.polls) >= 1


async def test_a_stream_is_polled_on_the_plain_schedule_while_it_is_open(
    sim: Simulator, make_engine: Any
) -> None:
    engine, _ = make_engine(stream_idle_limit_s=600.0)
    silent = sim.add_task(TaskScript(provider="bytespike", run_s=60.0, stream_events_max=1))
    polled = sim.add_task(TaskScript(provider="bytespike", run_s=60.0, stream=False))
    key = engine.track(TaskRef("bytespike", silent.task_id)).key
    engine.track(TaskRef("bytespike", polled.task_id))
    await asyncio.sleep(16.0)
    assert engine.tracked(key).streaming  # type: ignore[union-attr]
    with_stream = len(sim.stats(silent.task_id).polls)
    without = len(sim.stats(polled.task_id).polls)
    # The same schedule, less the first look that the stream's first event stood for.
    assert with_stream >= 1 and with_stream >= without - 1, (with_stream, without)


async def test_a_stream_that_carries_no_update_is_dropped_for_polling(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, _ = make_engine(stream_idle_limit_s=1.0)
    task = sim.add_task(
        TaskScript(provider="bytespike", kind="video", run_s=4.0, stream_events_max=1)
    )
    key = engine.track(TaskRef("bytespike", task.task_id)).key
    await asyncio.sleep(2.5)
    tracked = engine.tracked(key)
    assert tracked is not None and not tracked.streaming  # before: held open for ever
    assert engine.runtime_for(tracked).streams == 0
    await settle(engine, 30)
    assert engine.task(key).state is State.SUCCEEDED  # type: ignore[union-attr]


async def test_a_poll_that_sees_the_end_closes_the_silent_stream(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, _ = make_engine(stream_confirm_poll_max_s=1.0, stream_idle_limit_s=600.0)
    task = sim.add_task(
        TaskScript(provider="bytespike", kind="image", run_s=0.5, stream_events_max=1)
    )
    key = engine.track(TaskRef("bytespike", task.task_id)).key
    await settle(engine, 20)
    await asyncio.sleep(0.2)
    assert engine.runtime_for(engine.tracked(key)).streams == 0  # type: ignore[arg-type]
