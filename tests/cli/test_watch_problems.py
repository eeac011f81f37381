"""What `taskmon watch` says while something is wrong (issue 10): real processes on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskmon.sim import SimulatorThread, TaskScript

MODEL = "nano-banana"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorThread]:
    with SimulatorThread(seed=5) as simulator:
        yield simulator


def watch(sim: SimulatorThread, provider: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKMON_")}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    env[f"TASKMON_{provider.upper()}_API_KEY"] = sim.keys[provider]
    env[f"TASKMON_{provider.upper()}_BASE_URL"] = sim.api_url
    return subprocess.run(
        [sys.executable, "-m", "taskmon", "watch", "--provider", provider, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_failed_download_says_why_on_the_succeeded_line(
    sim: SimulatorThread, tmp_path: Path
) -> None:
    task = sim.add_task(TaskScript("apixo", "image", run_s=0.3, model=MODEL, media_ttl_s=0.0))
    done = watch(
        sim, "apixo", "--model", MODEL, "--json", "--save-dir", str(tmp_path), task.task_id
    )
    last = json.loads(done.stdout.splitlines()[-1])
    assert done.returncode == 1
    assert (last["state"], last["files"], last["error"]) == ("succeeded", [], None)
    assert "expired" in last["problem"]  # before: no "problem" key, only the exit status told


def test_a_saved_result_has_a_null_problem(sim: SimulatorThread, tmp_path: Path) -> None:
    task = sim.add_task(TaskScript("apixo", "image", run_s=0.3, model=MODEL))
    done = watch(
        sim, "apixo", "--model", MODEL, "--json", "--save-dir", str(tmp_path), task.task_id
    )
    last = json.loads(done.stdout.splitlines()[-1])
    assert done.returncode == 0 and len(last["files"]) == 1 and last["problem"] is None


def test_an_unreachable_host_is_said_once_when_it_starts_and_once_when_it_ends(
    sim: SimulatorThread,
) -> None:
    task = sim.add_task(TaskScript("reapi", "image", run_s=1.0))
    sim.set_outage("reapi", "reset", 5.0)
    started = time.monotonic()
    done = watch(sim, "reapi", "--timeout", "40", task.task_id)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    failing = [line for line in lines if line.startswith("taskmon watch: reapi: ")]
    assert len(failing) == 2, lines  # before: nothing at all until --timeout
    assert failing[0].endswith("; retrying") and "connection" in failing[0]
    assert failing[1] == "taskmon watch: reapi: reachable again"
    assert time.monotonic() - started < 40
