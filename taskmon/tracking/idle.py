"""Whether the tracked tasks are still moving, and waiting until they stop.

`taskmon run` asks `has_unfinished` four times a second and `wait_idle`
waits for given tasks: both must stay cheap with thousands of tasks tracked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping

from taskmon.tracking.events import EngineEvent, Subscriber, TaskEvent
from taskmon.tracking.runtimes import ProviderRuntimes
from taskmon.tracking.task import TrackedTask


class IdleWatch:
    """Reads the engine's tasks (never changes them) and hears its events."""

    def __init__(
        self,
        tasks: Mapping[str, TrackedTask],
        runtimes: ProviderRuntimes,
        subscribe: Callable[[Subscriber], Callable[[], None]],
    ) -> None:
        self._tasks = tasks
        self._runtimes = runtimes
        self._subscribe = subscribe
        self._unfinished_hint: str | None = None  # see has_unfinished

    async def wait(self, keys: Iterable[str] | None = None) -> None:
        """Until the given tasks (default: all) are done, downloads included."""
        wanted = set(self._tasks) if keys is None else set(keys)
        remaining = {k for k in wanted if k in self._tasks and not self._done(k)}
        done = asyncio.Event()

        def check(event: EngineEvent) -> None:
            # Only the task that changed is looked at: O(1) per event at any scale.
            if isinstance(event, TaskEvent) and event.view.is_done:
                remaining.discard(event.view.key)
                if not remaining:
                    done.set()

        if not remaining:
            return
        unsubscribe = self._subscribe(check)
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

    def _done(self, key: str) -> bool:
        task = self._tasks[key]
        return task.state.is_terminal and not task.downloads_pending


def _moving(task: TrackedTask, stopped: set[str]) -> bool:
    """Not ended, or its results still coming; a stopped provider's tasks do not move."""
    return (task.wants_polls or task.downloads_pending) and task.ref.provider not in stopped
