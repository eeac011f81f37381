"""Apixo: its enveloped status body and its model-scoped task reference."""

from __future__ import annotations

import json

from taskmon.sim import TaskScript

from ..helpers import START, bearer, body_at, status


async def test_apixo_states_times_in_ms_and_result_json_string(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("apixo", queue_s=5, run_s=15, outputs=2))
    assert task.model == "nano-banana"
    pending = await body_at(client, sim, clock, task, 1)
    assert pending["code"] == 200 and pending["message"] == "success"
    created_ms = int(START * 1000)
    assert pending["data"] == {"taskId": task.task_id, "state": "pending", "createTime": created_ms}
    processing = await body_at(client, sim, clock, task, 10)
    assert processing["data"]["state"] == "processing" and set(processing["data"]) == {
        "taskId", "state", "createTime",
    }  # fmt: skip
    data = (await body_at(client, sim, clock, task, 21))["data"]
    assert set(data) == {"taskId", "state", "resultJson", "costTime", "createTime", "completeTime"}
    assert data["state"] == "success"
    assert isinstance(data["resultJson"], str)  # a JSON document inside a string
    assert json.loads(data["resultJson"]) == {"resultUrls": sim.result_urls(task.task_id)}
    assert data["completeTime"] == created_ms + 20_000
    assert data["costTime"] == data["completeTime"] - data["createTime"]


async def test_apixo_failed_is_http_200_with_fail_code(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("apixo", run_s=5, outcome="failed", error_code="NSFW"))
    data = (await body_at(client, sim, clock, task, 6))["data"]
    assert set(data) == {"taskId", "state", "failCode", "failMsg", "createTime", "completeTime"}
    assert data["state"] == "failed" and data["failCode"] == "NSFW"


async def test_apixo_model_is_part_of_the_reference(sim, client) -> None:
    task = sim.add_task(TaskScript("apixo", model="flux-2"))
    url = f"{sim.api_url}/api/v1/statusTask/nano-banana"
    other = await client.get(url, params={"taskId": task.task_id}, headers=bearer(sim, "apixo"))
    assert other.status_code == 404 and other.json()["code"] == 404
    assert (await status(client, sim, task)).status_code == 200
    missing = await client.get(url, headers=bearer(sim, "apixo"))
    assert missing.status_code == 400 and missing.json()["data"]["error"]
