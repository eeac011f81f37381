"""TaskViews for the notification rules, made through the engine's own task record."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from taskmon.domain import MediaKind, Output, Snapshot, State, TaskError, TaskRef, TaskView
from taskmon.providers import PROVIDERS
from taskmon.tracking import TaskEvent
from taskmon.tracking.task import TrackedTask

T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def view(
    task_id: str = "task_0123456789abcdef0123456789abcdef",
    state: State = State.RUNNING,
    *,
    provider: str = "reapi",
    label: str | None = None,
    outputs: int = 0,
    files: tuple[str, ...] = (),
    **changes: Any,
) -> TaskView:
    """A task as the engine would publish it, with `changes` laid over."""
    ref = TaskRef(provider, task_id, "m" if PROVIDERS[provider].requires_model else None)
    task = TrackedTask(
        ref=ref, provider=PROVIDERS[provider], first_seen_mono=0.0, first_seen_at=T0, label=label
    )
    snapshot = Snapshot(
        state=state,
        raw_status=state.value,
        outputs=tuple(Output(f"https://cdn.example/{task_id}/{i}.png") for i in range(outputs)),
        error=TaskError("the prompt was refused", "refused") if state is State.FAILED else None,
        media_kind=MediaKind.IMAGE,
    )
    task.apply(snapshot, 1.0, T0)
    return dataclasses.replace(task.view(1.0, T0 + timedelta(seconds=1)), files=files, **changes)


def event(task: TaskView, *, changed: bool = True, first: bool = False) -> TaskEvent:
    return TaskEvent(task, state_changed=changed, progress_changed=False, first=first)
