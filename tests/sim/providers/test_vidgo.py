"""Vidgo: its enveloped status body and zone-less times."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from taskmon.sim import TaskScript

from ..helpers import START, body_at

VIDGO_KEYS = {"task_id", "status", "files", "created_time", "progress", "error_message"}


async def test_vidgo_envelope_states_and_zone_less_utc_time(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("vidgo", "video", queue_s=5, run_s=10))
    assert re.fullmatch(r"task-unified-\d{10}-[a-z0-9]{8}", task.task_id)
    first = await body_at(client, sim, clock, task, 1)
    assert first["code"] == 200 and set(first["data"]) == VIDGO_KEYS
    expected_time = datetime.fromtimestamp(int(START), UTC).strftime("%Y-%m-%dT%H:%M:%S")
    assert first["data"]["created_time"] == expected_time
    assert first["data"]["status"] == "not_started" and first["data"]["progress"] == 0
    running = (await body_at(client, sim, clock, task, 10))["data"]
    assert running["status"] == "running" and 0 < running["progress"] < 100
    done = (await body_at(client, sim, clock, task, 16))["data"]
    assert done["status"] == "finished" and done["progress"] == 100
    assert done["files"] == [
        {"file_url": url, "file_type": "video"} for url in sim.result_urls(task.task_id)
    ]
    assert done["error_message"] is None


async def test_vidgo_failed_has_empty_files_and_message(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("vidgo", run_s=1, outcome="failed", error_message="nope"))
    data = (await body_at(client, sim, clock, task, 2))["data"]
    assert data["status"] == "failed" and data["files"] == [] and data["progress"] == 0
    assert data["error_message"] == "nope"
