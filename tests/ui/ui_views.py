"""TaskViews built through the engine's own task record, for model and view tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from taskmon.domain.snapshot import Cost, MediaKind, Output, PollHints, Snapshot, State, TaskError
from taskmon.domain.task import TaskRef, TaskView
from taskmon.providers import PROVIDERS
from taskmon.tracking.pacing.poll_policy import DurationPrior
from taskmon.tracking.task import TrackedTask

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def make_view(
    task_id: str = "task_0123456789abcdef0123456789abcdef",
    provider: str = "reapi",
    state: State | None = State.RUNNING,
    *,
    progress: float | None = None,
    model: str | None = None,
    label: str | None = None,
    outputs: tuple[Output, ...] = (),
    error: TaskError | None = None,
    cost: Cost | None = None,
    estimated_total_s: float | None = None,
    raw_status: str | None = None,
    age_s: float = 30.0,
    kind: MediaKind | None = MediaKind.IMAGE,
    prior: DurationPrior | None = None,
) -> TaskView:
    """A task first seen `age_s` seconds before T0, observed once at T0."""
    ref = TaskRef(provider, task_id, model if PROVIDERS[provider].requires_model else None)
    task = TrackedTask(
        ref=ref,
        provider=PROVIDERS[provider],
        first_seen_mono=0.0,
        first_seen_at=T0 - timedelta(seconds=age_s),
        label=label,
    )
    snapshot = Snapshot(
        state=state,
        raw_status=raw_status or (state.value if state else "weird"),
        progress=progress,
        outputs=outputs,
        error=error,
        cost=cost or Cost(),
        created_at=T0 - timedelta(seconds=age_s),
        model=model,
        media_kind=kind,
        hints=PollHints(estimated_total_s=estimated_total_s),
    )
    task.use_prior(prior)
    task.apply(snapshot, age_s, T0)
    return task.view(age_s, T0)
