"""Host-wide outages: one provider's API host, or the whole API port, down for a while."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from taskmon.sim import OUTAGE_KINDS, PROVIDERS, Fault, Simulator, SimulatorThread, TaskScript

from .helpers import bearer, status


async def test_a_provider_outage_answers_with_the_proxy_page_and_only_for_that_host(
    sim, client
) -> None:
    down = sim.add_task(TaskScript("reapi", run_s=60))
    up = sim.add_task(TaskScript("xenodia", run_s=60))
    sim.set_outage("reapi", "html502", 10)
    response = await status(client, sim, down)
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "502 Bad Gateway" in response.text
    assert (await status(client, sim, up)).status_code == 200


async def test_an_outage_ends_after_its_duration(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("vidgo", run_s=60))
    sim.set_outage("vidgo", "500", 10)
    clock.advance(9.9)
    assert (await status(client, sim, task)).status_code == 500
    clock.advance(0.1)
    assert (await status(client, sim, task)).status_code == 200
    assert sim.outages() == []


async def test_tasks_finish_during_an_outage_and_are_seen_finished_after_it(
    sim, client, clock
) -> None:
    task = sim.add_task(TaskScript("apixo", queue_s=1, run_s=4))
    sim.set_outage("apixo", "html502", 30)
    clock.advance(6)  # finished at 5 s, inside the outage
    assert (await status(client, sim, task)).status_code == 502
    clock.advance(25)
    body = (await status(client, sim, task)).json()
    assert body["data"]["state"] == "success"
    assert body["data"]["completeTime"] == int(task.finishes_at_epoch * 1000)
    stats = sim.stats(task.task_id)
    assert [p.state for p in stats.polls] == ["success"]  # the outage answer is not a poll
    assert [h.at_epoch for h in stats.outage_hits] == [clock.now - 25]


async def test_outage_hits_count_status_calls_with_their_times(sim, client, clock) -> None:
    tasks = [sim.add_task(TaskScript("bytespike", run_s=60)) for _ in range(2)]
    sim.set_outage("bytespike", "html502", 10)
    moments = []
    for _ in range(3):
        for task in tasks:
            await status(client, sim, task)
            moments.append(clock.now)
        clock.advance(2)
    hits = sim.outage_hits("bytespike")
    assert [h.at_epoch for h in hits] == moments
    assert {(h.provider, h.kind, h.http_status, h.call) for h in hits} == {
        ("bytespike", "html502", 502, "status")
    }
    assert [h.task_id for h in hits] == [t.task_id for t in tasks] * 3
    assert sim.outage_hits("reapi") == []
    overall = sim.global_stats()
    assert overall["outage_hits_by_provider"] == dict.fromkeys(PROVIDERS, 0) | {"bytespike": 6}
    assert overall["polls"] == 0
    assert sim.requests_by_provider["bytespike"] == 6  # every request is counted
    assert len(sim.stats(tasks[0].task_id).outage_hits) == 3


async def test_an_outage_answers_before_auth_and_rate_limit() -> None:
    async with Simulator(rate_limit_per_s={"reapi": 1}) as sim, httpx.AsyncClient() as client:
        task = sim.add_task(TaskScript("reapi"))
        sim.set_outage("reapi", "500", 60)
        wrong_key = await status(client, sim, task, headers={"Authorization": "Bearer nope"})
        assert wrong_key.status_code == 500
        for _ in range(3):  # over the limit, yet never 429: the host is down
            assert (await status(client, sim, task)).status_code == 500
        assert sim.clear_outage("reapi") is not None
        assert (await status(client, sim, task)).status_code == 200  # no budget was spent


async def test_a_port_wide_outage_takes_every_provider_down_in_its_own_envelope(
    sim, client
) -> None:
    tasks = {p: sim.add_task(TaskScript(p, run_s=60)) for p in PROVIDERS}
    sim.set_outage(None, "500", 10)
    bodies = {}
    for provider, task in tasks.items():
        response = await status(client, sim, task)
        assert response.status_code == 500
        bodies[provider] = response.json()
    assert bodies["xenodia"]["error"] == "internal_error"
    assert bodies["apixo"]["code"] == 500
    assert bodies["bytespike"]["error"]["type"] == "internal_error"
    assert bodies["vidgo"]["code"] == 500
    assert bodies["reapi"]["error"]["code"] == 60099
    assert sim.global_stats()["outage_hits_by_provider"] == dict.fromkeys(PROVIDERS, 1)


async def test_the_control_api_works_through_a_port_wide_outage(sim, client) -> None:
    sim.set_outage(None, "reset", 10)
    assert (await client.get(f"{sim.api_url}/_sim/stats")).status_code == 200
    created = await client.post(f"{sim.api_url}/_sim/tasks", json={"provider": "reapi"})
    assert created.status_code == 201


async def test_a_reset_outage_closes_the_connection_without_a_response(sim, client) -> None:
    task = sim.add_task(TaskScript("xenodia"))
    sim.set_outage("xenodia", "reset", 10)
    with pytest.raises(httpx.TransportError):
        await status(client, sim, task)
    (hit,) = sim.outage_hits()
    assert hit.http_status == 0 and hit.kind == "reset"


async def test_a_503_outage_says_when_it_ends(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("vidgo"))
    sim.set_outage("vidgo", "503", 20)
    clock.advance(7.5)
    response = await status(client, sim, task)
    assert response.status_code == 503 and response.headers["Retry-After"] == "13"
    assert response.json()["code"] == 503


async def test_a_502_outage_uses_the_providers_json(sim, client) -> None:
    task = sim.add_task(TaskScript("xenodia"))
    sim.set_outage("xenodia", "502", 10)
    response = await status(client, sim, task)
    assert response.status_code == 502 and "upstream" in response.json()["message"]


async def test_outage_answers_carry_no_bytespike_rate_limit_headers(sim, client) -> None:
    task = sim.add_task(TaskScript("bytespike"))
    sim.set_outage("bytespike", "html502", 10)
    response = await status(client, sim, task)
    assert response.status_code == 502 and "X-RateLimit-Reset" not in response.headers


async def test_a_provider_outage_wins_over_a_port_wide_one(sim, client) -> None:
    reapi = sim.add_task(TaskScript("reapi"))
    vidgo = sim.add_task(TaskScript("vidgo"))
    sim.set_outage(None, "500", 10)
    sim.set_outage("reapi", "html502", 10)
    assert (await status(client, sim, reapi)).status_code == 502
    assert (await status(client, sim, vidgo)).status_code == 500
    assert {o.provider for o in sim.outages()} == {None, "reapi"}


async def test_clearing_an_outage_ends_it_now(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("reapi"))
    sim.set_outage("reapi", "500", 60)
    clock.advance(3)
    ended = sim.clear_outage("reapi")
    assert ended is not None and ended.ends_at_epoch == clock.now
    assert (await status(client, sim, task)).status_code == 200
    assert sim.clear_outage("reapi") is None
    assert sim.clear_outage(None) is None  # the port-wide scope had none


async def test_bad_outages_are_refused(sim) -> None:
    with pytest.raises(ValueError, match="outage kind"):
        sim.set_outage("reapi", "teapot", 10)
    with pytest.raises(ValueError, match="unknown provider"):
        sim.set_outage("openai", "500", 10)
    with pytest.raises(ValueError, match="duration_s"):
        sim.set_outage("reapi", "500", 0)
    assert set(OUTAGE_KINDS) >= {"html502", "500", "reset"}


async def test_an_outage_cuts_an_open_bytespike_stream_and_refuses_new_ones(
    live_sim, client
) -> None:
    task = live_sim.add_task(TaskScript("bytespike", run_s=30))
    url = f"{live_sim.api_url}/v1/tasks/stream/{task.task_id}"
    headers = bearer(live_sim, "bytespike")
    events = []
    with pytest.raises(httpx.TransportError):
        async with client.stream("GET", url, headers=headers) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    events.append(json.loads(line[6:])["status"])
                    live_sim.set_outage("bytespike", "html502", 5)
    assert events == ["running"]
    again = await client.get(url, headers=headers)
    assert again.status_code == 502
    assert [h.call for h in live_sim.outage_hits()] == ["stream"]
    assert live_sim.stats(task.task_id).stream_connections == 1


async def test_cancel_during_an_outage_is_answered_by_the_outage(sim, client) -> None:
    task = sim.add_task(TaskScript("bytespike", run_s=30))
    sim.set_outage("bytespike", "500", 10)
    response = await client.post(
        f"{sim.api_url}/v1/tasks/cancel/{task.task_id}", headers=bearer(sim, "bytespike")
    )
    assert response.status_code == 500
    assert sim.stats(task.task_id).cancel_requests == 0  # never reached the task
    assert [(h.call, h.task_id) for h in sim.outage_hits()] == [("cancel", task.task_id)]


async def test_outages_through_the_control_api(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("reapi", run_s=60))
    created = await client.post(
        f"{sim.api_url}/_sim/outages",
        json={"provider": "reapi", "kind": "html502", "duration_s": 30},
    )
    assert created.status_code == 201
    assert created.json() == {
        "provider": "reapi",
        "kind": "html502",
        "starts_at_epoch": clock.now,
        "ends_at_epoch": clock.now + 30,
    }
    assert (await status(client, sim, task)).status_code == 502
    listed = (await client.get(f"{sim.api_url}/_sim/outages")).json()
    assert [o["provider"] for o in listed["active"]] == ["reapi"]
    assert listed["hits"] == [
        {
            "at_epoch": clock.now,
            "provider": "reapi",
            "kind": "html502",
            "http_status": 502,
            "call": "status",
            "task_id": task.task_id,
        }
    ]
    assert listed["hits_by_provider"]["reapi"] == 1
    stats = (await client.get(f"{sim.api_url}/_sim/tasks/{task.task_id}/stats")).json()
    assert stats["polls"] == [] and len(stats["outage_hits"]) == 1
    overall = (await client.get(f"{sim.api_url}/_sim/stats")).json()
    assert overall["outage_hits_by_provider"]["reapi"] == 1
    clock.advance(4)
    ended = await client.delete(f"{sim.api_url}/_sim/outages", params={"provider": "reapi"})
    assert ended.status_code == 200 and ended.json()["ends_at_epoch"] == clock.now
    assert (await status(client, sim, task)).status_code == 200
    again = await client.delete(f"{sim.api_url}/_sim/outages", params={"provider": "reapi"})
    assert again.status_code == 404


async def test_a_port_wide_outage_through_the_control_api(sim, client) -> None:
    task = sim.add_task(TaskScript("vidgo"))
    created = await client.post(
        f"{sim.api_url}/_sim/outages", json={"provider": None, "kind": "500", "duration_s": 5}
    )
    assert created.status_code == 201 and created.json()["provider"] is None
    assert (await status(client, sim, task)).status_code == 500
    assert (await client.delete(f"{sim.api_url}/_sim/outages")).status_code == 200
    assert (await status(client, sim, task)).status_code == 200


@pytest.mark.parametrize(
    "payload",
    [
        {"provider": "nope", "kind": "500", "duration_s": 5},
        {"provider": "reapi", "kind": "teapot", "duration_s": 5},
        {"provider": "reapi", "kind": "500", "duration_s": -1},
        {"provider": "reapi", "kind": "500", "duration_s": True},
        {"provider": "reapi", "kind": "500", "duration_s": "5"},
        {"provider": "reapi", "duration_s": 5},
        {"provider": 3, "kind": "500", "duration_s": 5},
        {"provider": "reapi", "kind": "500", "duration_s": 5, "colour": "red"},
        ["not", "an", "object"],
    ],
)
async def test_the_control_api_refuses_bad_outages(sim, client, payload) -> None:
    response = await client.post(f"{sim.api_url}/_sim/outages", json=payload)
    assert response.status_code == 400 and response.json()["error"]
    assert sim.outages() == []


def test_simulator_thread_sets_and_clears_outages() -> None:
    with SimulatorThread(seed=2) as sim, httpx.Client() as client:
        task = sim.add_task(TaskScript("xenodia", run_s=0))
        url = f"{sim.api_url}/v1/tasks/{task.task_id}"
        outage = sim.set_outage(None, "html502", 60)
        assert outage.provider is None and outage.kind == "html502"
        assert client.get(url, headers=bearer(sim, "xenodia")).status_code == 502
        assert [h.task_id for h in sim.outage_hits("xenodia")] == [task.task_id]
        assert sim.clear_outage(None) is not None
        assert client.get(url, headers=bearer(sim, "xenodia")).json()["state"] == "success"


async def test_requests_in_flight_when_an_outage_begins_complete(live_sim, client) -> None:
    """An outage answers requests that arrive while it is in force, not those already served."""
    task = live_sim.add_task(TaskScript("reapi", faults=[Fault("slow", first=1, delay_s=0.3)]))
    slow = asyncio.create_task(status(client, live_sim, task))
    await asyncio.sleep(0.1)
    live_sim.set_outage("reapi", "500", 5)
    assert (await slow).status_code == 200
    assert (await status(client, live_sim, task)).status_code == 500
