"""A failed result download is retried while `run` runs (issue 10, item 6).

The results live on a small aiohttp origin on loopback that answers 503 until
the test lets it serve; the tasks themselves come from the simulator.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from taskmon.domain.snapshot import State
from taskmon.domain.task import TaskRef
from taskmon.sim import Simulator, TaskScript

BODY = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


@dataclass
class FlakyOrigin:
    url: str = ""
    serving: bool = False
    requests: list[float] = field(default_factory=list)


@pytest.fixture
async def origin() -> AsyncIterator[FlakyOrigin]:
    state = FlakyOrigin()

    async def handle(request: web.Request) -> web.Response:
        state.requests.append(time.monotonic())
        if not state.serving:
            return web.Response(status=503, text="try later")
        return web.Response(body=BODY, content_type="image/png")

    app = web.Application()
    app.router.add_get("/{name}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}"
    yield state
    await runner.cleanup()


async def eventually(condition: Callable[[], bool], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout_s} s")
        await asyncio.sleep(0.02)


def add(sim: Simulator, engine: Any, origin: FlakyOrigin, name: str) -> str:
    task = sim.add_task(
        TaskScript(provider="vidgo", run_s=0.2, output_urls=[f"{origin.url}/{name}.png"])
    )
    return str(engine.track(TaskRef("vidgo", task.task_id)).key)


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
