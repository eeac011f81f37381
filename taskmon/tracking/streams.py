"""Following a provider's server-sent-events stream for one task.

The stream only speeds things up: any event that parses as a task object is
an update, everything else is ignored, a terminal state is confirmed with one
status query, and whenever the stream fails or ends the task falls back to
ordinary polling (the stream is tried again later, a bounded number of times).
It never slows tracking down: while it is open the task is still polled on its
plain schedule (at least every `stream_confirm_poll_max_s`), and a stream that
carries no task update for `stream_idle_limit_s` (heartbeats and junk only) is
closed for polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Final

import httpx
from httpx_sse import EventSource, SSEError

from taskmon.keys import Secret
from taskmon.net.outcomes import Observed
from taskmon.net.redaction import could_hide_a_key, redactor_for
from taskmon.providers.base import RequestSpec
from taskmon.tracking.config import EngineConfig, ProviderRuntime
from taskmon.tracking.runtimes import ProviderRuntimes
from taskmon.tracking.side_jobs import SideJobs
from taskmon.tracking.task import TrackedTask

log = logging.getLogger(__name__)

STREAM_RETRY_BASE_S: Final = 10.0

OpenStream = Callable[[str, RequestSpec, Secret], Awaitable[httpx.Response]]


class Streams:
    """Opens push streams where a provider has them, within the per-provider cap."""

    def __init__(
        self,
        config: EngineConfig,
        runtimes: ProviderRuntimes,
        jobs: SideJobs,
        *,
        now: Callable[[], float],
        key_for: Callable[[ProviderRuntime], Awaitable[Secret | None]],
        open_stream: OpenStream,
        is_tracked: Callable[[str], bool],
        observe: Callable[[TrackedTask, Observed], None],
        schedule: Callable[[TrackedTask, float], None],
        plan_confirming_poll: Callable[[TrackedTask], None],
    ) -> None:
        self._config = config
        self._runtimes = runtimes
        self._jobs = jobs
        self._now = now
        self._key_for = key_for
        self._open_stream = open_stream
        self._is_tracked = is_tracked
        self._observe = observe
        self._schedule = schedule
        self._plan_confirming_poll = plan_confirming_poll
        self.closed = False
        self.paused = False  # the user paused polling: no stream opens

    def start(self, task: TrackedTask) -> bool:
        """Open the provider's push stream for `task` when it has one and it still works."""
        provider = task.provider
        if not provider.supports_stream or task.streaming or self.closed or self.paused:
            return False
        runtime = self._runtimes.get(provider.name)
        if runtime.stopped or runtime.host.unwell:
            return False
        if task.stream_failures >= self._config.stream_retries:
            return False
        if self._now() < task.stream_retry_mono:
            return False
        if provider.stream_request(task.ref, task.provider_task_id) is None:
            return False
        if runtime.streams >= self._config.max_streams_per_provider:
            return False
        task.mark_streaming()
        self._plan_confirming_poll(task)
        # Counted from the spawn, not from the stream's first step: at start-up every
        # stream is spawned before any runs, and the cap must hold then too. The
        # callback also runs for a job cancelled before it started.
        runtime.streams += 1
        job = self._jobs.spawn(self._follow(runtime, task), task.ref.key, stream=True)
        job.add_done_callback(lambda _: self._closed(runtime, task))
        return True

    def _closed(self, runtime: ProviderRuntime, task: TrackedTask) -> None:
        runtime.streams -= 1
        if task.streaming:
            # Cancelled before it ran (a pause right after the start): `_follow`'s
            # `finally` never did, and the task would wait for a stream that is gone.
            task.stream_ended(True, self._now(), STREAM_RETRY_BASE_S)
            if self._is_tracked(task.ref.key) and not task.state.is_terminal:
                self._schedule(task, 0.0)

    async def _follow(self, runtime: ProviderRuntime, task: TrackedTask) -> None:
        """Read the stream until a terminal event, a drop or an error; then hand back to polling."""
        provider = task.provider
        confirmed_end = False
        try:
            spec = provider.stream_request(task.ref, task.provider_task_id)
            key = await self._key_for(runtime)
            if spec is None or key is None:
                return
            response = await self._open_stream(runtime.base_url, spec, key)
            try:
                if response.status_code != 200:
                    # Let the status query say what is wrong (404 lost, 401 key...).
                    task.stream_refused(self._config.stream_retries)
                    return
                idle_s = self._config.stream_idle_limit_s
                loop = asyncio.get_running_loop()
                # aclosing: leaving early closes the event generator here, in this task,
                # not later in the garbage collector ("async generator ignored GeneratorExit").
                # Events echo keys too: cleaned as status bodies are (net/redaction.py).
                redactor = redactor_for(key.reveal())
                async with (
                    asyncio.timeout(idle_s) as idle,  # put off by every task update
                    contextlib.aclosing(EventSource(response).aiter_sse()) as events,
                ):
                    async for event in events:
                        data = redactor.text(event.data)
                        snap = provider.parse_stream_event(redactor.text(event.event), data)
                        if snap is not None and could_hide_a_key(data):
                            snap = redactor.value(snap)
                        if snap is None or not self._is_tracked(task.ref.key):
                            continue
                        if snap.state is not None and snap.state.is_terminal:
                            confirmed_end = True  # the status query is authoritative
                            return
                        before = (task.observed, task.state, task.progress)
                        self._observe(task, Observed(snap))
                        if (task.observed, task.state, task.progress) != before:
                            idle.reschedule(loop.time() + idle_s)
            finally:
                await response.aclose()
        except TimeoutError:
            log.info(
                "%s stream for %s carried no update for %g s; polling instead",
                provider.display_name,
                task.ref.key,
                self._config.stream_idle_limit_s,
            )
        except (httpx.HTTPError, SSEError, OSError) as exc:
            log.info("%s stream for %s dropped: %s", provider.display_name, task.ref.key, exc)
        finally:
            # Closed by a pause: not the stream's failure, no back-off for it.
            task.stream_ended(confirmed_end or self.paused, self._now(), STREAM_RETRY_BASE_S)
            if self._is_tracked(task.ref.key) and not task.state.is_terminal:
                self._schedule(task, 0.0)
