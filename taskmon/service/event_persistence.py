"""Saving what the engine publishes, and learning from it how long tasks take.

Every task change becomes an observation (and a history entry when the state
changed), every result file a file record, every success a duration sample;
all through the batched StoreWriter, so the loop never waits for the disk.
The duration samples also update the in-memory priors the schedule uses.
"""

from __future__ import annotations

from collections.abc import Callable

from taskmon.domain import DURATION_SAMPLES, State
from taskmon.store import StoreWriter
from taskmon.tracking import DurationPrior, EngineEvent, FileEvent, TaskEvent, prior_from_totals

Totals = dict[tuple[str, str | None], list[float]]


class EventPersistence:
    """An engine subscriber that saves its events; `prior()` is what it has learned."""

    def __init__(self, writer: StoreWriter, is_stored: Callable[[str], bool], totals: Totals):
        self._writer = writer
        self._is_stored = is_stored
        self._totals = totals  # (provider, model) -> recent total seconds, newest first
        self._priors = {k: prior_from_totals(v) for k, v in totals.items()}

    def prior(self, provider: str, model: str | None) -> DurationPrior | None:
        """What recent finished tasks of this provider and model took."""
        return self._priors.get((provider, model))

    def __call__(self, event: EngineEvent) -> None:
        writer = self._writer
        if isinstance(event, TaskEvent):
            view = event.view
            if not self._is_stored(view.key):
                return  # removed from the store meanwhile
            writer.save_observation(view.key, view)  # a view has every observation field
            if (event.first or event.state_changed) and view.history:
                writer.append_history(view.key, view.history[-1])
            if event.state_changed and view.state is State.SUCCEEDED:
                self._record_duration(event)
        elif isinstance(event, FileEvent):
            writer.set_file(
                event.key,
                event.index,
                url=event.url,
                path=event.path,
                state=event.state,
                size=event.size,
                error=event.error,
            )

    def _record_duration(self, event: TaskEvent) -> None:
        view = event.view
        born = view.created_at or view.first_seen_at
        end = view.finished_at
        if end is None:
            return
        started = view.started_at or end
        # Learn at once in memory too; the store keeps it for the next start.
        bucket = self._totals.setdefault((view.ref.provider, view.model), [])
        bucket.insert(0, (end - born).total_seconds())
        del bucket[DURATION_SAMPLES:]
        self._priors[(view.ref.provider, view.model)] = prior_from_totals(bucket)
        self._writer.record_duration(
            view.key,
            provider=view.ref.provider,
            model=view.model,
            kind=view.media_kind,
            queue_s=max(0.0, (started - born).total_seconds()),
            run_s=max(0.0, (end - started).total_seconds()),
            finished_at=end,
        )
