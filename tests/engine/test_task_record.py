"""How a tracked task merges observations: the domain rules in one place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from taskmon.domain.snapshot import Snapshot, State, TaskError
from taskmon.domain.task import TaskRef
from taskmon.providers import get_provider
from taskmon.tracking.task import TrackedTask

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _task() -> TrackedTask:
    return TrackedTask(
        ref=TaskRef("xenodia", "task_1"),
        provider=get_provider("xenodia"),
        first_seen_mono=1000.0,
        first_seen_at=NOW,
    )


def test_first_observation_is_flagged_and_remembered() -> None:
    task = _task()
    change = task.apply(Snapshot(State.QUEUED, raw_status="waiting"), 1000.0, NOW)
    assert change.first and task.observed
    assert [h.state for h in task.history] == [State.QUEUED]


def test_an_unknown_status_keeps_the_last_state_and_says_so() -> None:
    task = _task()
    task.apply(Snapshot(State.RUNNING, raw_status="generating"), 1000.0, NOW)
    change = task.apply(Snapshot(None, raw_status="upscaling"), 1001.0, NOW)
    assert task.state is State.RUNNING and not change.state_changed
    assert task.raw_status == "upscaling"
    assert task.problem is not None and "upscaling" in task.problem


def test_a_terminal_task_is_not_reopened_by_a_late_observation() -> None:
    task = _task()
    task.apply(Snapshot(State.SUCCEEDED, raw_status="success"), 1000.0, NOW)
    change = task.apply(Snapshot(State.RUNNING, raw_status="generating"), 1001.0, NOW)
    assert task.state is State.SUCCEEDED and not change.state_changed


def test_progress_samples_are_kept_only_while_running() -> None:
    task = _task()
    task.apply(Snapshot(State.QUEUED, progress=0.0), 1000.0, NOW)
    task.apply(Snapshot(State.RUNNING, progress=10.0), 1002.0, NOW)
    task.apply(Snapshot(State.RUNNING, progress=30.0), 1004.0, NOW)
    assert [s.progress for s in task.samples] == [10.0, 30.0]
    view = task.view(1004.0, NOW)
    assert view.eta_at is not None and view.eta_at > NOW  # predicted from the rate


def test_a_creation_time_in_the_future_is_ignored_and_an_older_one_trusted() -> None:
    task = _task()
    task.apply(Snapshot(State.RUNNING, created_at=NOW + timedelta(hours=3)), 1000.0, NOW)
    assert task.created_mono == 1000.0  # clock skew: fall back to our first look
    task.apply(Snapshot(State.RUNNING, created_at=NOW - timedelta(seconds=90)), 1000.0, NOW)
    assert task.created_mono == 910.0
    assert task.poll_input(1000.0).age_s == 90.0


def test_ending_on_the_engines_judgement_records_why() -> None:
    task = _task()
    task.end(State.LOST, TaskError("gone", "not_found"), NOW)
    view = task.view(1000.0, NOW)
    assert view.state is State.LOST and view.finished_at == NOW
    assert view.error == TaskError("gone", "not_found") and view.next_poll_at is None
