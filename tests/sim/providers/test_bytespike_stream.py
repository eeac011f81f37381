"""BytesPike: the SSE stream (the simulator's chosen wire format) and cancel."""

from __future__ import annotations

import json

import httpx
import pytest

from taskmon.sim import Simulator, TaskScript

from ..helpers import bearer, status


async def _read_stream(client: httpx.AsyncClient, sim: Simulator, task_id: str) -> list[str]:
    """Every SSE line up to the server's close."""
    lines: list[str] = []
    url = f"{sim.api_url}/v1/tasks/stream/{task_id}"
    async with client.stream("GET", url, headers=bearer(sim, "bytespike")) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert "X-RateLimit-Limit" in response.headers
        async for line in response.aiter_lines():
            lines.append(line)
    return lines


def _events(lines: list[str]) -> list[dict]:
    events = []
    for i, line in enumerate(lines):
        if line.startswith("data: "):
            assert lines[i - 1] == "event: task"
            events.append(json.loads(line.removeprefix("data: ")))
    return events


async def test_stream_sends_each_state_then_closes(live_sim, client) -> None:
    task = live_sim.add_task(TaskScript("bytespike", queue_s=0.3, run_s=0.5, out_task_id="s-1"))
    lines = await _read_stream(client, live_sim, task.task_id)
    events = _events(lines)
    assert [e["status"] for e in events] == ["pending", "running", "completed"]
    query = (await status(client, live_sim, task)).json()
    assert events[-1] == query  # the same object /v1/tasks/query returns
    assert ": keep-alive" in lines  # idle gaps carry comments (keep-alive is 0.1 s here)
    stats = live_sim.stats(task.task_id)
    assert stats.stream_connections == 1 and stats.stream_events == 3


async def test_stream_on_a_finished_task_sends_it_once_and_closes(live_sim, client) -> None:
    task = live_sim.add_task(TaskScript("bytespike", run_s=0, outcome="failed"))
    events = _events(await _read_stream(client, live_sim, task.task_id))
    assert [e["status"] for e in events] == ["failed"]


async def test_cancel_is_pushed_to_an_open_stream(live_sim, client) -> None:
    task = live_sim.add_task(TaskScript("bytespike", run_s=30))
    url = f"{live_sim.api_url}/v1/tasks/stream/{task.task_id}"
    statuses = []
    async with client.stream("GET", url, headers=bearer(live_sim, "bytespike")) as response:
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                statuses.append(json.loads(line[6:])["status"])
                if statuses == ["running"]:
                    cancel = await client.post(
                        f"{live_sim.api_url}/v1/tasks/cancel/{task.task_id}",
                        headers=bearer(live_sim, "bytespike"),
                    )
                    assert cancel.json()["status"] == "cancelled"
    assert statuses == ["running", "cancelled"]


async def test_disabled_stream_answers_503_so_clients_poll(live_sim, client) -> None:
    task = live_sim.add_task(TaskScript("bytespike", stream=False))
    response = await client.get(
        f"{live_sim.api_url}/v1/tasks/stream/{task.task_id}", headers=bearer(live_sim, "bytespike")
    )
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "service_unavailable"
    missing = await client.get(
        f"{live_sim.api_url}/v1/tasks/stream/task_nope", headers=bearer(live_sim, "bytespike")
    )
    assert missing.status_code == 404


async def test_stream_drop_cuts_the_connection_before_the_end(live_sim, client) -> None:
    task = live_sim.add_task(TaskScript("bytespike", run_s=5, stream_drop_after_s=0.3))
    with pytest.raises(httpx.TransportError):
        await _read_stream(client, live_sim, task.task_id)


async def test_cancel_is_idempotent_and_keeps_the_estimates(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("bytespike", queue_s=5, run_s=10))
    url = f"{sim.api_url}/v1/tasks/cancel/{task.task_id}"
    first = await client.post(url, headers=bearer(sim, "bytespike"))
    assert first.status_code == 200
    body = first.json()
    assert body["status"] == "cancelled"
    assert {"estimated_credits", "estimated_seconds"} <= set(body)
    assert "error_code" not in body and "credits_used" not in body
    clock.advance(1)
    again = await client.post(url, headers=bearer(sim, "bytespike"))
    assert again.status_code == 200 and again.json() == body
    assert (await status(client, sim, task)).json()["status"] == "cancelled"
    assert sim.stats(task.task_id).cancel_requests == 2
    assert sim.stats(task.task_id).finished_at_epoch == clock.now - 1


async def test_cancel_of_a_finished_task_returns_it_unchanged(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("bytespike", run_s=1))
    clock.advance(2)
    response = await client.post(
        f"{sim.api_url}/v1/tasks/cancel/{task.task_id}", headers=bearer(sim, "bytespike")
    )
    assert response.status_code == 200 and response.json()["status"] == "completed"


async def test_cancel_by_body_out_task_id_and_its_validation(sim, client) -> None:
    sim.add_task(TaskScript("bytespike", run_s=10, out_task_id="mine"))
    url = f"{sim.api_url}/v1/tasks/cancel"
    headers = bearer(sim, "bytespike")
    ok = await client.post(url, json={"out_task_id": "mine"}, headers=headers)
    assert ok.status_code == 200 and ok.json()["status"] == "cancelled"
    both = await client.post(url, json={"out_task_id": "mine", "task_id": "x"}, headers=headers)
    assert both.status_code == 400 and both.json()["error"]["type"] == "invalid_param"
    neither = await client.post(url, json={}, headers=headers)
    assert neither.status_code == 400
    unknown = await client.post(url, json={"task_id": "task_nope"}, headers=headers)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["type"] == "task_not_found"
