"""reAPI: its status body, its 5-second in-flight cache and its auth codes."""

from __future__ import annotations

import re

from taskmon.sim import Simulator, TaskScript

from ..helpers import START, FakeClock, body_at, status


async def test_reapi_queue_reads_as_processing_then_outputs_by_kind(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("reapi", "audio", queue_s=3, run_s=3))
    assert re.fullmatch(r"task_[0-9a-f]{32}", task.task_id)
    body = await body_at(client, sim, clock, task, 1)
    assert body == {
        "id": task.task_id,
        "model": task.model,
        "status": "processing",
        "created_at": int(START),
        "output": None,
        "error": None,
    }
    done = await body_at(client, sim, clock, task, 7)
    assert done["status"] == "completed" and done["error"] is None
    assert done["output"] == {"audio_urls": sim.result_urls(task.task_id)}


async def test_reapi_video_last_frame_and_failure_code(sim, client, clock) -> None:
    video = sim.add_task(TaskScript("reapi", "video", run_s=1, last_frame=True))
    output = (await body_at(client, sim, clock, video, 2))["output"]
    assert set(output) == {"video_urls", "last_frame_url"}
    failed = sim.add_task(TaskScript("reapi", run_s=1, outcome="failed"))
    body = await body_at(client, sim, clock, failed, 4)
    assert body["status"] == "failed" and body["output"] is None
    assert body["error"] == {"code": 80006, "message": "Request violates content policy"}


async def test_reapi_caches_in_flight_status_for_five_seconds(client) -> None:
    clock = FakeClock()
    async with Simulator(clock=clock) as sim:
        task = sim.add_task(TaskScript("reapi", run_s=6))
        assert (await status(client, sim, task)).json()["status"] == "processing"
        clock.advance(4.9)
        assert (await status(client, sim, task)).json()["status"] == "processing"
        clock.advance(1.2)  # the task finished at 6 s, but the cache was filled at 0 s...
        assert (await status(client, sim, task)).json()["status"] == "completed"
        clock.advance(0.5)  # ...and a terminal body is never cached
        assert (await status(client, sim, task)).json()["status"] == "completed"
        stats = sim.stats(task.task_id)
        assert stats.cache_hits == 1
        assert [p.cache_hit for p in stats.polls] == [False, True, False, False]


async def test_reapi_cache_can_serve_a_stale_state(client) -> None:
    clock = FakeClock()
    async with Simulator(clock=clock) as sim:
        task = sim.add_task(TaskScript("reapi", run_s=2))
        await status(client, sim, task)
        clock.advance(3)  # finished 1 s ago, still inside the 5 s window
        body = (await status(client, sim, task)).json()
        assert body["status"] == "processing"
        stats = sim.stats(task.task_id)
        assert stats.polls[-1].phase == "running" and stats.finished_at_epoch < clock.now


async def test_reapi_auth_codes_tell_missing_malformed_and_invalid(sim, client) -> None:
    task = sim.add_task(TaskScript("reapi"))
    codes = []
    for headers in ({}, {"Authorization": "Token x"}, {"Authorization": "Bearer nope"}):
        codes.append((await status(client, sim, task, headers=headers)).json()["error"]["code"])
    assert codes == [10001, 10002, 10003]
