"""The values the store takes and gives back (no SQL here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from taskmon.domain.snapshot import Cost, MediaKind, Output, State, TaskError
from taskmon.domain.task import TaskRef


class FileState(StrEnum):
    """Where the download of one output stands."""

    PENDING = "pending"  # not started
    COMPLETE = "complete"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class NewTask:
    """A task to start tracking; `added_at` defaults to now."""

    ref: TaskRef
    label: str | None = None
    added_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AddResult:
    """Keys added, and keys skipped because they were already tracked (input order)."""

    added: tuple[str, ...]
    duplicates: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Observation:
    """The latest known state of a task, as the engine saves it (a full overwrite)."""

    state: State
    observed: bool = True
    raw_status: str | None = None
    progress: float | None = None
    outputs: tuple[Output, ...] = ()
    error: TaskError | None = None
    problem: str | None = None
    cost: Cost = field(default_factory=Cost)
    model: str | None = None  # as the provider reported it
    media_kind: MediaKind | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    next_poll_at: datetime | None = None
    provider_task_id: str | None = None
    raw: Any = None  # bounded when saved (RAW_MAX_BYTES)


@dataclass(frozen=True, slots=True)
class StoredFile:
    """One output's local copy."""

    index: int  # output index within the task
    url: str
    path: str | None  # absolute path of the (partial) file, once known
    state: FileState
    size: int | None  # bytes on disk (complete) or written so far (partial)
    error: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class StoredTask:
    """A tracked task as stored: its reference and its latest observation."""

    ref: TaskRef
    label: str | None
    added_at: datetime
    observed: bool
    state: State
    raw_status: str | None
    progress: float | None
    outputs: tuple[Output, ...]
    error: TaskError | None
    problem: str | None
    cost: Cost
    model: str | None  # reported by the provider, else the reference's
    media_kind: MediaKind | None
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    next_poll_at: datetime | None
    provider_task_id: str | None
    raw: Any
    updated_at: datetime | None  # last observation saved
    files: tuple[StoredFile, ...]  # by output index

    @property
    def key(self) -> str:
        return self.ref.key


@dataclass(frozen=True, slots=True)
class Quantiles:
    """Spread of one duration, in seconds."""

    p10: float
    median: float
    p90: float


# Learned durations: the most recent finished tasks of a provider and model that count
# (the store's summaries and the schedule's priors alike).
DURATION_SAMPLES: Final = 50


@dataclass(frozen=True, slots=True)
class DurationSummary:
    """What recent finished tasks of one provider/model/kind took."""

    samples: int
    queue_s: Quantiles | None  # None when no sample had a queue time
    run_s: Quantiles | None
