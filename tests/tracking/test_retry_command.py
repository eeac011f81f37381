"""`taskmon retry`: bring back what taskmon gave up on, from a terminal (issue 10, item 9).

Real `python -m taskmon retry` processes; a TrackingService on the simulator
holds the data dir (and its hand-over socket) where a test needs a running one.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from loopback import eventually

from taskmon.domain.snapshot import MediaKind, State
from taskmon.domain.task import TaskRef
from taskmon.service import tracking_service as service_module
from taskmon.service.handover import supported
from taskmon.sim import Simulator, TaskScript
from taskmon.tracking import outcome_handler

pytestmark = pytest.mark.skipif(not supported(), reason="needs Unix sockets")


async def taskmon(data: Path, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKMON_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "taskmon",
        *args,
        env={**env, "TASKMON_DATA_DIR": str(data)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def state_of(service: Any, key: str) -> State | None:
    view = service.engine.task(key) if service.engine is not None else None
    return None if view is None else view.state


async def test_retry_reaches_a_running_tracker_at_once(
    sim: Simulator, make_service: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outcome_handler, "NOT_FOUND_CONFIRM_S", 0.2)
    monkeypatch.setattr(service_module, "STORE_POLL_S", 60.0)  # only the hand-over is this quick
    data = tmp_path / "data"
    service = make_service(data)
    await service.start()
    ref = TaskRef("xenodia", "task_submitted_elsewhere")
    await service.add_tasks([ref])
    await eventually(lambda: state_of(service, ref.key) is State.LOST)
    sim.add_task(TaskScript(provider="xenodia", task_id=ref.task_id, run_s=0.3))

    code, out, err = await taskmon(data, "retry", ref.task_id)

    assert (code, out) == (0, f"retrying xenodia {ref.task_id}\n"), err
    assert "taskmon run" in err and "now" in err
    await eventually(lambda: state_of(service, ref.key) is State.SUCCEEDED, 10)


async def test_retry_without_a_tracker_marks_the_task_for_the_next_run(
    sim: Simulator, make_service: Any, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    quick_give_up = {kind: 0.5 for kind in (*MediaKind, None)}
    first = make_service(data, give_up_after_s=quick_give_up)
    await first.start()
    task = sim.add_task(TaskScript(provider="vidgo", run_s=12.0))
    ref = TaskRef("vidgo", task.task_id)
    await first.add_tasks([ref])
    await eventually(lambda: state_of(first, ref.key) is State.FAILED, 15)
    await first.stop()

    code, out, err = await taskmon(data, "retry", ref.key)  # a store key names one task

    assert (code, out) == (0, f"retrying vidgo {ref.task_id}\n"), err
    assert "next" in err
    second = make_service(data)  # before: a gave-up task stayed failed for good
    await second.start()
    await eventually(lambda: state_of(second, ref.key) in (State.QUEUED, State.RUNNING), 5)
    await asyncio.wait_for(second.wait_until_done(), 30)
    assert state_of(second, ref.key) is State.SUCCEEDED


async def test_retry_exit_status_and_what_it_says(
    sim: Simulator, make_service: Any, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    code, out, err = await taskmon(data, "retry", "task_nothing_tracked")
    assert (code, out) == (1, "") and "not tracked: task_nothing_tracked" in err
    assert not data.exists() or not any(data.iterdir())  # no store was made

    service = make_service(data)
    await service.start()
    task = sim.add_task(TaskScript(provider="reapi", run_s=0.2, outcome="failed"))
    ref = TaskRef("reapi", task.task_id)
    await service.add_tasks([ref])
    await asyncio.wait_for(service.wait_until_done(), 20)

    code, out, err = await taskmon(data, "retry", ref.task_id, "task_unknown")
    assert (code, out) == (1, "")
    assert f"not retried: reapi {ref.task_id}" in err and "final" in err
    assert "not tracked: task_unknown" in err

    code, _, err = await taskmon(data, "retry")
    assert code == 2 and len(err.strip().splitlines()) == 1
