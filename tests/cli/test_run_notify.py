"""`taskmon run --notify` announces what the window's Notifications settings ask for.

A real `taskmon run --notify --until-done` process against the simulator, with no
session bus: every notification it tries cannot be shown, and says so once on
stderr. So a run that tries none, because the settings the window shared in the
data dir switch that kind of news off, says nothing of notifications.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskmon.providers import provider_catalog
from taskmon.service import NotifySettings, write_notify_settings
from taskmon.sim import SimulatorThread, TaskScript

# A provider whose tasks are named by their ID alone (no model to pass to `add`).
PROVIDER = next(info.name for info in provider_catalog().values() if not info.requires_model)


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorThread]:
    with SimulatorThread(seed=7) as simulator:
        yield simulator


def run_notify_until_done(sim: SimulatorThread, data: Path) -> subprocess.CompletedProcess[str]:
    """Add one task that succeeds once the run has seen it running (news only then),
    then `taskmon run --notify --until-done` with no D-Bus."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TASKMON_") and k not in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY")
    }
    env.update(
        TASKMON_DATA_DIR=str(data),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        XDG_RUNTIME_DIR=str(data.parent / "runtime"),  # no session bus to find there either
    )
    env[f"TASKMON_{PROVIDER.upper()}_API_KEY"] = sim.keys[PROVIDER]
    env[f"TASKMON_{PROVIDER.upper()}_BASE_URL"] = sim.api_url
    task = sim.add_task(TaskScript(PROVIDER, "image", queue_s=0.0, run_s=4.0))
    taskmon = [sys.executable, "-m", "taskmon"]
    added = subprocess.run(
        [*taskmon, "add", "--provider", PROVIDER, task.task_id],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    return subprocess.run(
        [*taskmon, "run", "--notify", "--until-done"],
        capture_output=True,
        text=True,
        env=env,
        timeout=90,
    )


def notification_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "notif" in line.lower()]


def test_with_the_defaults_a_success_is_announced(sim: SimulatorThread, tmp_path: Path) -> None:
    ran = run_notify_until_done(sim, tmp_path / "data")
    assert ran.returncode == 0, ran.stderr
    assert notification_lines(ran.stderr), ran.stderr  # tried, and said it could not


def test_successes_switched_off_in_the_window_are_not_announced(
    sim: SimulatorThread, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    write_notify_settings(data, NotifySettings(succeeded=False))
    ran = run_notify_until_done(sim, data)
    assert ran.returncode == 0, ran.stderr
    assert notification_lines(ran.stderr) == [], ran.stderr


def test_a_muted_provider_is_not_announced(sim: SimulatorThread, tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_notify_settings(data, NotifySettings(muted_providers=frozenset({PROVIDER})))
    ran = run_notify_until_done(sim, data)
    assert ran.returncode == 0, ran.stderr
    assert notification_lines(ran.stderr) == [], ran.stderr
