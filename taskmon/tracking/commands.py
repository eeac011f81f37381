"""What a user can ask of one tracked task: cancel it, or retry a lookup taskmon gave up on.

Each command answers in words (one short sentence for a status bar).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskmon.domain.snapshot import State
from taskmon.domain.task import Change, utcnow
from taskmon.net.outcomes import Observed

if TYPE_CHECKING:
    from taskmon.tracking.engine import Engine

NOT_TRACKED = "not tracked"


async def cancel(engine: Engine, key: str) -> str:
    """Ask the provider to cancel the task; raises KeyError when `key` is not tracked."""
    task = engine.tracked(key)
    if task is None:
        raise KeyError(key)
    runtime = engine.runtime_for(task)
    name = task.provider.display_name
    if runtime.disabled:
        return f"{name} is disabled in settings"
    spec = task.provider.cancel_request(task.ref, task.provider_task_id)
    if spec is None:
        return f"{name} does not support cancelling"
    if task.state.is_terminal:
        return f"already {task.state.value}"
    outcome = await engine.call(runtime, spec)
    if isinstance(outcome, Observed):
        engine.observe(task, outcome)
        return f"now {task.state.value}"
    return getattr(outcome, "message", "cancel failed")


def retry(engine: Engine, key: str) -> str:
    """Retry what taskmon gave up on: a lost task, a give-up, failed result downloads.

    A lost or given-up task goes back to queued (saved, with a history entry)
    and is looked up at once; a succeeded one fetches its missing files again.
    An ending the provider itself reported is final and is left alone.
    """
    task = engine.tracked(key)
    if task is None:
        return NOT_TRACKED
    name = task.provider.display_name
    runtime = engine.runtime_for(task)
    if task.downloads_pending:
        return "its results are downloading now"
    if task.state is State.SUCCEEDED:
        wanted = len(task.snapshot.outputs) if task.snapshot else 0
        missing = wanted - len(task.file_paths)
        if engine.config.result_dir is None:
            return "results are not downloaded here"
        if missing <= 0:
            return "every result is already downloaded"
        task.download_failed = False
        task.problem = None
        engine.fetch_results(task)
        engine.publish(task, Change(False, False, False))
        return f"fetching {missing} missing result file(s) again"
    if task.ended_by_taskmon:
        task.reopen(engine.loop_time(), utcnow())
        if runtime.stopped:
            task.problem = runtime.stopped
        else:
            engine.poll_now(task)
        engine.publish(task, Change(True, False, False))
        if runtime.stopped:
            return f"reopened; it waits until this is fixed: {runtime.stopped}"
        return f"looking it up again at {name}"
    if task.state.is_terminal:
        return f"{name} reported it {task.state.value}: that is final, so it is not retried"
    if runtime.stopped:
        return f"not polled: {runtime.stopped}"
    engine.poll_now(task)
    return "still tracked; looking it up now"
