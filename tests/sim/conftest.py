from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from taskmon.sim import Simulator

from .helpers import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def sim(clock: FakeClock) -> AsyncIterator[Simulator]:
    """A simulator on a hand-moved clock (reAPI cache off unless a test asks for it)."""
    simulator = Simulator(seed=7, clock=clock, reapi_cache_s=0.0)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def live_sim() -> AsyncIterator[Simulator]:
    """A simulator on the real clock, for streams and timing."""
    simulator = Simulator(seed=7, sse_keepalive_s=0.1)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as c:
        yield c
