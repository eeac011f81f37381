"""At most so many status calls and stream opens start per tick, all providers together."""

from __future__ import annotations

import asyncio
import math
from collections import Counter

from taskmon.tracking.pacing import StartPacer

TICK_S = 0.05


async def _start_all(pacer: StartPacer, count: int) -> list[tuple[int, float]]:
    loop = asyncio.get_running_loop()
    started: list[tuple[int, float]] = []

    async def one(n: int) -> None:
        await pacer.turn()
        started.append((n, loop.time()))

    await asyncio.gather(*(one(n) for n in range(count)))
    return started


def _per_tick(times: list[float]) -> Counter[int]:
    return Counter(math.floor(t / TICK_S + 1e-9) for t in times)


async def test_a_burst_is_spread_over_ticks_first_come_first_served() -> None:
    started = await _start_all(StartPacer(per_tick=10, tick_s=TICK_S), 35)
    assert [n for n, _ in started] == list(range(35))  # in the order they asked
    counts = _per_tick([t for _, t in started])
    assert max(counts.values()) <= 10
    assert len(counts) >= 4  # 35 starts need four ticks at least


async def test_without_a_limit_everything_starts_at_once() -> None:
    loop = asyncio.get_running_loop()
    before = loop.time()
    started = await _start_all(StartPacer(per_tick=0, tick_s=TICK_S), 200)
    assert len(started) == 200
    assert all(t - before < TICK_S for _, t in started)


async def test_a_waiter_cancelled_in_the_queue_takes_no_start() -> None:
    pacer = StartPacer(per_tick=2, tick_s=TICK_S)
    loop = asyncio.get_running_loop()
    # Fill the tick, then queue three more and cancel the first of them.
    await pacer.turn()
    await pacer.turn()
    order: list[str] = []
    ticks: dict[str, int] = {}

    async def one(name: str) -> None:
        await pacer.turn()
        order.append(name)
        ticks[name] = math.floor(loop.time() / TICK_S + 1e-9)

    jobs = {name: asyncio.create_task(one(name)) for name in ("a", "b", "c")}
    await asyncio.sleep(0)
    assert pacer.waiting == 3
    jobs["a"].cancel()
    await asyncio.gather(jobs["b"], jobs["c"])
    assert order == ["b", "c"]
    assert ticks["b"] == ticks["c"]  # the next tick's two starts: a took neither
