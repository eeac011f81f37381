"""The engine: tracks tasks to a terminal state and fetches their results.

One asyncio loop, no Qt. Each task has at most one pending poll time, kept in
the engine's own heap under one loop timer for the earliest (see `schedule`);
when it is due, the task's key goes into its provider's queue, served by a few
workers per provider, so concurrency is bounded and thousands of tasks cost no
coroutine each. Providers that push updates (server-sent events) get a stream
per task instead, with polling as the fallback.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
import random
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from taskmon.domain.records import StoredTask
from taskmon.domain.snapshot import State, TaskError
from taskmon.domain.task import GAVE_UP, NOT_FOUND, Change, TaskRef, TaskView, utcnow
from taskmon.net.http_api import ApiClients
from taskmon.net.outcomes import (
    AccessDenied,
    KeyRejected,
    NotFound,
    Observed,
    Outcome,
    Throttled,
    Transient,
    classify_exception,
    classify_response,
)
from taskmon.providers import PROVIDERS
from taskmon.providers.base import Provider, RequestSpec
from taskmon.tracking import commands as task_commands
from taskmon.tracking import poll_policy as poll_schedule
from taskmon.tracking.config import HOUR, EngineConfig, KeyLookup, ProviderRuntime
from taskmon.tracking.events import EngineEvent, Subscriber, TaskEvent
from taskmon.tracking.provider_control import ProviderControl
from taskmon.tracking.results import ResultFetcher
from taskmon.tracking.runtimes import ProviderRuntimes
from taskmon.tracking.side_jobs import SideJobs
from taskmon.tracking.streams import follow_stream
from taskmon.tracking.task import TrackedTask

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

NOT_FOUND_CONFIRM_S = 5.0  # a just-submitted task may briefly 404: look once more
BUDGET_RECHECK_S = 1.0  # a worker waiting for the rate budget looks again at least this often
DUE_SLACK_S = 1e-6  # asyncio runs a timer up to its clock resolution early


class Engine:
    """Tracks tasks across providers; subscribe() to hear about every change."""

    def __init__(
        self,
        keys: KeyLookup,
        config: EngineConfig | None = None,
        *,
        providers: Mapping[str, Provider] | None = None,
        env: Mapping[str, str] | None = None,
        rng: random.Random | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """`transport` carries all its HTTP (a test's `httpx.MockTransport`); by
        default the clients choose their own (see ApiClients)."""
        self.config = config or EngineConfig()
        self._rng = rng or random.Random()
        self.clients = ApiClients(transport=transport)
        self._runtimes = ProviderRuntimes(
            dict(providers or PROVIDERS),
            self.config,
            env,
            lambda runtime: asyncio.create_task(self._worker(runtime)),
        )
        self.control = ProviderControl(self, self._runtimes, keys)
        self.jobs = SideJobs()
        self._tasks: dict[str, TrackedTask] = {}
        self._due_at: dict[str, float] = {}  # key -> loop time of its next poll
        self._due_heap: list[tuple[float, str]] = []  # (due, key); stale entries skipped
        self._wake: asyncio.TimerHandle | None = None  # the loop's one timer, for the earliest
        self._wake_at = math.inf
        self._subscribers: list[Subscriber] = []
        self._results = ResultFetcher(self)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._unfinished_hint: str | None = None  # see has_unfinished

    # -- public interface ---------------------------------------------------

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback` for every engine event; returns the unsubscribe function."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def base_url(self, provider: str) -> str:
        """The validated base URL for `provider` (raises ConfigError)."""
        return self._runtimes.base_url(provider)

    def track(
        self, ref: TaskRef, *, label: str | None = None, stored: StoredTask | None = None
    ) -> TaskView:
        """Start tracking `ref` (idempotent); raises BadReference or ConfigError.

        `stored` continues a task from the store where it was left: a terminal
        one is not polled again, only its missing result files are fetched.
        """
        return self._view(self._start_tracking(ref, label, stored))

    def resume(self, stored: StoredTask) -> None:
        """`track` a task from the store, without making a view nobody reads
        (5,000 of them were a tenth of `taskmon run`'s start-up)."""
        self._start_tracking(stored.ref, stored.label, stored)

    def _start_tracking(
        self, ref: TaskRef, label: str | None, stored: StoredTask | None
    ) -> TrackedTask:
        existing = self._tasks.get(ref.key)
        if existing is not None:
            return existing
        provider = self._runtimes.provider(ref.provider)
        provider.validate_ref(ref)
        runtime = self._runtimes.get(ref.provider)
        loop = self._running_loop()
        task = TrackedTask(
            ref=ref,
            provider=provider,
            first_seen_mono=loop.time(),
            first_seen_at=stored.added_at if stored else utcnow(),
            label=label,
        )
        if stored is not None:
            task.restore(stored, loop.time(), utcnow())
        self._attach_prior(task)
        self._tasks[ref.key] = task
        if task.state.is_terminal:
            self.fetch_results(task)
        elif runtime.stopped is None:
            self.poll_now(task)
        else:
            task.problem = runtime.stopped
        return task

    def untrack(self, key: str) -> list[asyncio.Task[None]]:
        """Stop tracking `key`: no more polls, its stream and downloads are cancelled.

        Returns the cancelled jobs, for a caller that must wait until they have
        stopped writing (a purge of the task's files).
        """
        if self._tasks.pop(key, None) is not None:
            self.cancel_timer(key)
        return self.jobs.cancel_of(key)

    def tasks(self) -> list[TaskView]:
        return [self._view(t) for t in self._tasks.values()]

    def task(self, key: str) -> TaskView | None:
        t = self._tasks.get(key)
        return None if t is None else self._view(t)

    def is_tracked(self, key: str) -> bool:
        return key in self._tasks

    def tracked_count(self) -> int:
        return len(self._tasks)

    def loop_time(self) -> float:
        return self._running_loop().time()

    def tracked(self, key: str) -> TrackedTask | None:
        """The engine's own record of `key` (for engine modules; UIs read views)."""
        return self._tasks.get(key)

    def runtime_for(self, task: TrackedTask) -> ProviderRuntime:
        return self._runtimes.get(task.provider.name)

    def provider_problems(self) -> dict[str, str]:
        return self._runtimes.problems()

    def unfinished_of(self, provider: str) -> list[TrackedTask]:
        """`provider`'s tracked tasks that have not ended."""
        tasks = self._tasks.values()
        return [t for t in tasks if t.ref.provider == provider and not t.state.is_terminal]

    async def cancel(self, key: str) -> str:
        """Ask the provider to cancel; returns what happened, in words (KeyError: untracked)."""
        return await task_commands.cancel(self, key)

    def retry(self, key: str) -> str:
        """Retry a lost or given-up lookup, or failed result downloads; says what happened."""
        return task_commands.retry(self, key)

    async def resume_provider(self, provider: str) -> None:
        """Retry a halted provider (after its key changed): reload the key, poll again."""
        self.control.resume(provider)

    async def wait_idle(self, keys: Iterable[str] | None = None) -> None:
        """Wait until the given tasks (default: all) are done, downloads included."""
        wanted = set(self._tasks) if keys is None else set(keys)
        remaining = {k for k in wanted if k in self._tasks and not self._view_done(k)}
        done = asyncio.Event()

        def check(event: EngineEvent) -> None:
            # Only the task that changed is looked at: O(1) per event at any scale.
            if isinstance(event, TaskEvent) and event.view.is_done:
                remaining.discard(event.view.key)
                if not remaining:
                    done.set()

        if not remaining:
            return
        unsubscribe = self.subscribe(check)
        try:
            await done.wait()
        finally:
            unsubscribe()

    def has_unfinished(self) -> bool:
        """Whether any task is still moving (not terminal, or downloading; a halted
        provider's tasks excluded); cheap when asked again and again.

        The task found last time is looked at first: it is usually still
        moving, and a scan from the start would pass every task that ended.
        """
        stopped = {r.provider.name for r in self._runtimes if r.stopped}
        hint = self._tasks.get(self._unfinished_hint or "")
        if hint is not None and _moving(hint, stopped):
            return True
        moving = (k for k, t in self._tasks.items() if _moving(t, stopped))
        self._unfinished_hint = next(moving, None)
        return self._unfinished_hint is not None

    def _view_done(self, key: str) -> bool:
        task = self._tasks[key]
        return task.state.is_terminal and not task.downloads_pending

    async def aclose(self) -> None:
        """Stop polling, streams and downloads; close connections."""
        self._closed = True
        if self._wake is not None:
            self._wake.cancel()
        self._due_at.clear()
        self._due_heap.clear()
        jobs = self.jobs.all()
        for runtime in self._runtimes:
            jobs.extend(runtime.workers)
        for job in jobs:
            job.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        await self._results.aclose()
        await self.clients.aclose()

    # -- scheduling -----------------------------------------------------------

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def poll_now(self, task: TrackedTask) -> None:
        """Look at `task` at once: through its stream where one opens, else a poll."""
        if not self._maybe_stream(task):
            self.schedule(task, 0.0)

    def fetch_results(self, task: TrackedTask) -> None:
        """Download a succeeded task's missing results, when this engine keeps results."""
        if task.state is not State.SUCCEEDED or self.config.result_dir is None:
            return
        # ResultFetcher spawns its job through spawn() before start() returns:
        # owned by the task, the download stops when the task is untracked.
        with self.jobs.adopted_by(task.ref.key):
            self._results.start(task)

    def schedule(self, task: TrackedTask, delay_s: float) -> None:
        """Poll `task` in `delay_s` seconds (replacing any pending poll).

        A delay is rounded up to the next tick of the loop clock
        (`config.poll_tick_s`), so polls that fall due close together go out
        in one wake-up of the process: waking for each poll on its own cost
        more CPU than the poll itself here (0.9 against 0.35 ms per call at
        150 calls/s). A delay of 0 is not rounded: that poll goes at once.

        The due times live in the engine's heap of plain tuples, under one loop
        timer for the earliest. A loop timer per task put thousands of handles
        in asyncio's own heap, whose every sift compares them in Python
        (TimerHandle.__lt__): about 30 such calls per poll at 5,000 tasks.
        """
        if self._closed:
            return
        loop = self._running_loop()
        key = task.ref.key
        when = self._on_tick(loop.time() + delay_s) if delay_s > 0.0 else loop.time()
        task.next_poll_mono = when
        self._due_at[key] = when  # an earlier entry of this key is now stale
        heapq.heappush(self._due_heap, (when, key))
        if len(self._due_heap) > 2 * len(self._due_at) + 64:
            self._compact_due()
        if when < self._wake_at:
            self._set_wake(loop, when)

    def _on_tick(self, when: float) -> float:
        """`when` rounded up to the next poll tick (see `schedule`)."""
        tick = self.config.poll_tick_s
        return math.ceil(when / tick) * tick if tick > 0.0 else when

    def cancel_timer(self, key: str) -> None:
        """Forget `key`'s pending poll (its heap entry is skipped when it comes up)."""
        self._due_at.pop(key, None)

    def _set_wake(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        if self._wake is not None:
            self._wake.cancel()
        self._wake_at = when
        self._wake = loop.call_at(when, self._on_wake)

    def _compact_due(self) -> None:
        """Drop stale entries (many polls rescheduled before they were due)."""
        self._due_heap = [(when, key) for key, when in self._due_at.items()]
        heapq.heapify(self._due_heap)

    def _on_wake(self) -> None:
        """Hand every poll that is due to its provider's queue; wake again for the next."""
        self._wake, self._wake_at = None, math.inf
        if self._closed:
            return
        loop = self._running_loop()
        heap, due_at = self._due_heap, self._due_at
        now = loop.time()  # asyncio may run a timer a clock resolution early
        horizon = now + DUE_SLACK_S
        while heap and heap[0][0] <= horizon:
            when, key = heapq.heappop(heap)
            if due_at.get(key) == when:  # not cancelled or replaced meanwhile
                del due_at[key]
                self._due(key)
        while heap and due_at.get(heap[0][1]) != heap[0][0]:
            heapq.heappop(heap)  # stale: no wake-up for it
        if heap and self._wake is None:
            self._set_wake(loop, heap[0][0])

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
            if task is None or not await self._wait_for_budget(runtime, task):
                continue
            try:
                await self._poll(runtime, task)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not kill the worker and strand its tasks
                log.exception("internal error while polling %s", task.ref.key)
                task.problem = "internal error while polling; retrying"
                self.schedule(task, 30.0)

    async def _wait_for_budget(self, runtime: ProviderRuntime, task: TrackedTask) -> bool:
        """Hold `task` until the key's rate budget allows a call; False when it no longer needs one.

        The worker waits with the task in hand while the rest stay queued in
        order, so a spent budget costs nothing per waiting task. (Putting each
        task back on a timer made thousands of tasks bounce through the timer
        heap and the queue every half second at start-up or after a 429: about
        15 bounces per poll at 5,000 tasks.) One worker at a time waits for the
        next token; the others wait behind it on the gate, so a token wakes one
        worker, not all of them (they used to wake together, one won and the
        rest slept again: seven wake-ups per call).
        """
        loop = self._running_loop()
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
                await asyncio.sleep(self._on_tick(now + min(wait, BUDGET_RECHECK_S)) - now)
            return False

    def _still_due(self, runtime: ProviderRuntime, task: TrackedTask) -> bool:
        """Whether the worker holding `task` should still poll it."""
        key = task.ref.key
        return (
            self._tasks.get(key) is task
            and not task.state.is_terminal
            and not runtime.stopped
            and key not in runtime.queued  # queued again meanwhile: that turn polls it
        )

    async def _poll(self, runtime: ProviderRuntime, task: TrackedTask) -> None:
        spec = task.provider.status_request(task.ref)
        task.polls += 1
        outcome = await self.call(runtime, spec)
        if task.ref.key in self._tasks:
            self._handle(runtime, task, outcome)

    async def call(self, runtime: ProviderRuntime, spec: RequestSpec) -> Outcome:
        """One API call for `runtime`'s provider, as an outcome (never raises)."""
        key = await self.control.key_for(runtime)
        if key is None:
            return KeyRejected(runtime.halted or "no key")
        try:
            response = await self.clients.send(runtime.base_url, spec, key)
        except Exception as exc:  # every transport failure is an outcome, never a crash
            return classify_exception(runtime.provider, exc)
        return classify_response(runtime.provider, response)

    # -- outcomes -------------------------------------------------------------

    def _handle(self, runtime: ProviderRuntime, task: TrackedTask, outcome: Outcome) -> None:
        now = self._running_loop().time()
        match outcome:
            case Observed():
                runtime.budget.on_success()
                self.observe(task, outcome)
            case Throttled(message=message, retry_after_s=retry_after):
                pause = runtime.budget.on_throttled(now, retry_after)
                delay = max(pause, poll_schedule.next_delay(task.poll_input(now), self._rng))
                task.problem = f"rate limited, retrying in {delay:.0f} s"
                log.info("%s", message)
                self.schedule(task, delay + self._rng.uniform(0.0, 1.0))
                self.publish(task, Change(False, False, False))
            case KeyRejected(message=message):
                self.control.halt(runtime, message, "key_rejected")
            case AccessDenied(message=message):
                self.control.halt(runtime, message, "access_denied")
            case NotFound(message=message):
                task.not_found += 1
                if task.not_found >= 2:
                    first = not task.observed
                    task.observed = True
                    task.end(State.LOST, TaskError(message, NOT_FOUND), utcnow())
                    self.publish(task, Change(True, False, first))
                else:
                    delay = max(NOT_FOUND_CONFIRM_S, task.provider.min_poll_interval_s)
                    task.problem = f"{message}; confirming in {delay:.0f} s"
                    self.schedule(task, delay)
                    self.publish(task, Change(False, False, False))
            case Transient(message=message):
                task.consecutive_errors += 1
                delay = poll_schedule.error_delay(
                    task.consecutive_errors, task.poll_input(now), self._rng
                )
                task.problem = f"{message}; retrying in {delay:.0f} s"
                self.schedule(task, delay)
                self.publish(task, Change(False, False, False))

    def observe(self, task: TrackedTask, outcome: Observed) -> None:
        """Merge an observation, then schedule, stream, fetch results or stop."""
        loop = self._running_loop()
        now_mono, now = loop.time(), utcnow()
        task.consecutive_errors = 0
        task.not_found = 0
        task.problem = None
        change = task.apply(outcome.snapshot, now_mono, now)
        if task.prior is None:
            self._attach_prior(task)  # the model may only be known from the first answer
        if task.state.is_terminal:
            self.cancel_timer(task.ref.key)
            task.next_poll_mono = None
            self.fetch_results(task)
        elif task.streaming or self._maybe_stream(task):
            pass  # pushed updates arrive on the stream; no poll needed
        else:
            give_up = self.config.give_up_after_s.get(task.media_kind)
            if give_up is not None and now_mono - task.first_seen_mono > give_up:
                message = f"taskmon stopped waiting after {give_up / HOUR:g} h (give-up setting)"
                task.end(State.FAILED, TaskError(message, GAVE_UP), now)
                change = Change(True, change.progress_changed, change.first)
            else:
                self.schedule(task, poll_schedule.next_delay(task.poll_input(now_mono), self._rng))
        self.publish(task, change)

    def _attach_prior(self, task: TrackedTask) -> None:
        lookup = self.config.duration_prior
        if lookup is not None:
            model = task.snapshot.model if task.snapshot and task.snapshot.model else task.ref.model
            task.prior = lookup(task.ref.provider, model)

    # -- streams and results --------------------------------------------------

    def _maybe_stream(self, task: TrackedTask) -> bool:
        """Open the provider's push stream for `task` when it has one and it still works."""
        provider = task.provider
        if not provider.supports_stream or task.streaming or self._closed:
            return False
        runtime = self._runtimes.get(provider.name)
        if runtime.stopped:
            return False
        if task.stream_failures >= self.config.stream_retries:
            return False
        if self._running_loop().time() < task.stream_retry_mono:
            return False
        if provider.stream_request(task.ref, task.provider_task_id) is None:
            return False
        if runtime.streams >= self.config.max_streams_per_provider:
            return False
        task.streaming = True
        self.cancel_timer(task.ref.key)
        task.next_poll_mono = None
        # Counted from the spawn, not from the stream's first step: at start-up every
        # stream is spawned before any runs, and the cap must hold then too. The
        # callback also runs for a job cancelled before it started.
        runtime.streams += 1
        job = self.jobs.spawn(follow_stream(self, runtime, task), task.ref.key, stream=True)
        job.add_done_callback(lambda _: _stream_closed(runtime))
        return True

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a side job (stream, download) owned by the engine."""
        self.jobs.spawn(coro)

    # -- publishing -----------------------------------------------------------

    def _view(self, task: TrackedTask) -> TaskView:
        return task.view(self._running_loop().time(), utcnow())

    def publish(self, task: TrackedTask, change: Change) -> None:
        if task.ref.key in self._tasks:
            self.emit(TaskEvent(self._view(task), *_change_tuple(change)))

    def emit(self, event: EngineEvent) -> None:
        """Hand `event` to every subscriber."""
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:  # one broken subscriber must not stop the engine
                log.exception("engine subscriber failed")


def _moving(task: TrackedTask, stopped: set[str]) -> bool:
    """Not ended, or its results still coming; a stopped provider's tasks do not move."""
    return (
        not task.state.is_terminal or task.downloads_pending
    ) and task.ref.provider not in stopped


def _stream_closed(runtime: ProviderRuntime) -> None:
    runtime.streams -= 1


def _change_tuple(change: Change) -> tuple[bool, bool, bool]:
    return change.state_changed, change.progress_changed, change.first
