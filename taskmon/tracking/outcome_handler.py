"""What the engine does with each answer: merge it, plan the next look, or wait.

A poll's outcome (net/outcomes.py) becomes the task's new state and its next
poll time; a throttle pauses the key; a refused key halts the provider; a
transient fault backs off for the task alone, unless its host is failing for
every task (host_health), in which case the host's tasks wait for a probe.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections.abc import Callable, Mapping
from typing import Final

from taskmon.domain.snapshot import State, TaskError
from taskmon.domain.task import GAVE_UP, NOT_FOUND, Change, utcnow
from taskmon.net.outcomes import (
    AccessDenied,
    KeyRejected,
    Misconfigured,
    NotFound,
    Observed,
    Outcome,
    Throttled,
    Transient,
)
from taskmon.tracking.config import HOUR, EngineConfig, ProviderRuntime
from taskmon.tracking.events import EngineEvent, HostEvent, ProviderEventKind
from taskmon.tracking.pacing import poll_policy
from taskmon.tracking.pacing.host_health import HostHealth
from taskmon.tracking.runtimes import ProviderRuntimes
from taskmon.tracking.task import TrackedTask

log = logging.getLogger(__name__)

NOT_FOUND_CONFIRM_S: Final = 5.0  # a just-submitted task may briefly 404: look once more
NOT_FOUND_MIN_MISSES: Final = 3  # a task seen alive: this many "not found" in a row at least


class OutcomeHandler:
    """Turns outcomes into task state, schedules and host health."""

    def __init__(
        self,
        config: EngineConfig,
        rng: random.Random,
        tasks: Mapping[str, TrackedTask],
        runtimes: ProviderRuntimes,
        *,
        now: Callable[[], float],
        schedule: Callable[[TrackedTask, float], None],
        cancel_timer: Callable[[str], None],
        poll_planned: Callable[[str], bool],
        publish: Callable[[TrackedTask, Change], None],
        fetch_results: Callable[[TrackedTask], None],
        start_stream: Callable[[TrackedTask], bool],
        close_stream: Callable[[str], None],
        halt_provider: Callable[[ProviderRuntime, str, ProviderEventKind], None],
        emit: Callable[[EngineEvent], None],
    ) -> None:
        self._config = config
        self._rng = rng
        self._tasks = tasks
        self._runtimes = runtimes
        self._now = now
        self._schedule = schedule
        self._cancel_timer = cancel_timer
        self._poll_planned = poll_planned
        self._publish = publish
        self._fetch_results = fetch_results
        self._start_stream = start_stream
        self._close_stream = close_stream
        self._halt_provider = halt_provider
        self._emit = emit

    def handle(self, runtime: ProviderRuntime, task: TrackedTask, outcome: Outcome) -> None:
        """Act on the outcome of `task`'s status call."""
        if isinstance(outcome, Observed):  # by far the most common: first, and cheap
            if runtime.host.failures:
                self._host_answered(runtime.host)
            if runtime.failing is not None:
                self._answers_again(runtime)
            runtime.budget.on_success()
            self.observe(task, outcome)
            return
        if not isinstance(outcome, Transient):
            if runtime.host.failures:
                self._host_answered(runtime.host)  # the host answers, whatever it said
            if runtime.failing is not None:
                self._answers_again(runtime)
        now = self._now()
        match outcome:
            case Throttled(message=message, retry_after_s=retry_after, reason=reason):
                pause = runtime.budget.on_throttled(now, retry_after)
                delay = max(pause, poll_policy.next_delay(task.poll_input(now), self._rng))
                task.note_problem(f"{reason}, retrying in {delay:.0f} s")
                log.info("%s", message)
                self._schedule(task, delay + self._rng.uniform(0.0, 1.0))
                self._publish(task, Change.NONE)
            case KeyRejected(message=message):
                self._halt_provider(runtime, message, ProviderEventKind.KEY_REJECTED)
            case AccessDenied(message=message):
                self._halt_provider(runtime, message, ProviderEventKind.ACCESS_DENIED)
            case Misconfigured(message=message):
                self._halt_provider(runtime, message, ProviderEventKind.MISCONFIGURED)
            case NotFound(message=message):
                self._not_found(task, message, now)
            case Transient(message=message):
                self._transient(runtime, task, message, now)

    def observe(self, task: TrackedTask, outcome: Observed, *, via_stream: bool = False) -> None:
        """Merge an observation, then schedule, stream, fetch results or stop.

        `via_stream`: pushed by the task's stream (else a status answer).
        """
        now_mono, now = self._now(), utcnow()
        revived = task.rechecking  # lost, and the one more look found it after all
        if revived:
            task.reopen(now_mono, now)
        task.answered()
        change = task.apply(outcome.snapshot, now_mono, now)
        if revived:
            change = Change(True, change.progress_changed, change.first)
        if task.prior is None:
            self.attach_prior(task)  # the model may only be known from the first answer
        if task.state.is_terminal:
            self._cancel_timer(task.ref.key)
            task.plan_poll(None)
            if task.streaming:
                self._close_stream(task.ref.key)  # a stream that never ends must not linger
            self._fetch_results(task)
        elif task.streaming:
            # A pushed event that changed nothing (a repeat) does not put the
            # confirming poll off: only a poll, or a real update, does.
            updated = change.first or change.state_changed or change.progress_changed
            if not via_stream or updated or not self._poll_planned(task.ref.key):
                self.plan_confirming_poll(task)
        elif self._start_stream(task):
            pass  # the stream planned its confirming poll
        else:
            give_up = self._config.give_up_after_s.get(task.media_kind)
            if give_up is not None and now_mono - task.first_seen_mono > give_up:
                message = f"taskmon stopped waiting after {give_up / HOUR:g} h (give-up setting)"
                task.end(State.FAILED, TaskError(message, GAVE_UP), now)
                change = Change(True, change.progress_changed, change.first)
            else:
                delay = poll_policy.next_delay(task.poll_input(now_mono), self._rng)
                self._schedule(task, delay)
        self._publish(task, change)

    def _not_found(self, task: TrackedTask, message: str, now: float) -> None:
        """The provider does not know the task: lost once that is confirmed.

        A task never seen alive (just submitted, or a wrong ID) is confirmed
        once, a few seconds later. One the provider has reported must keep
        answering "not found" for `not_found_grace_s` (three times at least,
        backing off) first: an eventually consistent backend blips.
        """
        misses = task.record_not_found(now)
        if task.rechecking:  # the one more look at a lost task: still not there
            task.recheck_confirmed_lost()
            return
        base = max(NOT_FOUND_CONFIRM_S, task.provider.min_poll_interval_s)
        if not task.seen_alive:
            lost, delay = misses >= 2, base
        else:
            since = task.not_found_since_mono if task.not_found_since_mono is not None else now
            left = since + self._config.not_found_grace_s - now
            lost = misses >= NOT_FOUND_MIN_MISSES and left <= 0.0
            delay = max(base, min(base * 2.0 ** (misses - 1), left))
        if lost:
            first = task.mark_lost(TaskError(message, NOT_FOUND), utcnow())
            self._publish(task, Change(True, False, first))
            return
        task.note_problem(f"{message}; confirming in {delay:.0f} s")
        self._schedule(task, delay)
        self._publish(task, Change.NONE)

    def plan_confirming_poll(self, task: TrackedTask) -> None:
        """While a stream follows `task`, poll it anyway on its plain schedule, capped.

        A stream may speed tracking up, never slow it down: one that sends only
        heartbeats (or junk) would otherwise hold a finished task for ever.
        """
        inp = task.poll_input(self._now())
        if inp.polls_done == 0:  # the stream's first event is the first look
            inp = dataclasses.replace(inp, polls_done=1)
        delay = poll_policy.next_delay(inp, self._rng)
        self._schedule(task, min(delay, self._config.stream_confirm_poll_max_s))

    def attach_prior(self, task: TrackedTask) -> None:
        lookup = self._config.duration_prior
        if lookup is not None:
            model = task.snapshot.model if task.snapshot and task.snapshot.model else task.ref.model
            task.use_prior(lookup(task.ref.provider, model))

    # -- hosts ---------------------------------------------------------------------

    def _answers_again(self, runtime: ProviderRuntime) -> None:
        runtime.failing = None
        self._emit(HostEvent(runtime.provider.name, None))

    def _transient(
        self, runtime: ProviderRuntime, task: TrackedTask, message: str, now: float
    ) -> None:
        if runtime.failing is None:  # said once per run of failures, not per failure
            prefix = f"{runtime.provider.display_name}: "
            reason = message.removeprefix(prefix)
            runtime.failing = f"{reason}; retrying"
            self._emit(HostEvent(runtime.provider.name, runtime.failing))
        host = runtime.host
        key = task.ref.key
        errors = task.record_transient()
        if host.failed(key, lambda: self._alone_on(host, task)):
            log.info("%s is failing for every task: %s", host.origin, message)
            self._park_host(host, task)
        elif host.unwell:
            if key == host.probe_key:  # the probe failed: the next one, later
                self._schedule(task, host.next_probe_delay())
            else:  # an answer that was on its way when the host failed
                self.hold(runtime, task)
        else:
            delay = poll_policy.error_delay(errors, task.poll_input(now), self._rng)
            task.note_problem(f"{message}; retrying in {delay:.0f} s")
            self._schedule(task, delay)
            self._publish(task, Change.NONE)

    def hold(self, runtime: ProviderRuntime, task: TrackedTask) -> None:
        """`task` would poll an unwell host: it waits, parked (or probes, when no task does)."""
        host = runtime.host
        problem = host.problem()
        if host.park(task.ref.key):
            self._schedule(task, host.next_probe_delay())
        else:
            self._cancel_timer(task.ref.key)
            task.plan_poll(None)
        if task.problem != problem:
            task.note_problem(problem)
            self._publish(task, Change.NONE)

    def release(self, task: TrackedTask) -> None:
        """`task` no longer waits for its host (removed, or its provider stopped)."""
        host = self._runtimes.get(task.provider.name).host
        probe = host.release(task.ref.key)
        if probe is not None and (successor := self._tasks.get(probe)) is not None:
            self._schedule(successor, host.next_probe_delay())

    def _park_host(self, host: HostHealth, probe: TrackedTask) -> None:
        """The host just turned unwell: every task that would poll it waits; `probe` probes."""
        self._schedule(probe, host.next_probe_delay())
        problem = host.problem()
        probe.note_problem(problem)
        self._publish(probe, Change.NONE)
        for task in self._pollable_on(host):
            if task is not probe:
                host.park(task.ref.key)
                self._cancel_timer(task.ref.key)
                task.halt(problem)
                self._publish(task, Change.NONE)

    def _host_answered(self, host: HostHealth) -> None:
        """A proper answer: the host is well; its parked tasks are looked at again, soon."""
        for key, delay in host.answered():
            task = self._tasks.get(key)
            if task is None or not task.wants_polls:
                continue  # a streaming task is woken too: its confirming poll was parked
            if self._runtimes.get(task.provider.name).host is host:
                self._schedule(task, delay)

    def _pollable_on(self, host: HostHealth) -> list[TrackedTask]:
        """The host's tasks that poll it now: not ended, not streaming, provider not stopped."""
        names = {r.provider.name for r in self._runtimes.of_host(host) if not r.stopped}
        return [
            t
            for t in self._tasks.values()
            if t.ref.provider in names and not t.state.is_terminal and not t.streaming
        ]

    def _alone_on(self, host: HostHealth, task: TrackedTask) -> bool:
        return all(t is task for t in self._pollable_on(host))
