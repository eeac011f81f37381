"""Across providers: progress curves and seeded determinism of the status bodies."""

from __future__ import annotations

from taskmon.sim import Simulator, TaskScript

from .helpers import START, status


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
