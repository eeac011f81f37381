"""Scripted faults: every kind, and the three ways of choosing which requests get one."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from taskmon.sim import Fault, Simulator, TaskScript

from .helpers import status


@pytest.mark.parametrize("kind", ["500", "502", "503", "401"])
async def test_error_status_faults_use_the_provider_envelope(sim, client, kind) -> None:
    task = sim.add_task(TaskScript("apixo", faults=[Fault(kind, first=1, retry_after_s=3)]))
    response = await status(client, sim, task)
    assert response.status_code == int(kind)
    assert response.json()["code"] == int(kind)
    if kind == "503":
        assert response.headers["Retry-After"] == "3"
    assert (await status(client, sim, task)).status_code == 200  # only the first request


async def test_429_fault_carries_retry_after_and_bytespike_reset(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("bytespike", faults=[Fault("429", first=1, retry_after_s=2.5)]))
    response = await status(client, sim, task)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"  # whole seconds, rounded up
    assert int(response.headers["X-RateLimit-Reset"]) == int(clock.now + 2.5) + 1
    assert response.json()["error"]["type"] == "rate_limit_error"


async def test_html_fault_is_a_proxy_page_with_status_200(sim, client) -> None:
    task = sim.add_task(
        TaskScript("vidgo", faults=[Fault("html", first=1), Fault("html502", first=2)])
    )
    first = await status(client, sim, task)
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/html")
    assert first.text.lstrip().startswith("<html>")
    second = await status(client, sim, task)
    assert second.status_code == 502 and "Bad Gateway" in second.text


async def test_malformed_fault_is_json_without_the_state(sim, client) -> None:
    task = sim.add_task(TaskScript("reapi", faults=[Fault("malformed", first=1)]))
    body = (await status(client, sim, task)).json()
    assert body["id"] == task.task_id and "status" not in body
    vidgo = sim.add_task(TaskScript("vidgo", faults=[Fault("malformed", first=1)]))
    assert "status" not in (await status(client, sim, vidgo)).json()["data"]


async def test_empty_and_truncated_faults(sim, client) -> None:
    task = sim.add_task(
        TaskScript("xenodia", faults=[Fault("empty", first=1), Fault("truncated", first=2)])
    )
    empty = await status(client, sim, task)
    assert empty.status_code == 200 and empty.content == b""
    truncated = await status(client, sim, task)
    assert truncated.status_code == 200
    assert int(truncated.headers["content-length"]) == len(truncated.content) > 10
    with pytest.raises(json.JSONDecodeError):
        json.loads(truncated.content)
    assert (await status(client, sim, task)).json()["task_id"] == task.task_id


async def test_reset_fault_closes_the_connection_without_a_response(sim, client) -> None:
    task = sim.add_task(TaskScript("reapi", faults=[Fault("reset", first=1)]))
    with pytest.raises(httpx.TransportError):
        await status(client, sim, task)
    assert (await status(client, sim, task)).status_code == 200
    assert [p.http_status for p in sim.stats(task.task_id).polls] == [0, 200]
    assert sim.stats(task.task_id).polls[0].fault == "reset"


async def test_slow_fault_delays_the_answer() -> None:
    async with Simulator() as sim, httpx.AsyncClient() as client:
        task = sim.add_task(TaskScript("vidgo", faults=[Fault("slow", first=1, delay_s=0.4)]))
        started = time.monotonic()
        assert (await status(client, sim, task)).status_code == 200
        assert time.monotonic() - started >= 0.4
        assert sim.stats(task.task_id).polls[0].fault == "slow"


async def test_until_s_applies_for_a_while_after_the_task_was_added(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("xenodia", run_s=60, faults=[Fault("503", until_s=10)]))
    assert (await status(client, sim, task)).status_code == 503
    clock.advance(9.9)
    assert (await status(client, sim, task)).status_code == 503
    clock.advance(0.2)
    assert (await status(client, sim, task)).status_code == 200


async def test_probability_faults_are_seeded(clock) -> None:
    outcomes = []
    for _ in range(2):
        async with Simulator(seed=11, clock=clock) as sim, httpx.AsyncClient() as client:
            task = sim.add_task(TaskScript("apixo", faults=[Fault("500", probability=0.5)]))
            codes = [(await status(client, sim, task)).status_code for _ in range(20)]
            outcomes.append(codes)
    assert outcomes[0] == outcomes[1]
    assert 0 < outcomes[0].count(500) < 20


async def test_unknown_fault_kind_is_refused(sim) -> None:
    with pytest.raises(ValueError, match="fault kind"):
        sim.add_task(TaskScript("reapi", faults=[Fault("teapot", first=1)]))


async def test_faults_do_not_block_the_event_loop_for_other_tasks() -> None:
    async with Simulator() as sim, httpx.AsyncClient() as client:
        slow = sim.add_task(TaskScript("reapi", faults=[Fault("slow", first=1, delay_s=0.5)]))
        fast = sim.add_task(TaskScript("reapi"))
        slow_call = asyncio.create_task(status(client, sim, slow))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        assert (await status(client, sim, fast)).status_code == 200
        assert time.monotonic() - started < 0.3
        assert (await slow_call).status_code == 200
