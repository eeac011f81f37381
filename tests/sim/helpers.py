"""Shared test helpers: a controllable clock and each provider's documented status call."""

from __future__ import annotations

from typing import Any

import httpx

from taskmon.sim import SimTask, Simulator


class FakeClock:
    """A clock the test moves by hand, so state tests need no sleeping."""

    def __init__(self, start: float = 1_760_000_000.25) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def bearer(sim: Simulator, provider: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {sim.keys[provider]}"}


async def status(
    client: httpx.AsyncClient,
    sim: Simulator,
    task: SimTask,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """The documented status request for `task`, with the right key unless `headers` given."""
    p = task.provider
    h = bearer(sim, p) if headers is None else headers
    base = sim.api_url
    if p == "xenodia":
        return await client.get(f"{base}/v1/tasks/{task.task_id}", headers=h)
    if p == "apixo":
        url = f"{base}/api/v1/statusTask/{task.model}"
        return await client.get(url, params={"taskId": task.task_id}, headers=h)
    if p == "bytespike":
        return await client.post(
            f"{base}/v1/tasks/query", json={"task_id": task.task_id}, headers=h
        )
    if p == "vidgo":
        return await client.get(f"{base}/api/generate/status/{task.task_id}", headers=h)
    return await client.get(f"{base}/api/v1/tasks/{task.task_id}", headers=h)


START = 1_760_000_000.25  # FakeClock's start


async def body_at(
    client: httpx.AsyncClient, sim: Simulator, clock: FakeClock, task: SimTask, at: float
) -> Any:
    """The status body of `task` `at` seconds after the clock's start (asserting a JSON 200)."""
    clock.now = START + at
    response = await status(client, sim, task)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    return response.json()
