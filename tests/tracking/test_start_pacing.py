"""A burst of due polls and stream opens goes out a tick at a time (tracking/pacing/start_pacer.py).

Each provider's rate budget lets 20 calls go at once: without a cap across providers,
a store of running tasks resumed at start sent them all in one stretch of the loop.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from typing import Any

from taskmon.domain.task import TaskRef
from taskmon.sim import Simulator, TaskScript

PER_TICK = 6
TICK_S = 0.1


async def test_due_polls_and_stream_opens_of_several_providers_start_a_few_per_tick(
    sim: Simulator, make_engine: Any
) -> None:
    engine, _ = make_engine(starts_per_tick=PER_TICK, poll_tick_s=TICK_S)
    loop = asyncio.get_running_loop()
    starts: list[float] = []
    send, open_stream = engine.clients.send, engine.clients.open_stream

    async def sent(*args: Any, **kwargs: Any) -> Any:
        starts.append(loop.time())
        return await send(*args, **kwargs)

    async def opened(*args: Any, **kwargs: Any) -> Any:
        starts.append(loop.time())
        return await open_stream(*args, **kwargs)

    engine.clients.send, engine.clients.open_stream = sent, opened
    scripts = [
        sim.add_task(TaskScript(provider=provider, kind="video", run_s=30.0))
        for provider in ("reapi", "xenodia", "bytespike")  # bytespike: streams
        for _ in range(10)
    ]
    for script in scripts:
        engine.track(TaskRef(script.provider, script.task_id))
    async with asyncio.timeout(10):
        while len(starts) < len(scripts):  # noqa: ASYNC110 (filled by the engine's calls)
            await asyncio.sleep(0.02)
    per_tick = Counter(math.floor(t / TICK_S + 1e-9) for t in starts)
    assert max(per_tick.values()) <= PER_TICK, sorted(per_tick.items())
    assert len(per_tick) >= len(scripts) // PER_TICK
