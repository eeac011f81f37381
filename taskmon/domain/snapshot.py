"""The normalized view of one provider task, shared by every layer.

A provider module turns one untrusted response into a `Snapshot`; the engine
merges snapshots into its task records; the CLI and the window only ever read
these types. Nothing here knows about a particular provider.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class State(StrEnum):
    """Normalized task states. The last four are terminal."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    LOST = "lost"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL


_TERMINAL = frozenset({State.SUCCEEDED, State.FAILED, State.CANCELLED, State.LOST})


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Output:
    """One result file as the provider announced it (not yet downloaded)."""

    url: str
    kind: MediaKind = MediaKind.OTHER
    last_frame_url: str | None = None
    duration_s: float | None = None
    resolution: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TaskError:
    """A failure reported by the provider for the task itself."""

    message: str
    code: str | None = None


@dataclass(frozen=True, slots=True)
class Cost:
    """What the task costs or is expected to cost, in the provider's own units."""

    credits: float | None = None
    estimated_credits: float | None = None
    micro_usdc: int | None = None
    processing_s: float | None = None

    @property
    def is_empty(self) -> bool:
        return (
            self.credits is None
            and self.estimated_credits is None
            and self.micro_usdc is None
            and self.processing_s is None
        )


@dataclass(frozen=True, slots=True)
class PollHints:
    """What the provider said about when to look again (all optional)."""

    min_interval_s: float | None = None  # Xenodia recommended_poll_interval_ms
    estimated_total_s: float | None = None  # pre-flight ETA counted from creation


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One validated observation of a task.

    `state` is None when the provider sent a status string we do not know: the
    engine keeps the previous state, shows `raw_status` and keeps polling.
    """

    state: State | None
    raw_status: str | None = None
    progress: float | None = None  # 0-100, only when the provider reports it
    outputs: tuple[Output, ...] = ()
    error: TaskError | None = None
    cost: Cost = field(default_factory=Cost)
    created_at: datetime | None = None  # aware UTC
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    model: str | None = None
    media_kind: MediaKind | None = None
    hints: PollHints = field(default_factory=PollHints)
    # Another identifier the provider gave for the same task (BytesPike returns
    # its own task_id when queried by out_task_id).
    provider_task_id: str | None = None
    # What the provider echoed about the request (prompt, size…), bounded by the provider
    # module; None when it echoes nothing.
    request: dict[str, Any] | None = None
    raw: Any = None  # the decoded payload, for a details view
