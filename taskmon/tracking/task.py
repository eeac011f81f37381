"""A tracked task: the engine's mutable record (the view it publishes is in `domain`).

The record carries its own state transitions (`apply`, `mark_lost`,
`mark_streaming`, `downloads_started`, ...), so the rules for merging
observations live in one place and no other module writes its fields.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from taskmon.domain.snapshot import MediaKind, PollHints, Snapshot, State, TaskError
from taskmon.domain.task import GAVE_UP, MAX_HISTORY, Change, HistoryEntry, TaskRef, TaskView
from taskmon.providers.base import Provider
from taskmon.tracking.pacing.poll_policy import (
    DurationPrior,
    PollInput,
    ProgressSample,
    expected_latest,
    predicted_end,
)

if TYPE_CHECKING:
    from taskmon.domain.records import StoredTask


@dataclass(slots=True)
class TrackedTask:
    """Mutable engine-side record. Times ending in `_mono` are loop.time() seconds."""

    ref: TaskRef
    provider: Provider
    first_seen_mono: float
    first_seen_at: datetime
    label: str | None = None
    observed: bool = False
    state: State = State.QUEUED
    snapshot: Snapshot | None = None
    raw_status: str | None = None
    progress: float | None = None
    error: TaskError | None = None
    problem: str | None = None
    created_mono: float | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    hints: PollHints = field(default_factory=PollHints)
    samples: deque[ProgressSample] = field(default_factory=lambda: deque(maxlen=6))
    history: list[HistoryEntry] = field(default_factory=list)
    polls: int = 0
    consecutive_errors: int = 0
    not_found: int = 0
    not_found_since_mono: float | None = None  # the first "not found" of the current run
    seen_alive: bool = False  # the provider has reported the task (not only "not found")
    rechecking: bool = False  # lost by taskmon's judgement: one more look is on its way
    next_poll_mono: float | None = None
    prior: DurationPrior | None = None  # learned durations of this provider and model
    streaming: bool = False
    stream_failures: int = 0
    stream_retry_mono: float = 0.0
    file_paths: dict[int, str] = field(default_factory=dict)  # output index -> local file
    downloads_pending: bool = False
    download_failed: bool = False
    download_waiting: bool = False  # failed downloads wait for their next try
    provider_task_id: str | None = None

    # -- polling ------------------------------------------------------------

    def count_poll(self) -> None:
        """A status call for this task is going out."""
        self.polls += 1

    def plan_poll(self, when_mono: float | None) -> None:
        """The next poll is due at `when_mono` (None: none planned, e.g. streaming, halted)."""
        self.next_poll_mono = when_mono

    def note_problem(self, text: str | None) -> None:
        """Say what is wrong now, in words (None: nothing)."""
        self.problem = text

    def halt(self, problem: str) -> None:
        """No poll is planned until something changes; `problem` says why."""
        self.next_poll_mono = None
        self.problem = problem

    def answered(self) -> None:
        """The provider answered properly: earlier faults and lookups no longer count."""
        self.consecutive_errors = 0
        self.not_found = 0
        self.not_found_since_mono = None
        self.problem = None

    def record_transient(self) -> int:
        """One more transient fault in a row; returns how many now."""
        self.consecutive_errors += 1
        return self.consecutive_errors

    def record_not_found(self, now_mono: float) -> int:
        """The provider did not know the task once more; returns how many times in a row."""
        if self.not_found == 0:
            self.not_found_since_mono = now_mono
        self.not_found += 1
        return self.not_found

    def begin_recheck(self) -> None:
        """Lost by taskmon's own judgement: look once more (state stays lost until an answer)."""
        self.rechecking = True

    def recheck_confirmed_lost(self) -> None:
        """The one more look found nothing either: it stays lost, unchanged."""
        self.rechecking = False
        self.not_found = 0
        self.not_found_since_mono = None

    @property
    def wants_polls(self) -> bool:
        """Whether a status call for it is still useful (not ended, or a recheck)."""
        return self.rechecking or not self.state.is_terminal

    def mark_lost(self, error: TaskError, now: datetime) -> bool:
        """End as lost (confirmed not found); True when this was the first answer at all."""
        first = not self.observed
        self.observed = True
        self.end(State.LOST, error, now)
        return first

    def use_prior(self, prior: DurationPrior | None) -> None:
        """What this provider and model usually take (learned), for the schedule."""
        self.prior = prior

    # -- streams ---------------------------------------------------------------

    def mark_streaming(self) -> None:
        """A push stream follows the task now (a slower confirming poll stays planned)."""
        self.streaming = True

    def stream_refused(self, retries: int) -> None:
        """The stream endpoint said no: do not try it again (the status query says why)."""
        self.stream_failures = retries

    def stream_ended(self, confirmed_end: bool, now_mono: float, retry_base_s: float) -> None:
        """The stream closed; unless it saw the end, try it again later, backing off."""
        self.streaming = False
        if not confirmed_end:
            self.stream_failures += 1
            self.stream_retry_mono = now_mono + retry_base_s * 2**self.stream_failures

    # -- results -----------------------------------------------------------------

    def downloads_started(self) -> None:
        self.downloads_pending = True
        self.download_waiting = False

    def file_downloaded(self, index: int, path: str) -> None:
        self.file_paths[index] = path

    def downloads_waiting(self, problem: str) -> None:
        """Some downloads failed and wait to be tried again; still pending meanwhile."""
        self.problem = problem
        self.download_failed = False
        self.download_waiting = True

    def downloads_finished(self, problems: list[str]) -> None:
        """The result downloads ended; `problems` (one per failed file) become the problem."""
        self.downloads_pending = False
        self.download_waiting = False
        self.problem = "; ".join(problems) or None
        self.download_failed = bool(problems)

    def retry_downloads(self) -> None:
        """Failed downloads are to be tried again: their failure is forgotten."""
        self.download_failed = False
        self.problem = None

    def refresh_outputs(self, snap: Snapshot) -> None:
        """A fresh answer of a succeeded task, for its renewed result URLs."""
        self.snapshot = snap

    # -- observations ------------------------------------------------------------

    def apply(self, snap: Snapshot, now_mono: float, now: datetime) -> Change:
        """Merge one validated observation; unknown statuses keep the last known state."""
        first = not self.observed
        old_state, old_progress = self.state, self.progress
        self.observed = True
        if self.state.is_terminal:
            return Change(False, False, first)  # a late stream event cannot reopen a task
        self.snapshot = snap
        self.raw_status = snap.raw_status
        self.seen_alive = True
        if snap.state is not None:
            self.state = snap.state
        if snap.progress is not None:
            self.progress = snap.progress
            if self.state is State.RUNNING:
                self.samples.append(ProgressSample(now_mono, snap.progress))
        if snap.error is not None or self.state.is_terminal:
            self.error = snap.error
        if snap.hints.min_interval_s is not None or snap.hints.estimated_total_s is not None:
            self.hints = snap.hints
        if snap.provider_task_id:
            self.provider_task_id = snap.provider_task_id
        if snap.created_at is not None:
            # Clock skew: a creation time in the future is worthless, one older than
            # our first look is real (the task was submitted before it was added).
            age = max(0.0, (now - snap.created_at).total_seconds())
            self.created_mono = min(now_mono - age, self.first_seen_mono)
        if self.state is not State.QUEUED and self.started_at is None:
            self.started_at = self._start_time(snap, first, now)
        if self.state.is_terminal and self.finished_at is None:
            self.finished_at = _clamped(snap.completed_at, self.started_at, now) or now
        if snap.state is None:
            self.problem = f"unrecognised status {snap.raw_status!r}; still polling"
        if first or self.state is not old_state:
            self._remember(now)
        return Change(self.state is not old_state, self.progress != old_progress, first)

    def _start_time(self, snap: Snapshot, first: bool, now: datetime) -> datetime:
        """When the task left the queue, the provider's times first.

        No provider sends a start time. Seen queued before: now (within a poll).
        Past the queue at the first look, taskmon did not see the start: while
        nothing has moved since, the provider's update time is the start;
        otherwise the provider showed no queue (reAPI has none), so the task
        counts as running since its creation, not since taskmon first looked.
        """
        if not first:
            return now
        born = snap.created_at if snap.created_at is not None else self.first_seen_at
        born = min(born, now)
        if snap.updated_at is not None and not snap.progress and not self.state.is_terminal:
            return _clamped(snap.updated_at, born, now) or born
        return born

    def restore(self, stored: StoredTask, now_mono: float, now: datetime) -> None:
        """Continue from what the store kept (after a restart or a crash)."""
        self.observed = stored.observed
        self.state = stored.state
        self.raw_status = stored.raw_status
        self.progress = stored.progress
        self.error = stored.error
        self.started_at = stored.started_at
        self.finished_at = stored.finished_at
        self.provider_task_id = stored.provider_task_id
        # A provider status was stored: the provider knew the task once.
        self.seen_alive = stored.raw_status is not None
        if stored.created_at is not None:
            age = max(0.0, (now - stored.created_at).total_seconds())
            self.created_mono = min(now_mono - age, self.first_seen_mono)
        if stored.observed:
            self.snapshot = Snapshot(
                state=stored.state,
                raw_status=stored.raw_status,
                progress=stored.progress,
                outputs=stored.outputs,
                error=stored.error,
                cost=stored.cost,
                created_at=stored.created_at,
                model=stored.model,
                media_kind=stored.media_kind,
                provider_task_id=stored.provider_task_id,
                # Not a column of its own: the stored payload holds it, and the
                # provider module reads it again (as `taskmon save` does).
                request=self.provider.request_echo(stored.raw),
                raw=stored.raw,
            )
        self.file_paths = {
            f.index: f.path for f in stored.files if f.state == "complete" and f.path is not None
        }

    def end(self, state: State, error: TaskError, now: datetime) -> None:
        """End the task on the engine's own judgement (lost, gave up)."""
        self.state = state
        self.error = error
        self.problem = None
        self.finished_at = self.finished_at or now
        self.next_poll_mono = None
        self._remember(now)

    @property
    def ended_by_taskmon(self) -> bool:
        """Lost, or given up on: taskmon's own judgement, which a retry may revisit."""
        if self.state is State.LOST:
            return True
        return self.state is State.FAILED and self.error is not None and self.error.code == GAVE_UP

    def reopen(self, now_mono: float, now: datetime) -> None:
        """Track again a task taskmon itself ended (lost, gave up): queued until the next answer."""
        self.state = State.QUEUED
        self.raw_status = None  # taskmon's own step, not something the provider said
        self.error = None
        self.problem = None
        self.finished_at = None
        self.not_found = 0
        self.not_found_since_mono = None
        self.rechecking = False
        self.consecutive_errors = 0
        # The give-up clock counts from here; the age the schedule uses still comes
        # from the provider's creation time where it gave one.
        self.first_seen_mono = now_mono
        self._remember(now)

    def _remember(self, now: datetime) -> None:
        self.history.append(HistoryEntry(now, self.state, self.raw_status))
        del self.history[:-MAX_HISTORY]

    def poll_input(self, now_mono: float) -> PollInput:
        born = self.created_mono if self.created_mono is not None else self.first_seen_mono
        return PollInput(
            now=now_mono,
            age_s=max(0.0, now_mono - born),
            polls_done=self.polls,
            kind=self.media_kind,
            provider_min_interval_s=self.provider.min_poll_interval_s,
            hinted_min_interval_s=self.hints.min_interval_s,
            created_at=born,
            estimated_total_s=self.hints.estimated_total_s,
            progress=tuple(self.samples) if self.state is State.RUNNING else (),
            prior=self.prior,
        )

    @property
    def media_kind(self) -> MediaKind | None:
        if self.snapshot is None:
            return None
        if self.snapshot.media_kind is not None:
            return self.snapshot.media_kind
        kinds = {o.kind for o in self.snapshot.outputs}
        return kinds.pop() if len(kinds) == 1 else None

    def view(self, now_mono: float, now: datetime) -> TaskView:
        snap = self.snapshot or Snapshot(state=None)
        eta_at = None
        if not self.state.is_terminal:
            inp = self.poll_input(now_mono)
            prediction = predicted_end(inp, estimate_fraction=1.0)
            end = prediction[0] if prediction else None
            latest = None if end is None else expected_latest(end, inp.age_s, now_mono)
            if end is None and self.prior is not None and inp.created_at is not None:
                end = inp.created_at + self.prior.median_s  # what this model usually takes
                latest = inp.created_at + self.prior.p90_s
            # Past its latest expected end a guess says nothing: no ETA, not "any moment".
            if end is not None and latest is not None and now_mono <= latest:
                eta_at = now + timedelta(seconds=max(0.0, end - now_mono))
        usual = None if self.prior is None else (self.prior.p10_s, self.prior.p90_s)
        next_poll_at = None
        if self.next_poll_mono is not None:
            next_poll_at = now + timedelta(seconds=max(0.0, self.next_poll_mono - now_mono))
        return TaskView(
            ref=self.ref,
            label=self.label,
            observed=self.observed,
            state=self.state,
            raw_status=self.raw_status,
            progress=self.progress,
            outputs=snap.outputs,
            files=tuple(self.file_paths[i] for i in sorted(self.file_paths)),
            error=self.error,
            problem=self.problem,
            cost=snap.cost,
            model=snap.model or self.ref.model,
            media_kind=self.media_kind,
            created_at=snap.created_at,
            first_seen_at=self.first_seen_at,
            started_at=self.started_at,
            finished_at=self.finished_at,
            eta_at=eta_at,
            next_poll_at=next_poll_at,
            polls=self.polls,
            downloads_pending=self.downloads_pending,
            download_failed=self.download_failed,
            history=tuple(self.history),
            provider_task_id=self.provider_task_id,
            raw=snap.raw,
            usual_total_s=usual,
            request=snap.request,
            download_waiting=self.download_waiting,
        )


def _clamped(value: datetime | None, low: datetime | None, high: datetime) -> datetime | None:
    """A provider's time within what taskmon knows (its clock may be skewed)."""
    if value is None:
        return None
    if low is not None and value < low:
        return low
    return min(value, high)
