"""How many status calls and stream opens may start in one tick, all providers together.

Each key's rate budget allows a burst (20 calls at once per provider by default),
so a store of 1,000 running tasks resumed at start sent ~100 calls in one stretch
of the event loop, and their answers came back together: in the window that was
one stretch of ~100 ms on the thread that also paints (bench/ui.py, start-up
stall). Past `per_tick` starts in a tick of the loop clock, callers wait for the
next tick, first come first served. The default (25 a 0.1 s tick: 250/s) is above
what the budgets allow for long (5 providers at most 50/s each), so it shapes bursts
and never the pace.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque


class StartPacer:
    """At most `per_tick` starts per tick of `tick_s` seconds (0 for either: no limit)."""

    def __init__(self, per_tick: int, tick_s: float) -> None:
        self._per_tick = per_tick
        self._tick_s = tick_s
        self._tick = -1  # the tick `_started` counts in
        self._started = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._wake: asyncio.TimerHandle | None = None

    @property
    def waiting(self) -> int:
        return sum(1 for w in self._waiters if not w.done())

    async def turn(self) -> None:
        """Return when a start fits: at once while this tick has room and nobody waits."""
        if self._per_tick <= 0 or self._tick_s <= 0.0:
            return
        loop = asyncio.get_running_loop()
        if not self._waiters and self._take(loop.time()):
            return
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        self._arm(loop)
        await waiter  # a waiter cancelled meanwhile is skipped when its turn comes

    def _take(self, now: float) -> bool:
        tick = math.floor(now / self._tick_s)
        if tick != self._tick:
            self._tick, self._started = tick, 0
        if self._started < self._per_tick:
            self._started += 1
            return True
        return False

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._wake is None:
            next_tick = (math.floor(loop.time() / self._tick_s) + 1) * self._tick_s
            self._wake = loop.call_at(next_tick, self._release, loop)

    def _release(self, loop: asyncio.AbstractEventLoop) -> None:
        """A new tick: let as many waiters go as it has room for, in order."""
        self._wake = None
        now = loop.time()
        while self._waiters:
            waiter = self._waiters[0]
            if waiter.done():  # cancelled while it waited
                self._waiters.popleft()
                continue
            if not self._take(now):
                break
            self._waiters.popleft()
            waiter.set_result(None)
        if self._waiters:
            self._arm(loop)
