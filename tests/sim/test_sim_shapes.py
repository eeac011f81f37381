"""Each provider's status body, state by state, against its published docs."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import httpx

from taskmon.sim import Simulator, TaskScript

from .helpers import FakeClock, status

START = 1_760_000_000.25  # FakeClock's start


async def _body_at(client: httpx.AsyncClient, sim: Simulator, clock: FakeClock, task, at: float):
    clock.now = START + at
    response = await status(client, sim, task)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


XENODIA_PROCESSING_KEYS = {
    "task_id", "object", "request_id", "model", "type", "state", "request", "result", "error",
    "progress", "poll_url", "created_at", "updated_at", "recommended_poll_interval_ms",
    "eta_hint_seconds",
}  # fmt: skip


async def test_xenodia_walks_waiting_queuing_generating_success(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("xenodia", queue_s=10, run_s=10, estimate_factor=1.1))
    assert task.task_id.startswith("task_")
    waiting = await _body_at(client, sim, clock, task, 1)
    assert waiting["state"] == "waiting" and waiting["progress"] == 0
    assert set(waiting) == XENODIA_PROCESSING_KEYS
    assert (await _body_at(client, sim, clock, task, 6))["state"] == "queuing"
    running = await _body_at(client, sim, clock, task, 15)
    assert set(running) == XENODIA_PROCESSING_KEYS
    assert running["state"] == "generating"
    assert running["object"] == "task" and running["type"] == "image"
    assert running["result"] == {} and running["error"] == {}  # empty objects, not null
    assert 0 < running["progress"] < 100
    assert running["poll_url"] == f"/v1/tasks/{task.task_id}"
    assert running["created_at"] == int(START)  # Unix seconds
    assert running["eta_hint_seconds"] == 22  # 20 s true duration x 1.1
    assert isinstance(running["recommended_poll_interval_ms"], int)
    done = await _body_at(client, sim, clock, task, 25)
    assert done["state"] == "success" and done["progress"] == 100
    assert done["completed_at"] == int(START + 20) == done["result"]["created"]
    assert [d["url"] for d in done["result"]["data"]] == sim.result_urls(task.task_id)
    assert done["billing"]["status"] == "committed"
    for key in ("reserve", "actual", "released"):
        assert isinstance(done["billing"][f"{key}_amount_micro_usdc"], int)
    assert done["error"] == {}


async def test_xenodia_failure_has_message_and_progress_100(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("xenodia", "video", run_s=5, outcome="failed"))
    body = await _body_at(client, sim, clock, task, 6)
    assert body["state"] == "fail" and body["type"] == "video"
    assert body["error"] == {"message": "upstream task failed"}
    assert body["result"] == {} and body["progress"] == 100 and "billing" not in body
    assert body["completed_at"] == int(START + 5)


async def test_xenodia_video_result_carries_resolution(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("xenodia", "video", run_s=5))
    result = (await _body_at(client, sim, clock, task, 6))["result"]
    assert {"data", "origin_data", "resolution"} <= set(result)


async def test_apixo_states_times_in_ms_and_result_json_string(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("apixo", queue_s=5, run_s=15, outputs=2))
    assert task.model == "nano-banana"
    pending = await _body_at(client, sim, clock, task, 1)
    assert pending["code"] == 200 and pending["message"] == "success"
    created_ms = int(START * 1000)
    assert pending["data"] == {"taskId": task.task_id, "state": "pending", "createTime": created_ms}
    processing = await _body_at(client, sim, clock, task, 10)
    assert processing["data"]["state"] == "processing" and set(processing["data"]) == {
        "taskId", "state", "createTime",
    }  # fmt: skip
    data = (await _body_at(client, sim, clock, task, 21))["data"]
    assert set(data) == {"taskId", "state", "resultJson", "costTime", "createTime", "completeTime"}
    assert data["state"] == "success"
    assert isinstance(data["resultJson"], str)  # a JSON document inside a string
    assert json.loads(data["resultJson"]) == {"resultUrls": sim.result_urls(task.task_id)}
    assert data["completeTime"] == created_ms + 20_000
    assert data["costTime"] == data["completeTime"] - data["createTime"]


async def test_apixo_failed_is_http_200_with_fail_code(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("apixo", run_s=5, outcome="failed", error_code="NSFW"))
    data = (await _body_at(client, sim, clock, task, 6))["data"]
    assert set(data) == {"taskId", "state", "failCode", "failMsg", "createTime", "completeTime"}
    assert data["state"] == "failed" and data["failCode"] == "NSFW"


async def test_bytespike_query_shapes(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("bytespike", "video", queue_s=5, run_s=95, outputs=2))
    assert re.fullmatch(r"task_[0-9A-HJKMNP-TV-Z]{26}", task.task_id)
    pending = await _body_at(client, sim, clock, task, 1)
    assert set(pending) == {"task_id", "status", "estimated_credits", "estimated_seconds"}
    assert pending["status"] == "pending"
    assert isinstance(pending["estimated_seconds"], int)
    assert 80 <= pending["estimated_seconds"] <= 125  # 100 s x a factor in 0.8-1.25
    assert (await _body_at(client, sim, clock, task, 50))["status"] == "running"
    done = await _body_at(client, sim, clock, task, 101)
    assert done["status"] == "completed" and "estimated_credits" not in done
    assert isinstance(done["credits_used"], float)
    assert [o["url"] for o in done["output"]] == sim.result_urls(task.task_id)
    for item in done["output"]:
        assert item["type"] == "video" and isinstance(item["duration_seconds"], int)
    assert "error_code" not in done


async def test_bytespike_failed_and_scripted_cancel(sim, client, clock) -> None:
    failed = sim.add_task(TaskScript("bytespike", run_s=2, outcome="failed", out_task_id="o-1"))
    body = await _body_at(client, sim, clock, failed, 3)
    assert body["status"] == "failed" and body["out_task_id"] == "o-1"
    assert body["error_code"] and body["error_message"]
    assert "credits_used" not in body and "output" not in body
    cancelled = sim.add_task(TaskScript("bytespike", run_s=2, outcome="cancelled"))
    body = await _body_at(client, sim, clock, cancelled, 6)
    assert body["status"] == "cancelled"
    assert {"estimated_credits", "estimated_seconds"} <= set(body) and "error_code" not in body


VIDGO_KEYS = {"task_id", "status", "files", "created_time", "progress", "error_message"}


async def test_vidgo_envelope_states_and_zone_less_utc_time(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("vidgo", "video", queue_s=5, run_s=10))
    assert re.fullmatch(r"task-unified-\d{10}-[a-z0-9]{8}", task.task_id)
    first = await _body_at(client, sim, clock, task, 1)
    assert first["code"] == 200 and set(first["data"]) == VIDGO_KEYS
    expected_time = datetime.fromtimestamp(int(START), UTC).strftime("%Y-%m-%dT%H:%M:%S")
    assert first["data"]["created_time"] == expected_time
    assert first["data"]["status"] == "not_started" and first["data"]["progress"] == 0
    running = (await _body_at(client, sim, clock, task, 10))["data"]
    assert running["status"] == "running" and 0 < running["progress"] < 100
    done = (await _body_at(client, sim, clock, task, 16))["data"]
    assert done["status"] == "finished" and done["progress"] == 100
    assert done["files"] == [
        {"file_url": url, "file_type": "video"} for url in sim.result_urls(task.task_id)
    ]
    assert done["error_message"] is None


async def test_vidgo_failed_has_empty_files_and_message(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("vidgo", run_s=1, outcome="failed", error_message="nope"))
    data = (await _body_at(client, sim, clock, task, 2))["data"]
    assert data["status"] == "failed" and data["files"] == [] and data["progress"] == 0
    assert data["error_message"] == "nope"


async def test_reapi_queue_reads_as_processing_then_outputs_by_kind(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("reapi", "audio", queue_s=3, run_s=3))
    assert re.fullmatch(r"task_[0-9a-f]{32}", task.task_id)
    body = await _body_at(client, sim, clock, task, 1)
    assert body == {
        "id": task.task_id,
        "model": task.model,
        "status": "processing",
        "created_at": int(START),
        "output": None,
        "error": None,
    }
    done = await _body_at(client, sim, clock, task, 7)
    assert done["status"] == "completed" and done["error"] is None
    assert done["output"] == {"audio_urls": sim.result_urls(task.task_id)}


async def test_reapi_video_last_frame_and_failure_code(sim, client, clock) -> None:
    video = sim.add_task(TaskScript("reapi", "video", run_s=1, last_frame=True))
    output = (await _body_at(client, sim, clock, video, 2))["output"]
    assert set(output) == {"video_urls", "last_frame_url"}
    failed = sim.add_task(TaskScript("reapi", run_s=1, outcome="failed"))
    body = await _body_at(client, sim, clock, failed, 4)
    assert body["status"] == "failed" and body["output"] is None
    assert body["error"] == {"code": 80006, "message": "Request violates content policy"}


async def test_progress_rises_monotonically_roughly_with_time(sim, client, clock) -> None:
    for provider in ("xenodia", "vidgo"):
        task = sim.add_task(TaskScript(provider, run_s=100))
        seen = []
        for step in range(0, 101, 5):
            clock.now = task.added_at_epoch + step
            body = (await status(client, sim, task)).json()
            seen.append(body["progress"] if provider == "xenodia" else body["data"]["progress"])
        assert seen == sorted(seen), seen
        assert seen[-1] == 100 and seen[0] == 0
        assert all(abs(p - 5 * i) <= 30 for i, p in enumerate(seen[:-1])), seen
        clock.now = START


async def test_same_seed_gives_same_ids_and_estimates(clock) -> None:
    made = []
    for _ in range(2):
        simulator = Simulator(seed=3, clock=clock)
        task = simulator.add_task(TaskScript("bytespike", run_s=10))
        made.append((task.task_id, task.estimate_factor, [f.token for f in task.files]))
    assert made[0] == made[1]
    assert 0.8 <= made[0][1] <= 1.25
