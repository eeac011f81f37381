"""Faults belong to a host: a bad minute parks the host's tasks behind one probe, and the
first good answer wakes them all; it does not cost each task its own growing backoff.

The host-wide outage is scripted as the same fault on every task, added at the same
moment (the simulator's own outage switch can replace it: the wire is the same).
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from taskmon.domain.snapshot import State
from taskmon.domain.task import TaskRef
from taskmon.sim import Fault, Simulator, TaskScript
from taskmon.sim.task import SimTask
from taskmon.tracking.pacing.host_health import HostHealthSettings
from taskmon.tracking.pacing.poll_policy import PROFILES

SEVEN_FAULTS = ("html502", "500", "malformed", "truncated", "empty", "reset", "slow")


def _seven_faults(slow_s: float) -> list[Fault]:
    # Faults apply in list order: request n meets the first fault with `first` > n.
    return [Fault(kind=kind, first=n + 1, delay_s=slow_s) for n, kind in enumerate(SEVEN_FAULTS)]


async def _seen_after_seven_faults(
    sim: Simulator, make_engine: Any, settle: Any, slow_s: float, **config: Any
) -> tuple[list[float], float]:
    """Poll times after the add, and how long after the last fault the success was seen."""
    engine, _ = make_engine(**config)
    script = sim.add_task(
        TaskScript(provider="xenodia", kind="image", run_s=6.0, faults=_seven_faults(slow_s))
    )
    key = engine.track(TaskRef("xenodia", script.task_id)).key
    await settle(engine, 60)
    view = engine.task(key)
    assert view is not None and view.state is State.SUCCEEDED
    polls = sim.stats(script.task_id).polls
    assert [p.fault for p in polls[:7]] == list(SEVEN_FAULTS)
    assert view.finished_at is not None
    last_fault = polls[6].at_epoch  # the slow one: when its answer was sent
    times = [p.at_epoch - script.added_at_epoch for p in polls]
    return times, view.finished_at.timestamp() - last_fault


@pytest.mark.slow
async def test_an_image_behind_seven_faults_is_seen_soon_after_the_last(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    times, seen_after = await _seen_after_seven_faults(sim, make_engine, settle, slow_s=2.0)
    print(f"polls at {[round(t, 1) for t in times]} s; seen {seen_after:.1f} s after the last")
    assert seen_after <= 20.0
    # Once the host counts as unwell, probes are at most the probe cap apart.
    gaps = [b - a for a, b in itertools.pairwise(times[2:])]
    assert max(gaps) <= HostHealthSettings().probe_cap_s + 2.0 + 0.5  # + the slow reply


async def test_an_image_behind_seven_faults_scaled_down(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    settings = HostHealthSettings(probe_base_s=0.1, probe_cap_s=0.8, wake_spread_s=0.1)
    times, seen_after = await _seen_after_seven_faults(
        sim, make_engine, settle, slow_s=0.2, host_health=settings, poll_tick_s=0.02
    )
    assert seen_after <= 2.0
    # The task's own backoff (2 s, 4 s) took the first two faults; then the host's probes.
    gaps = [b - a for a, b in itertools.pairwise(times[2:])]
    assert max(gaps) <= settings.probe_cap_s + 0.2 + 0.3


async def _outage(
    sim: Simulator,
    make_engine: Any,
    outage_s: float,
    runs_s: list[float],
    recovered_within_s: float,
    **config: Any,
) -> tuple[int, list[float]]:
    """Every task meets 502 for `outage_s` after the add; returns the status calls
    answered during the outage and how long after it each task was seen succeeded."""
    engine, recorder = make_engine(**config)
    scripts: list[SimTask] = [
        sim.add_task(
            TaskScript(
                provider="xenodia",
                kind="image",
                run_s=run_s,
                faults=[Fault(kind="502", until_s=outage_s)],
            )
        )
        for run_s in runs_s
    ]
    keys = [engine.track(TaskRef("xenodia", s.task_id)).key for s in scripts]
    recovered_at = min(s.added_at_epoch for s in scripts) + outage_s
    await asyncio.sleep(outage_s / 2)
    waiting = [engine.task(k) for k in keys]
    assert all(v is not None and (v.problem or "").startswith("host unreachable") for v in waiting)
    await asyncio.wait_for(engine.wait_idle(keys), outage_s + 10 * recovered_within_s + 10)
    during = sum(p.fault == "502" for s in scripts for p in sim.stats(s.task_id).polls)
    delays = []
    for key in keys:
        view = engine.task(key)
        assert view is not None and view.state is State.SUCCEEDED and view.finished_at
        assert view.problem is None
        delays.append(view.finished_at.timestamp() - recovered_at)
    problems = {e.view.problem for k in keys for e in recorder.task_events(k) if e.view.problem}
    assert any(p.startswith("host unreachable since ") for p in problems)
    return during, delays


@pytest.mark.slow
async def test_a_45_s_outage_costs_few_calls_and_every_task_is_seen_soon_after(
    sim: Simulator, make_engine: Any
) -> None:
    runs = [5.0 + 2.0 * i for i in range(20)]  # 5..43 s: all finish during the outage
    during, delays = await _outage(sim, make_engine, 45.0, runs, 10.0)
    print(f"{during} calls during the outage; seen {min(delays):.1f}..{max(delays):.1f} s after")
    assert during <= 40
    assert max(delays) <= 10.0


async def test_an_outage_scaled_down_costs_few_calls_and_ends_fast(
    sim: Simulator, make_engine: Any
) -> None:
    # The 45 s outage at a tenth of the scale: probes, wake spread and outage / 10.
    settings = HostHealthSettings(probe_base_s=0.1, probe_cap_s=0.8, wake_spread_s=0.1)
    runs = [0.5 + 0.2 * i for i in range(20)]
    during, delays = await _outage(
        sim, make_engine, 4.5, runs, 1.0, host_health=settings, poll_tick_s=0.02
    )
    assert during <= 40
    assert max(delays) <= 1.5  # 10 s at scale, plus loopback and scheduling slack


async def test_a_fault_only_one_task_meets_backs_off_for_that_task_alone(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, _ = make_engine()
    broken = sim.add_task(
        TaskScript(provider="vidgo", run_s=20.0, faults=[Fault(kind="500", until_s=14.0)])
    )
    healthy = [sim.add_task(TaskScript(provider="vidgo", run_s=run)) for run in (3.0, 6.0, 9.0)]
    broken_key = engine.track(TaskRef("vidgo", broken.task_id)).key
    for script in healthy:
        engine.track(TaskRef("vidgo", script.task_id))
    await settle(engine, 60)
    for script in healthy:  # never parked behind the broken one
        times = sim.stats(script.task_id).request_times
        assert all(b - a < 13.0 for a, b in itertools.pairwise(times))
    view = engine.task(broken_key)
    assert view is not None and view.state is State.SUCCEEDED
    times = sim.stats(broken.task_id).request_times
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # Never answered, so its kind is unknown: that kind's normal cap bounds its backoff.
    assert max(gaps) <= PROFILES[None].cap_s + 0.5
