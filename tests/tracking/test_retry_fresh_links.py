"""A user's retry of results not saved asks the provider for the task first (issue 12).

Fresh result links where the provider signs them anew: the retry makes one status
call before fetching again, also when the failed download was waiting for its
next try. Results live on a loopback origin that answers 503 until the test lets
it serve; the tasks come from the simulator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from flaky_origin import BODY, FlakyOrigin, flaky_origin, track_result_task
from loopback import eventually

from taskmon.sim import Simulator


@pytest.fixture
async def origin() -> AsyncIterator[FlakyOrigin]:
    async with flaky_origin() as state:
        yield state


async def test_retrying_a_waiting_download_asks_the_provider_once_then_fetches(
    sim: Simulator, make_engine: Any, origin: FlakyOrigin, settle: Any
) -> None:
    engine, _ = make_engine(save=True, download_retry_first_s=600.0)
    key, task_id = track_result_task(sim, engine, origin, "a")
    await eventually(lambda: "retrying in 10 min" in (engine.task(key).problem or ""))
    view = engine.task(key)
    assert view.download_waiting and view.downloads_pending  # not saved, not given up
    polls = len(sim.stats(task_id).polls)
    gets = len(origin.requests)
    origin.serving = True

    said = engine.retry(key)

    assert said == "trying its missing results again now"
    await settle(engine, 20)
    final = engine.task(key)
    assert final is not None and len(final.files) == 1 and not final.download_waiting
    assert Path(final.files[0]).read_bytes() == BODY
    assert len(sim.stats(task_id).polls) == polls + 1  # fresh links asked for, once
    assert len(origin.requests) == gets + 1


async def test_the_engines_own_retries_do_not_ask_the_provider(
    sim: Simulator, make_engine: Any, origin: FlakyOrigin, settle: Any
) -> None:
    engine, _ = make_engine(save=True, download_retry_first_s=0.5, download_retry_max_s=0.5)
    key, task_id = track_result_task(sim, engine, origin, "b")
    await eventually(lambda: "retrying in" in (engine.task(key).problem or ""))
    polls = len(sim.stats(task_id).polls)
    await eventually(lambda: len(origin.requests) >= 8)  # a later round of its own
    assert len(sim.stats(task_id).polls) == polls  # 503 is no dead link: no status call
    origin.serving = True
    await settle(engine, 20)
