"""When each task is polled: one heap of due times, per-provider queues and workers.

Each task has at most one pending poll time, kept in a heap under one loop
timer for the earliest; when it is due, the task's key goes into its
provider's queue, served by a few workers per provider, so concurrency is
bounded and thousands of tasks cost no coroutine each. A worker holds its
task until the key's rate budget allows the call, then polls it.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
from collections.abc import Awaitable, Callable, Mapping

from taskmon.tracking.config import ProviderRuntime
from taskmon.tracking.runtimes import ProviderRuntimes
from taskmon.tracking.task import TrackedTask

log = logging.getLogger(__name__)

BUDGET_RECHECK_S = 1.0  # a worker waiting for the rate budget looks again at least this often
DUE_SLACK_S = 1e-6  # asyncio runs a timer up to its clock resolution early
INTERNAL_ERROR_RETRY_S = 30.0

PollFn = Callable[[ProviderRuntime, TrackedTask], Awaitable[None]]
HoldFn = Callable[[ProviderRuntime, TrackedTask], None]


class DueTimes:
    """The due time of every task's next poll, under one loop timer for the earliest.

    A loop timer per task put thousands of handles in asyncio's own heap, whose
    every sift compares them in Python (TimerHandle.__lt__); this heap holds
    plain tuples. See bench/NOTES.md.
    """

    def __init__(self, tick_s: float, on_due: Callable[[str], None]) -> None:
        self._tick_s = tick_s
        self._on_due = on_due
        self._due_at: dict[str, float] = {}  # key -> loop time of its next poll
        self._due_heap: list[tuple[float, str]] = []  # (due, key); stale entries skipped
        self._wake: asyncio.TimerHandle | None = None  # the loop's one timer, for the earliest
        self._wake_at = math.inf
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def schedule(self, task: TrackedTask, delay_s: float) -> None:
        """Poll `task` in `delay_s` seconds (replacing any pending poll).

        A delay is rounded up to the next tick of the loop clock (`tick_s`), so
        polls that fall due close together go out in one wake-up of the process,
        which costs less CPU than waking for each (bench/NOTES.md). A delay of 0
        is not rounded: that poll goes at once.
        """
        if self._closed:
            return
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        key = task.ref.key
        when = self.on_tick(loop.time() + delay_s) if delay_s > 0.0 else loop.time()
        task.plan_poll(when)
        self._due_at[key] = when  # an earlier entry of this key is now stale
        heapq.heappush(self._due_heap, (when, key))
        if len(self._due_heap) > 2 * len(self._due_at) + 64:
            self._compact()
        if when < self._wake_at:
            self._set_wake(loop, when)

    def on_tick(self, when: float) -> float:
        """`when` rounded up to the next poll tick (see `schedule`)."""
        tick = self._tick_s
        return math.ceil(when / tick) * tick if tick > 0.0 else when

    def is_planned(self, key: str) -> bool:
        """Whether a poll of `key` is pending (not yet due)."""
        return key in self._due_at

    def cancel(self, key: str) -> None:
        """Forget `key`'s pending poll (its heap entry is skipped when it comes up)."""
        self._due_at.pop(key, None)

    def close(self) -> None:
        """Nothing comes due any more."""
        self._closed = True
        if self._wake is not None:
            self._wake.cancel()
        self._due_at.clear()
        self._due_heap.clear()

    def _set_wake(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        if self._wake is not None:
            self._wake.cancel()
        self._wake_at = when
        self._wake = loop.call_at(when, self._on_wake)

    def _compact(self) -> None:
        """Drop stale entries (many polls rescheduled before they were due)."""
        self._due_heap = [(when, key) for key, when in self._due_at.items()]
        heapq.heapify(self._due_heap)

    def _on_wake(self) -> None:
        """Hand every poll that is due on; wake again for the next."""
        self._wake, self._wake_at = None, math.inf
        loop = self._loop
        if self._closed or loop is None:
            return
        heap, due_at, on_due = self._due_heap, self._due_at, self._on_due
        now = loop.time()  # asyncio may run a timer a clock resolution early
        horizon = now + DUE_SLACK_S
        while heap and heap[0][0] <= horizon:
            when, key = heapq.heappop(heap)
            if due_at.get(key) == when:  # not cancelled or replaced meanwhile
                del due_at[key]
                on_due(key)
        while heap and due_at.get(heap[0][1]) != heap[0][0]:
            heapq.heappop(heap)  # stale: no wake-up for it
        if heap and self._wake is None:
            self._set_wake(loop, heap[0][0])


class Scheduler:
    """Due polls into their provider's queue; workers wait for the budget, then poll."""

    def __init__(
        self,
        tasks: Mapping[str, TrackedTask],
        runtimes: ProviderRuntimes,
        tick_s: float,
        poll: PollFn,
        hold: HoldFn,
    ) -> None:
        self._tasks = tasks
        self._runtimes = runtimes
        self._poll = poll
        self._hold = hold  # a task whose host is unwell waits there instead of polling
        self.due = DueTimes(tick_s, self._due)
        self.schedule = self.due.schedule
        self.cancel = self.due.cancel

    def start_worker(self, runtime: ProviderRuntime) -> asyncio.Task[None]:
        return asyncio.create_task(self._worker(runtime))

    def _due(self, key: str) -> None:
        task = self._tasks.get(key)
        if task is None:
            return
        runtime = self._runtimes.get(task.provider.name)
        if key not in runtime.queued:
            runtime.queued.add(key)
            runtime.queue.put_nowait(key)

    async def _worker(self, runtime: ProviderRuntime) -> None:
        while True:
            key = await runtime.queue.get()
            runtime.queued.discard(key)
            task = self._tasks.get(key)
            if task is None:
                continue
            # Asked before the budget (a parked task spends no token) and after it
            # (the host may have failed meanwhile); inline, as HostHealth.holds, per poll.
            host = runtime.host
            if host.unwell and key != host.probe_key:
                self._hold(runtime, task)
                continue
            if not await self._wait_for_budget(runtime, task):
                continue
            host = runtime.host
            if host.unwell and key != host.probe_key:
                self._hold(runtime, task)
                continue
            try:
                await self._poll(runtime, task)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not kill the worker and strand its tasks
                log.exception("internal error while polling %s", task.ref.key)
                task.note_problem("internal error while polling; retrying")
                self.schedule(task, INTERNAL_ERROR_RETRY_S)

    async def _wait_for_budget(self, runtime: ProviderRuntime, task: TrackedTask) -> bool:
        """Hold `task` until the key's rate budget allows a call; False when it no longer needs one.

        The worker waits with the task in hand while the rest stay queued in
        order, so a spent budget costs nothing per waiting task (putting each
        back on a timer made them bounce; bench/NOTES.md). One worker at a time
        waits for the next token; the others wait behind it on the gate, so a
        token wakes one worker, not all of them.
        """
        loop = asyncio.get_running_loop()
        if not runtime.budget_gate.locked():  # nobody waiting: no lock while tokens last
            if not self._still_due(runtime, task):
                return False
            if runtime.budget.reserve(loop.time()) <= 0.0:
                return True
        async with runtime.budget_gate:
            while self._still_due(runtime, task):
                wait = runtime.budget.reserve(loop.time())
                if wait <= 0.0:
                    return True
                # In slices: a new key resets the budget, a halt or removal ends the wait.
                # Up to a tick, as polls are: one wake-up then lets the tokens of a
                # whole tick go, instead of one wake-up per token.
                now = loop.time()
                await asyncio.sleep(self.due.on_tick(now + min(wait, BUDGET_RECHECK_S)) - now)
            return False

    def _still_due(self, runtime: ProviderRuntime, task: TrackedTask) -> bool:
        """Whether the worker holding `task` should still poll it."""
        key = task.ref.key
        return (
            self._tasks.get(key) is task
            and task.wants_polls
            and not runtime.stopped
            and key not in runtime.queued  # queued again meanwhile: that turn polls it
        )

    def close(self) -> list[asyncio.Task[None]]:
        """Stop everything coming due; returns the workers, cancelled."""
        self.due.close()
        workers = [w for runtime in self._runtimes for w in runtime.workers]
        for worker in workers:
            worker.cancel()
        return workers
