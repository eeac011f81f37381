"""The engine: tracks tasks to a terminal state and fetches their results.

One asyncio loop, no Qt. This module is the facade and owns the tasks; the
work is done by helpers that get only what they use: the scheduler (due
times, per-provider queues and workers, rate budget), the outcome handler
(what an answer means, host health), push streams, result downloads,
provider control (keys, switches), the user's commands and the idle watch
(is anything still moving).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from taskmon.domain.records import StoredTask
from taskmon.domain.snapshot import State
from taskmon.domain.task import NOT_FOUND, Change, TaskRef, TaskView, utcnow
from taskmon.net.http_api import ApiClients
from taskmon.net.outcomes import (
    KeyRejected,
    Observed,
    Outcome,
    classify_exception,
    classify_response,
)
from taskmon.providers import PROVIDERS
from taskmon.providers.base import Provider, RequestSpec
from taskmon.tracking.commands import TaskCommands
from taskmon.tracking.config import EngineConfig, KeyLookup, ProviderRuntime
from taskmon.tracking.events import EngineEvent, PauseEvent, Subscriber, TaskEvent, TaskRemoved
from taskmon.tracking.idle import IdleWatch
from taskmon.tracking.outcome_handler import OutcomeHandler
from taskmon.tracking.pacing.pause import PollingPause
from taskmon.tracking.pacing.start_pacer import StartPacer
from taskmon.tracking.provider_control import ProviderControl
from taskmon.tracking.results import ResultFetcher, origin_of
from taskmon.tracking.runtimes import ProviderRuntimes
from taskmon.tracking.scheduler import Scheduler
from taskmon.tracking.side_jobs import SideJobs
from taskmon.tracking.streams import Streams
from taskmon.tracking.task import TrackedTask

if TYPE_CHECKING:
    import httpx

    from taskmon.keys import Secret

log = logging.getLogger(__name__)


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
        self.jobs = SideJobs()
        self._pause = PollingPause()
        self._starts = StartPacer(self.config.starts_per_tick, self.config.poll_tick_s)
        self._tasks: dict[str, TrackedTask] = {}
        self._subscribers: list[Subscriber] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runtimes = ProviderRuntimes(
            dict(providers or PROVIDERS),
            self.config,
            env,
            lambda runtime: self._scheduler.start_worker(runtime),
            self._rng,
        )
        self._scheduler = Scheduler(
            self._tasks, self._runtimes, self.config.poll_tick_s, self._poll, self._hold
        )
        schedule, cancel_timer = self._scheduler.schedule, self._scheduler.cancel
        self.control = ProviderControl(
            self._runtimes,
            keys,
            unfinished_of=self._unfinished_of,
            poll_now=self._poll_now,
            stop_task=self._stop_task,
            close_stream=self.jobs.cancel_stream,
            publish=self._publish,
            emit=self.emit,
        )
        self._results = ResultFetcher(
            self.config.result_dir,
            self.jobs,
            self.config,
            download_client=self.clients.download_client,
            result_root=self.config.result_root,
            emit=self.emit,
            publish=self._publish,
            ask_again=self._ask_again,
        )
        self._streams = Streams(
            self.config,
            self._runtimes,
            self.jobs,
            now=self._now,
            key_for=self.control.key_for,
            open_stream=self._open_stream,
            is_tracked=self.is_tracked,
            observe=lambda task, outcome: self._outcomes.observe(task, outcome, via_stream=True),
            schedule=schedule,
            plan_confirming_poll=lambda task: self._outcomes.plan_confirming_poll(task),
        )
        self._outcomes = OutcomeHandler(
            self.config,
            self._rng,
            self._tasks,
            self._runtimes,
            now=self._now,
            schedule=schedule,
            cancel_timer=cancel_timer,
            poll_planned=self._scheduler.due.is_planned,
            publish=self._publish,
            fetch_results=self._results.fetch,
            start_stream=self._streams.start,
            close_stream=self.jobs.cancel_stream,
            halt_provider=self.control.halt,
            emit=self.emit,
        )
        self._idle = IdleWatch(self._tasks, self._runtimes, self.subscribe)
        self._commands = TaskCommands(
            tracked=self.tracked,
            runtime_for=self.runtime_for,
            call=self.call,
            observe=self._outcomes.observe,
            keeps_results=lambda: self._results.enabled,
            # A retry asks the provider first: fresh result URLs where it signs them anew.
            fetch_results=lambda task: self._results.fetch(task, refresh_first=True),
            poll_now=self._poll_now,
            publish=self._publish,
            now=self._now,
        )

    # -- public interface ---------------------------------------------------

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback` for every engine event; returns the unsubscribe function."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def emit(self, event: EngineEvent) -> None:
        """Hand `event` to every subscriber."""
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:  # one broken subscriber must not stop the engine
                log.exception("engine subscriber failed")

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
        """`track` a task from the store, without making a view nobody reads."""
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
        now_mono = self._now()
        task = TrackedTask(
            ref=ref,
            provider=provider,
            first_seen_mono=now_mono,
            first_seen_at=stored.added_at if stored else utcnow(),
            label=label,
        )
        if stored is not None:
            task.restore(stored, now_mono, utcnow())
        self._outcomes.attach_prior(task)
        self._tasks[ref.key] = task
        if task.state.is_terminal:
            self._results.fetch(task)
            if _lost_by_taskmon(task) and runtime.stopped is None:
                # "Not found" may have been a blip: one more look at every start.
                task.begin_recheck()
                self._scheduler.schedule(task, 0.0)
        elif runtime.stopped is None:
            self._poll_now(task)
        else:
            task.note_problem(runtime.stopped)
        return task

    def untrack(self, key: str) -> list[asyncio.Task[None]]:
        """Stop tracking `key`: no more polls, its stream and downloads are cancelled.

        Returns the cancelled jobs, for a caller that must wait until they have
        stopped writing (a purge of the task's files). Subscribers hear a
        TaskRemoved when `key` was tracked.
        """
        task = self._tasks.pop(key, None)
        if task is not None:
            self._scheduler.cancel(key)
            self._outcomes.release(task)
        jobs = self.jobs.cancel_of(key)
        if task is not None:
            self.emit(TaskRemoved(key))
        return jobs

    def tasks(self) -> list[TaskView]:
        return [self._view(t) for t in self._tasks.values()]

    def tracked_keys(self) -> list[str]:
        """The tracked tasks' keys, without making their views."""
        return list(self._tasks)

    def task(self, key: str) -> TaskView | None:
        t = self._tasks.get(key)
        return None if t is None else self._view(t)

    def is_tracked(self, key: str) -> bool:
        return key in self._tasks

    def tracked_count(self) -> int:
        return len(self._tasks)

    def tracked(self, key: str) -> TrackedTask | None:
        """The engine's own record of `key` (for tests and diagnostics; UIs read views)."""
        return self._tasks.get(key)

    def runtime_for(self, task: TrackedTask) -> ProviderRuntime:
        return self._runtimes.get(task.provider.name)

    def provider_problems(self) -> dict[str, str]:
        return self._runtimes.problems()

    async def cancel(self, key: str) -> str:
        """Ask the provider to cancel; returns what happened, in words (KeyError: untracked)."""
        return await self._commands.cancel(key)

    def retry(self, key: str) -> str:
        """Retry a lost or given-up lookup, or failed result downloads; says what happened."""
        if self._results.retry_now(key):
            return "trying its missing results again now"
        return self._commands.retry(key)

    async def resume_provider(self, provider: str) -> None:
        """Retry a halted provider (after its key changed): reload the key, poll again."""
        self.control.resume(provider)

    @property
    def polling_paused(self) -> bool:
        return self._pause.paused

    def pause_polling(self) -> None:
        """Send no status call and keep no stream open until `resume_polling()`.

        Result downloads under way go on (they are not status calls); the
        user's own commands (cancel, a key test) still go out.
        """
        if not self._pause.pause():
            return
        self._streams.paused = True
        self.jobs.cancel_streams()
        self.emit(PauseEvent(True))

    def resume_polling(self) -> None:
        """End a pause: every poll that came due meanwhile goes out now."""
        if not self._pause.resume():
            return
        self._streams.paused = False
        self.emit(PauseEvent(False))

    async def wait_idle(self, keys: Iterable[str] | None = None) -> None:
        """Wait until the given tasks (default: all) are done, downloads included."""
        await self._idle.wait(keys)

    def has_unfinished(self) -> bool:
        """Whether any task is still moving (not terminal, or downloading; a halted
        provider's tasks excluded); cheap when asked again and again."""
        return self._idle.has_unfinished()

    async def aclose(self) -> None:
        """Stop polling, streams and downloads; close connections."""
        self._streams.closed = True
        jobs = self.jobs.all() + self._scheduler.close()
        for job in jobs:
            job.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        await self._results.aclose()
        await self.clients.aclose()

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

    # -- for the helpers ---------------------------------------------------------

    def _now(self) -> float:
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        return loop.time()

    async def _poll(self, runtime: ProviderRuntime, task: TrackedTask) -> None:
        await self._pause.passage()
        await self._starts.turn()
        if self._tasks.get(task.ref.key) is not task:  # removed while paused or waiting
            return
        spec = task.provider.status_request(task.ref)
        task.count_poll()
        outcome = await self.call(runtime, spec)
        if isinstance(outcome, Observed):
            self._results.host_answered(origin_of(runtime.base_url))
        if task.ref.key in self._tasks:
            self._outcomes.handle(runtime, task, outcome)

    async def _open_stream(
        self, base_url: str, spec: RequestSpec, key: Secret | None
    ) -> httpx.Response:
        await self._starts.turn()
        return await self.clients.open_stream(base_url, spec, key)

    def _hold(self, runtime: ProviderRuntime, task: TrackedTask) -> None:
        self._outcomes.hold(runtime, task)

    async def _ask_again(self, task: TrackedTask) -> Outcome:
        await self._pause.passage()
        return await self.call(self.runtime_for(task), task.provider.status_request(task.ref))

    def _poll_now(self, task: TrackedTask) -> None:
        """Look at `task` at once: through its stream where one opens, else a poll."""
        if not self._streams.start(task):
            self._scheduler.schedule(task, 0.0)

    def _stop_task(self, task: TrackedTask) -> None:
        self._scheduler.cancel(task.ref.key)
        self.jobs.cancel_stream(task.ref.key)
        self._outcomes.release(task)

    def _unfinished_of(self, provider: str) -> list[TrackedTask]:
        """`provider`'s tracked tasks that have not ended."""
        tasks = self._tasks.values()
        return [t for t in tasks if t.ref.provider == provider and not t.state.is_terminal]

    def _view(self, task: TrackedTask) -> TaskView:
        return task.view(self._now(), utcnow())

    def _publish(self, task: TrackedTask, change: Change) -> None:
        if task.ref.key in self._tasks:
            view = task.view(self._now(), utcnow())
            self.emit(TaskEvent(view, change.state_changed, change.progress_changed, change.first))


def _lost_by_taskmon(task: TrackedTask) -> bool:
    """Lost because the provider said "not found" (taskmon's judgement, not the provider's)."""
    return task.state is State.LOST and task.error is not None and task.error.code == NOT_FOUND
