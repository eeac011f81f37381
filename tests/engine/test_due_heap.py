"""The scheduler's heap of poll times: one loop timer, replaced and cancelled polls
skipped, and polls that fall due within one tick sent in one wake-up."""

from __future__ import annotations

import asyncio
import itertools

from taskmon.domain.task import TaskRef, utcnow
from taskmon.providers import PROVIDERS
from taskmon.tracking.scheduler import DueTimes
from taskmon.tracking.task import TrackedTask


def _engine_recording_due(tick_s: float = 0.0) -> tuple[DueTimes, list[tuple[str, float]]]:
    fired: list[tuple[str, float]] = []
    loop = asyncio.get_running_loop()
    due = DueTimes(tick_s, lambda key: fired.append((key, loop.time())))
    return due, fired


def _task(name: str) -> TrackedTask:
    provider = PROVIDERS["xenodia"]
    return TrackedTask(TaskRef("xenodia", name), provider, 0.0, utcnow())


async def test_polls_come_due_in_time_order_once_each() -> None:
    engine, fired = _engine_recording_due()
    loop = asyncio.get_running_loop()
    a, b, c, d = (_task(n) for n in "abcd")
    start = loop.time()
    engine.schedule(a, 0.20)
    engine.schedule(b, 0.08)
    engine.schedule(c, 0.12)
    engine.schedule(d, 0.02)
    engine.schedule(a, 0.04)  # replaces a's pending poll with an earlier one
    engine.schedule(d, 0.16)  # and d's with a later one
    engine.cancel(c.ref.key)
    await asyncio.sleep(0.35)
    assert [key for key, _ in fired] == [a.ref.key, b.ref.key, d.ref.key]
    for (_, at), delay in zip(fired, (0.04, 0.08, 0.16), strict=True):
        assert at - start >= delay - 0.003  # never (much) early
    assert a.next_poll_mono is not None and abs(a.next_poll_mono - (start + 0.04)) < 0.01
    engine.close()


async def test_a_poll_scheduled_while_the_wake_waits_for_a_later_one_is_not_late() -> None:
    engine, fired = _engine_recording_due()
    loop = asyncio.get_running_loop()
    late, early = _task("late"), _task("early")
    engine.schedule(late, 0.30)
    await asyncio.sleep(0.02)
    start = loop.time()
    engine.schedule(early, 0.03)
    await asyncio.sleep(0.10)
    assert [key for key, _ in fired] == [early.ref.key]
    assert fired[0][1] - start < 0.09
    engine.close()


async def test_rescheduling_one_task_many_times_keeps_the_heap_small() -> None:
    engine, fired = _engine_recording_due()
    task = _task("busy")
    for i in range(1000):
        engine.schedule(task, 10.0 + i / 1000)
    assert len(engine._due_heap) <= 2 * 1 + 64 + 1
    engine.schedule(task, 0.01)
    await asyncio.sleep(0.08)
    assert [key for key, _ in fired] == [task.ref.key]
    engine.close()


async def test_nothing_comes_due_after_close() -> None:
    engine, fired = _engine_recording_due()
    engine.schedule(_task("x"), 0.02)
    engine.close()
    await asyncio.sleep(0.06)
    assert fired == []


async def test_polls_due_within_one_tick_go_out_together_and_never_early() -> None:
    engine, fired = _engine_recording_due(tick_s=0.2)
    loop = asyncio.get_running_loop()
    tasks = [_task(f"t{i}") for i in range(20)]
    start = loop.time()
    for i, task in enumerate(tasks):
        engine.schedule(task, 0.01 + 0.01 * i)  # due 10 ms apart over 0.2 s
    await asyncio.sleep(0.65)
    assert sorted(key for key, _ in fired) == sorted(t.ref.key for t in tasks)
    for (key, at), task in zip(sorted(fired), sorted(tasks, key=lambda t: t.ref.key), strict=True):
        assert key == task.ref.key
        assert at >= start + 0.01 + 0.01 * tasks.index(task) - 1e-3  # never early
        assert task.next_poll_mono is not None and abs(at - task.next_poll_mono) < 0.05
    times = sorted(at for _, at in fired)
    wake_ups = 1 + sum(1 for a, b in itertools.pairwise(times) if b - a > 0.05)
    assert wake_ups <= 2  # 20 polls: the ends of the one or two ticks they fall in


async def test_a_poll_asked_for_now_is_not_held_to_the_tick() -> None:
    engine, fired = _engine_recording_due(tick_s=10.0)
    loop = asyncio.get_running_loop()
    start = loop.time()
    engine.schedule(_task("now"), 0.0)
    await asyncio.sleep(0.05)
    assert [key for key, _ in fired] == [_task("now").ref.key]
    assert fired[0][1] - start < 0.05
    engine.close()
