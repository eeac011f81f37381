"""Following a provider's server-sent-events stream for one task.

The stream only speeds things up: any event that parses as a task object is
an update, everything else is ignored, a terminal state is confirmed with one
status query, and whenever the stream fails or ends the task falls back to
ordinary polling (the stream is tried again later, a bounded number of times).
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Final

import httpx
from httpx_sse import EventSource, SSEError

from taskmon.net.outcomes import Observed

if TYPE_CHECKING:
    from taskmon.tracking.engine import Engine, ProviderRuntime
    from taskmon.tracking.task import TrackedTask

log = logging.getLogger(__name__)

STREAM_RETRY_BASE_S: Final = 10.0


async def follow_stream(engine: Engine, runtime: ProviderRuntime, task: TrackedTask) -> None:
    """Read the stream until a terminal event, a drop or an error; then hand back to polling."""
    provider = task.provider
    confirmed_end = False
    try:
        spec = provider.stream_request(task.ref, task.provider_task_id)
        key = await engine.control.key_for(runtime)
        if spec is None or key is None:
            return
        response = await engine.clients.open_stream(runtime.base_url, spec, key)
        try:
            if response.status_code != 200:
                # Let the status query say what is wrong (404 lost, 401 key...).
                task.stream_failures = engine.config.stream_retries
                return
            # aclosing: leaving early closes the event generator here, in this task,
            # not later in the garbage collector ("async generator ignored GeneratorExit").
            async with contextlib.aclosing(EventSource(response).aiter_sse()) as events:
                async for event in events:
                    snap = provider.parse_stream_event(event.event, event.data)
                    if snap is None or not engine.is_tracked(task.ref.key):
                        continue
                    if snap.state is not None and snap.state.is_terminal:
                        confirmed_end = True  # the status query is authoritative
                        return
                    engine.observe(task, Observed(snap))
        finally:
            await response.aclose()
    except (httpx.HTTPError, SSEError, OSError) as exc:
        log.info("%s stream for %s dropped: %s", provider.display_name, task.ref.key, exc)
    finally:
        task.streaming = False
        if not confirmed_end:
            task.stream_failures += 1
            loop_time = engine.loop_time()
            task.stream_retry_mono = loop_time + STREAM_RETRY_BASE_S * 2**task.stream_failures
        if engine.is_tracked(task.ref.key) and not task.state.is_terminal:
            engine.schedule(task, 0.0)
