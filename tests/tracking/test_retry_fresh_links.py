"""A user's retry of results not saved asks the provider for the task first (issue 12).

Fresh result links where the provider signs them anew: the retry makes one status
call before fetching again, also when the failed download was waiting for its
next try. Results live on a loopback origin that answers 503 until the test lets
it serve; the tasks come from the simulator.
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

from taskmon.domain.task import TaskRef
from taskmon.sim import Simulator, TaskScript

BODY = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@dataclass
class Origin:
    url: str = ""
    serving: bool = False
    gets: list[float] = field(default_factory=list)


@pytest.fixture
async def origin() -> AsyncIterator[Origin]:
    state = Origin()

    async def handle(_request: web.Request) -> web.Response:
        state.gets.append(time.monotonic())
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


async def eventually(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout_s} s")
        await asyncio.sleep(0.02)


async def test_retrying_a_waiting_download_asks_the_provider_once_then_fetches(
    sim: Simulator, make_engine: Any, origin: Origin, settle: Any
) -> None:
    engine, _ = make_engine(save=True, download_retry_first_s=600.0)
    task = sim.add_task(TaskScript("vidgo", run_s=0.2, output_urls=[f"{origin.url}/a.png"]))
    key = engine.track(TaskRef("vidgo", task.task_id)).key
    await eventually(lambda: "retrying in 10 min" in (engine.task(key).problem or ""))
    view = engine.task(key)
    assert view.download_waiting and view.downloads_pending  # not saved, not given up
    polls = len(sim.stats(task.task_id).polls)
    gets = len(origin.gets)
    origin.serving = True

    said = engine.retry(key)

    assert said == "trying its missing results again now"
    await settle(engine, 20)
    final = engine.task(key)
    assert final is not None and len(final.files) == 1 and not final.download_waiting
    assert Path(final.files[0]).read_bytes() == BODY
    assert len(sim.stats(task.task_id).polls) == polls + 1  # fresh links asked for, once
    assert len(origin.gets) == gets + 1


async def test_the_engines_own_retries_do_not_ask_the_provider(
    sim: Simulator, make_engine: Any, origin: Origin, settle: Any
) -> None:
    engine, _ = make_engine(save=True, download_retry_first_s=0.5, download_retry_max_s=0.5)
    task = sim.add_task(TaskScript("vidgo", run_s=0.2, output_urls=[f"{origin.url}/b.png"]))
    key = engine.track(TaskRef("vidgo", task.task_id)).key
    await eventually(lambda: "retrying in" in (engine.task(key).problem or ""))
    polls = len(sim.stats(task.task_id).polls)
    await eventually(lambda: len(origin.gets) >= 8)  # a later round of its own
    assert len(sim.stats(task.task_id).polls) == polls  # 503 is no dead link: no status call
    origin.serving = True
    await settle(engine, 20)
