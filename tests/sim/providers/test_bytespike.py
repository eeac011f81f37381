"""BytesPike: query bodies, identifiers and keys (the stream and cancel: test_bytespike_stream)."""

from __future__ import annotations

import re

import pytest

from taskmon.sim import TaskScript

from ..helpers import bearer, body_at, status


async def test_bytespike_query_shapes(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("bytespike", "video", queue_s=5, run_s=95, outputs=2))
    assert re.fullmatch(r"task_[0-9A-HJKMNP-TV-Z]{26}", task.task_id)
    pending = await body_at(client, sim, clock, task, 1)
    assert set(pending) == {"task_id", "status", "estimated_credits", "estimated_seconds"}
    assert pending["status"] == "pending"
    assert isinstance(pending["estimated_seconds"], int)
    assert 80 <= pending["estimated_seconds"] <= 125  # 100 s x a factor in 0.8-1.25
    assert (await body_at(client, sim, clock, task, 50))["status"] == "running"
    done = await body_at(client, sim, clock, task, 101)
    assert done["status"] == "completed" and "estimated_credits" not in done
    assert isinstance(done["credits_used"], float)
    assert [o["url"] for o in done["output"]] == sim.result_urls(task.task_id)
    for item in done["output"]:
        assert item["type"] == "video" and isinstance(item["duration_seconds"], int)
    assert "error_code" not in done


async def test_bytespike_failed_and_scripted_cancel(sim, client, clock) -> None:
    failed = sim.add_task(TaskScript("bytespike", run_s=2, outcome="failed", out_task_id="o-1"))
    body = await body_at(client, sim, clock, failed, 3)
    assert body["status"] == "failed" and body["out_task_id"] == "o-1"
    assert body["error_code"] and body["error_message"]
    assert "credits_used" not in body and "output" not in body
    cancelled = sim.add_task(TaskScript("bytespike", run_s=2, outcome="cancelled"))
    body = await body_at(client, sim, clock, cancelled, 6)
    assert body["status"] == "cancelled"
    assert {"estimated_credits", "estimated_seconds"} <= set(body) and "error_code" not in body


async def test_bytespike_accepts_x_api_key_and_prefers_it(sim, client) -> None:
    task = sim.add_task(TaskScript("bytespike"))
    key = sim.keys["bytespike"]
    assert key.startswith("sk-byts-")
    ok = await status(client, sim, task, headers={"x-api-key": key})
    assert ok.status_code == 200
    both = {"x-api-key": "wrong", "Authorization": f"Bearer {key}"}
    assert (await status(client, sim, task, headers=both)).status_code == 401


async def test_bytespike_query_by_out_task_id(sim, client) -> None:
    task = sim.add_task(TaskScript("bytespike", out_task_id="order-7"))
    response = await client.post(
        f"{sim.api_url}/v1/tasks/query",
        json={"out_task_id": "order-7"},
        headers=bearer(sim, "bytespike"),
    )
    assert response.status_code == 200
    assert response.json()["task_id"] == task.task_id
    assert response.json()["out_task_id"] == "order-7"


@pytest.mark.parametrize(
    "body",
    [{"task_id": "task_x", "out_task_id": "o"}, {}, {"task_id": "", "out_task_id": ""}, [1]],
)
async def test_bytespike_query_needs_exactly_one_identifier(sim, client, body) -> None:
    response = await client.post(
        f"{sim.api_url}/v1/tasks/query", json=body, headers=bearer(sim, "bytespike")
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_param"
    assert "X-RateLimit-Reset" in response.headers  # on every BytesPike response
