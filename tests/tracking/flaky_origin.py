"""A loopback result origin that answers 503 until the test lets it serve, and the tasks
whose results live there (the tasks themselves come from the simulator)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from loopback import serving

from taskmon.domain.task import TaskRef
from taskmon.sim import Simulator, TaskScript

BODY = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


@dataclass
class FlakyOrigin:
    url: str = ""
    serving: bool = False  # False: every GET is a 503
    requests: list[float] = field(default_factory=list)  # when each GET came


@asynccontextmanager
async def flaky_origin() -> AsyncIterator[FlakyOrigin]:
    """A FlakyOrigin listening on 127.0.0.1 for the length of the block."""
    state = FlakyOrigin()

    async def handle(_request: web.Request) -> web.Response:
        state.requests.append(time.monotonic())
        if not state.serving:
            return web.Response(status=503, text="try later")
        return web.Response(body=BODY, content_type="image/png")

    app = web.Application()
    app.router.add_get("/{name}", handle)
    async with serving(app) as base:
        state.url = base
        yield state


def track_result_task(
    sim: Simulator, engine: Any, origin: FlakyOrigin, name: str
) -> tuple[str, str]:
    """A simulated task whose one result is `name`.png on the origin, tracked by `engine`:
    its store key and its task ID."""
    task = sim.add_task(
        TaskScript(provider="vidgo", run_s=0.2, output_urls=[f"{origin.url}/{name}.png"])
    )
    return str(engine.track(TaskRef("vidgo", task.task_id)).key), task.task_id
