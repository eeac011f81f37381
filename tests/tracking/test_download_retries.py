"""A failed result download is retried while `run` runs (issue 10, item 6).

The results live on a small aiohttp origin on loopback that answers 503 until
the test lets it serve; the tasks themselves come from the simulator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from flaky_origin import BODY, FlakyOrigin, flaky_origin, track_result_task
from loopback import eventually

from taskmon.domain.snapshot import State
from taskmon.sim import Simulator


@pytest.fixture
async def origin() -> AsyncIterator[FlakyOrigin]:
    async with flaky_origin() as state:
        yield state


def add(sim: Simulator, engine: Any, origin: FlakyOrigin, name: str) -> str:
    return track_result_task(sim, engine, origin, name)[0]


async def test_a_failed_download_is_retried_with_backoff_until_it_works(
    sim: Simulator, make_engine: Any, origin: FlakyOrigin, settle: Any
) -> None:
    engine, _ = make_engine(save=True, download_retry_first_s=0.5, download_retry_max_s=1.0)
    key = add(sim, engine, origin, "a")
    await eventually(lambda: len(origin.requests) >= 6, 30)  # past the quick retries
    view = engine.task(key)
    assert view is not None and view.downloads_pending and not view.download_failed
    assert view.problem is not None and view.problem.startswith("results not saved: ")
    assert "retrying in" in view.problem
    origin.serving = True
    await settle(engine, 20)  # before: failed for good after four tries
    final = engine.task(key)
    assert final is not None and final.state is State.SUCCEEDED
    assert len(final.files) == 1 and Path(final.files[0]).read_bytes() == BODY
    assert final.problem is None and not final.download_failed


async def test_a_download_from_the_same_host_wakes_waiting_retries(
    sim: Simulator, make_engine: Any, origin: FlakyOrigin, settle: Any
) -> None:
    engine, _ = make_engine(save=True, download_retry_first_s=600.0)
    waiting = add(sim, engine, origin, "a")
    await eventually(lambda: "retrying in 10 min" in (engine.task(waiting).problem or ""), 30)
    origin.serving = True
    add(sim, engine, origin, "b")  # its download works: the host is back
    await settle(engine, 15)
    final = engine.task(waiting)
    assert final is not None and len(final.files) == 1, final.problem


async def test_retries_stop_once_the_link_cannot_work_any_more(
    sim: Simulator, make_engine: Any, origin: FlakyOrigin, settle: Any
) -> None:
    engine, _ = make_engine(save=True, download_retry_first_s=0.5, download_retry_window_s=2.0)
    key = add(sim, engine, origin, "a")
    await settle(engine, 30)
    final = engine.task(key)
    assert final is not None and final.download_failed and final.files == ()
    assert "503" in (final.problem or "") and "retrying" not in (final.problem or "")
