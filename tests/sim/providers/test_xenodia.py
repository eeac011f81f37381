"""Xenodia: its status body state by state, and its 502, against its published docs."""

from __future__ import annotations

from taskmon.sim import Fault, TaskScript

from ..helpers import START, body_at, status

XENODIA_PROCESSING_KEYS = {
    "task_id", "object", "request_id", "model", "type", "state", "request", "result", "error",
    "progress", "poll_url", "created_at", "updated_at", "recommended_poll_interval_ms",
    "eta_hint_seconds",
}  # fmt: skip


async def test_xenodia_walks_waiting_queuing_generating_success(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("xenodia", queue_s=10, run_s=10, estimate_factor=1.1))
    assert task.task_id.startswith("task_")
    waiting = await body_at(client, sim, clock, task, 1)
    assert waiting["state"] == "waiting" and waiting["progress"] == 0
    assert set(waiting) == XENODIA_PROCESSING_KEYS
    assert (await body_at(client, sim, clock, task, 6))["state"] == "queuing"
    running = await body_at(client, sim, clock, task, 15)
    assert set(running) == XENODIA_PROCESSING_KEYS
    assert running["state"] == "generating"
    assert running["object"] == "task" and running["type"] == "image"
    assert running["result"] == {} and running["error"] == {}  # empty objects, not null
    assert 0 < running["progress"] < 100
    assert running["poll_url"] == f"/v1/tasks/{task.task_id}"
    assert running["created_at"] == int(START)  # Unix seconds
    assert running["eta_hint_seconds"] == 22  # 20 s true duration x 1.1
    assert isinstance(running["recommended_poll_interval_ms"], int)
    done = await body_at(client, sim, clock, task, 25)
    assert done["state"] == "success" and done["progress"] == 100
    assert done["completed_at"] == int(START + 20) == done["result"]["created"]
    assert [d["url"] for d in done["result"]["data"]] == sim.result_urls(task.task_id)
    assert done["billing"]["status"] == "committed"
    for key in ("reserve", "actual", "released"):
        assert isinstance(done["billing"][f"{key}_amount_micro_usdc"], int)
    assert done["error"] == {}


async def test_xenodia_failure_has_message_and_progress_100(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("xenodia", "video", run_s=5, outcome="failed"))
    body = await body_at(client, sim, clock, task, 6)
    assert body["state"] == "fail" and body["type"] == "video"
    assert body["error"] == {"message": "upstream task failed"}
    assert body["result"] == {} and body["progress"] == 100 and "billing" not in body
    assert body["completed_at"] == int(START + 5)


async def test_xenodia_video_result_carries_resolution(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("xenodia", "video", run_s=5))
    result = (await body_at(client, sim, clock, task, 6))["result"]
    assert {"data", "origin_data", "resolution"} <= set(result)


async def test_xenodia_502_says_the_gateway_could_not_read_upstream(sim, client) -> None:
    task = sim.add_task(TaskScript("xenodia", faults=[Fault("502", first=1)]))
    response = await status(client, sim, task)
    assert response.status_code == 502 and "upstream" in response.json()["message"]
