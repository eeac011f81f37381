"""What a user can ask of one tracked task: cancel it, or retry a lookup taskmon gave up on.

Each command answers in words (one short sentence for a status bar).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from taskmon.domain.snapshot import State
from taskmon.domain.task import Change, utcnow
from taskmon.domain.wording import counted
from taskmon.net.outcomes import Observed, Outcome
from taskmon.providers.base import RequestSpec
from taskmon.tracking.config import ProviderRuntime
from taskmon.tracking.task import TrackedTask

NOT_TRACKED: Final = "not tracked"


class TaskCommands:
    """Cancel and retry, over the few engine services they need."""

    def __init__(
        self,
        *,
        tracked: Callable[[str], TrackedTask | None],
        runtime_for: Callable[[TrackedTask], ProviderRuntime],
        call: Callable[[ProviderRuntime, RequestSpec], Awaitable[Outcome]],
        observe: Callable[[TrackedTask, Observed], None],
        keeps_results: Callable[[], bool],
        fetch_results: Callable[[TrackedTask], None],
        poll_now: Callable[[TrackedTask], None],
        publish: Callable[[TrackedTask, Change], None],
        now: Callable[[], float],
    ) -> None:
        self._tracked = tracked
        self._runtime_for = runtime_for
        self._call = call
        self._observe = observe
        self._keeps_results = keeps_results
        self._fetch_results = fetch_results
        self._poll_now = poll_now
        self._publish = publish
        self._now = now

    async def cancel(self, key: str) -> str:
        """Ask the provider to cancel the task; raises KeyError when `key` is not tracked."""
        task = self._tracked(key)
        if task is None:
            raise KeyError(key)
        runtime = self._runtime_for(task)
        name = task.provider.display_name
        if runtime.disabled:
            return f"{name} is disabled in settings"
        spec = task.provider.cancel_request(task.ref, task.provider_task_id)
        if spec is None:
            return f"{name} does not support cancelling"
        if task.state.is_terminal:
            return f"already {task.state.value}"
        outcome = await self._call(runtime, spec)
        if isinstance(outcome, Observed):
            self._observe(task, outcome)
            return f"now {task.state.value}"
        return getattr(outcome, "message", "cancel failed")

    def retry(self, key: str) -> str:
        """Retry what taskmon gave up on: a lost task, a give-up, failed result downloads.

        A lost or given-up task goes back to queued (saved, with a history entry)
        and is looked up at once; a succeeded one fetches its missing files again.
        An ending the provider itself reported is final and is left alone.
        """
        task = self._tracked(key)
        if task is None:
            return NOT_TRACKED
        name = task.provider.display_name
        runtime = self._runtime_for(task)
        if task.downloads_pending:
            return "its results are downloading now"
        if task.state is State.SUCCEEDED:
            wanted = len(task.snapshot.outputs) if task.snapshot else 0
            missing = wanted - len(task.file_paths)
            if not self._keeps_results():
                return "results are not downloaded here"
            if missing <= 0:
                return "every result is already downloaded"
            task.retry_downloads()
            self._fetch_results(task)
            self._publish(task, Change.NONE)
            return f"fetching {counted(missing, 'missing result file')} again"
        if task.ended_by_taskmon:
            task.reopen(self._now(), utcnow())
            if runtime.stopped:
                task.note_problem(runtime.stopped)
            else:
                self._poll_now(task)
            self._publish(task, Change(True, False, False))
            if runtime.stopped:
                return f"reopened; it waits until this is fixed: {runtime.stopped}"
            return f"looking it up again at {name}"
        if task.state.is_terminal:
            return f"{name} reported it {task.state.value}: that is final, so it is not retried"
        if runtime.stopped:
            return f"not polled: {runtime.stopped}"
        self._poll_now(task)
        return "still tracked; looking it up now"
