"""reAPI's status cache, the /_sim/ control API and SimulatorThread."""

from __future__ import annotations

import ast
from pathlib import Path

import httpx
import pytest

import taskmon.sim
from taskmon.sim import Fault, SimulatorThread, TaskScript

from .helpers import bearer, status


async def test_stats_record_every_status_request(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("apixo", queue_s=1, run_s=1, faults=[Fault("500", first=1)]))
    await status(client, sim, task)
    clock.advance(1.5)
    await status(client, sim, task)
    clock.advance(1)
    await status(client, sim, task)
    stats = sim.stats(task.task_id)
    assert stats.request_times == [clock.now - 2.5, clock.now - 1, clock.now]
    assert stats.states == [None, "processing", "success"]
    assert [p.phase for p in stats.polls] == [None, "running", "succeeded"]
    assert [p.http_status for p in stats.polls] == [500, 200, 200]
    assert stats.finished_at_epoch == task.finishes_at_epoch
    assert sim.requests_by_provider["apixo"] == 3


async def test_control_api_scripts_tasks_from_another_process(sim, client) -> None:
    script = TaskScript("bytespike", run_s=5, out_task_id="bench-1", faults=[Fault("503", first=1)])
    created = await client.post(f"{sim.api_url}/_sim/tasks", json=script.to_dict())
    assert created.status_code == 201
    task = created.json()
    assert task["provider"] == "bytespike" and task["out_task_id"] == "bench-1"
    assert task["finishes_at_epoch"] == task["added_at_epoch"] + 5
    query = await client.post(
        f"{sim.api_url}/v1/tasks/query",
        json={"out_task_id": "bench-1"},
        headers=bearer(sim, "bytespike"),
    )
    assert query.status_code == 503
    stats = (await client.get(f"{sim.api_url}/_sim/tasks/{task['task_id']}/stats")).json()
    assert stats["polls"][0]["http_status"] == 503 and stats["cache_hits"] == 0
    overall = (await client.get(f"{sim.api_url}/_sim/stats")).json()
    assert overall["requests_by_provider"]["bytespike"] == 1 and overall["tasks"] == 1
    listed = (await client.get(f"{sim.api_url}/_sim/tasks")).json()
    assert [t["task_id"] for t in listed] == [task["task_id"]]
    keys = (await client.get(f"{sim.api_url}/_sim/keys")).json()
    assert keys["keys"] == sim.keys and keys["media_url"] == sim.media_url
    deleted = await client.delete(f"{sim.api_url}/_sim/tasks/{task['task_id']}")
    assert deleted.status_code == 204
    again = await client.post(
        f"{sim.api_url}/v1/tasks/query",
        json={"task_id": task["task_id"]},
        headers=bearer(sim, "bytespike"),
    )
    assert again.status_code == 404


@pytest.mark.parametrize(
    "payload",
    [
        {"provider": "nope"},
        {"provider": "reapi", "colour": "red"},
        {"provider": "vidgo", "kind": "audio"},
        {"provider": "reapi", "outcome": "cancelled"},
        {"provider": "reapi", "faults": [{"kind": "429", "bogus": 1}]},
        ["not", "an", "object"],
    ],
)
async def test_control_api_rejects_bad_scripts(sim, client, payload) -> None:
    response = await client.post(f"{sim.api_url}/_sim/tasks", json=payload)
    assert response.status_code == 400 and response.json()["error"]


async def test_control_api_stats_of_unknown_task_is_404(sim, client) -> None:
    assert (await client.get(f"{sim.api_url}/_sim/tasks/task_x/stats")).status_code == 404


def test_simulator_thread_serves_synchronous_clients() -> None:
    with SimulatorThread(seed=5) as sim:
        task = sim.add_task(TaskScript("xenodia", run_s=0))
        with httpx.Client() as client:
            response = client.get(
                f"{sim.api_url}/v1/tasks/{task.task_id}", headers=bearer(sim, "xenodia")
            )
            assert response.json()["state"] == "success"
            (url,) = sim.result_urls(task.task_id)
            assert client.get(url).content == sim.expected_media(url)
        assert sim.stats(task.task_id).states == ["success"]
        assert sim.requests_by_provider["xenodia"] == 1
        assert len(sim.media_requests) == 1
        sim.remove_task(task.task_id)
        with httpx.Client() as client:
            gone = client.get(
                f"{sim.api_url}/v1/tasks/{task.task_id}", headers=bearer(sim, "xenodia")
            )
            assert gone.status_code == 404
        api_url = sim.api_url
    with pytest.raises(httpx.ConnectError), httpx.Client() as client:
        client.get(f"{api_url}/_sim/stats")


def test_simulator_thread_reports_a_busy_port() -> None:
    with SimulatorThread() as first:
        port = int(first.api_url.rsplit(":", 1)[1])
        with pytest.raises(RuntimeError, match="failed to start"):
            SimulatorThread(api_port=port).start()


async def test_control_api_rejects_wrong_types(sim, client) -> None:
    response = await client.post(
        f"{sim.api_url}/_sim/tasks", json={"provider": "reapi", "run_s": "x"}
    )
    assert response.status_code == 400


def test_simulator_imports_nothing_it_is_meant_to_check() -> None:
    """The simulator is written from the docs, so it must not reuse the parsers."""
    forbidden = ("taskmon.providers", "taskmon.tracking", "taskmon.domain", "taskmon.net")
    for path in Path(taskmon.sim.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(forbidden), f"{path.name} imports {name}"
