"""Auth, lost tasks, request validation and rate limits, in each provider's envelope."""

from __future__ import annotations

import time

import httpx
import pytest

from taskmon.sim import PROVIDERS, Simulator, TaskScript

from .helpers import status


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_missing_or_wrong_key_is_401_in_the_providers_envelope(sim, client, provider) -> None:
    task = sim.add_task(TaskScript(provider))
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": sim.keys[provider]}):
        response = await status(client, sim, task, headers=headers)
        assert response.status_code == 401
        body = response.json()
        if provider == "xenodia":
            assert body["error"] == "unauthorized" and isinstance(body["message"], str)
            assert set(body) == {"error", "message", "type", "code"}
        elif provider == "apixo":
            assert body["code"] == 401 and body["message"]
        elif provider == "bytespike":
            assert body["error"]["type"] == "invalid_api_key"
        elif provider == "vidgo":
            assert body["code"] == 401
        else:
            assert body["error"]["code"] in (10001, 10002, 10003)
    assert sim.stats(task.task_id).polls == []  # rejected before the task is looked at


@pytest.mark.parametrize(
    ("provider", "check"),
    [
        ("xenodia", lambda b: b["error"] == "not_found"),
        ("apixo", lambda b: b["code"] == 404),
        ("bytespike", lambda b: b["error"]["type"] == "task_not_found"),
        ("vidgo", lambda b: b["code"] == 404),
        ("reapi", lambda b: b["error"]["code"] == 40001),
    ],
)
async def test_unknown_and_removed_tasks_are_404(sim, client, provider, check) -> None:
    task = sim.add_task(TaskScript(provider))
    assert (await status(client, sim, task)).status_code == 200
    sim.remove_task(task.task_id)
    response = await status(client, sim, task)
    assert response.status_code == 404 and check(response.json())
    assert len(sim.stats(task.task_id).polls) == 1  # stats outlive the task


@pytest.mark.parametrize(
    ("provider", "expected"),
    [("xenodia", 403), ("vidgo", 403), ("apixo", 404), ("bytespike", 404), ("reapi", 404)],
)
async def test_another_accounts_task(sim, client, provider, expected) -> None:
    task = sim.add_task(TaskScript(provider, foreign=True))
    assert (await status(client, sim, task)).status_code == expected
    assert sim.stats(task.task_id).polls[0].http_status == expected


async def test_key_wide_rate_limit_gives_429_with_retry_after() -> None:
    async with Simulator(rate_limit_per_s={"reapi": 3, "bytespike": 2}) as sim:
        reapi = sim.add_task(TaskScript("reapi"))
        other = sim.add_task(TaskScript("reapi"))
        spike = sim.add_task(TaskScript("bytespike"))
        async with httpx.AsyncClient() as client:
            codes = [(await status(client, sim, t)).status_code for t in (reapi, other, reapi)]
            assert codes == [200, 200, 200]
            limited = await status(client, sim, other)  # the limit is per key, not per task
            assert limited.status_code == 429
            assert limited.json()["error"]["code"] == 50001
            assert 1 <= int(limited.headers["Retry-After"]) <= 1
            assert (await status(client, sim, spike)).status_code == 200
            second = await status(client, sim, spike)
            assert second.headers["X-RateLimit-Remaining"] == "0"
            limited = await status(client, sim, spike)
            assert limited.status_code == 429
            assert limited.json()["error"]["type"] == "rate_limit_error"
            reset = int(limited.headers["X-RateLimit-Reset"])
            assert time.time() <= reset <= time.time() + 2
            assert limited.headers["X-RateLimit-Limit"] == "2"
            assert "Retry-After" in limited.headers
        assert sim.requests_by_provider["reapi"] == 4
        assert sim.requests_by_provider["bytespike"] == 3
