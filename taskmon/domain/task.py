"""The identity of a tracked task and the immutable view the engine publishes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Final

from taskmon.domain.snapshot import Cost, MediaKind, Output, State, TaskError

# Error codes of the endings taskmon decides itself (the provider never said so).
NOT_FOUND = "not_found"  # lost: the provider does not know the task (after a confirmation)
GAVE_UP = "gave_up"  # failed: taskmon stopped waiting (the give-up setting)

# A task's state changes kept, in memory and in the store (state changes only: rarely reached).
MAX_HISTORY: Final = 50


@dataclass(frozen=True, slots=True)
class TaskRef:
    """The stable identity of a tracked task: provider + reference.

    `task_id` is the ID as the user gave it. For BytesPike it may be the
    caller's `out_task_id` (`by_out_task_id`). Apixo needs the `model`.
    """

    provider: str
    task_id: str
    model: str | None = None
    by_out_task_id: bool = False
    # A string that identifies the task across runs (store primary key). Made once:
    # the engine looks it up a dozen times per poll.
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        kind = "out" if self.by_out_task_id else "id"
        key = f"{self.provider}/{self.model or ''}/{kind}/{self.task_id}"
        object.__setattr__(self, "key", key)  # frozen: set once, here


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    state: State
    raw_status: str | None


@dataclass(frozen=True, slots=True)
class TaskView:
    """Everything a UI or the CLI may show about one task (no keys, ever)."""

    ref: TaskRef
    label: str | None
    observed: bool  # False until the first answer from the provider
    state: State
    raw_status: str | None
    progress: float | None
    outputs: tuple[Output, ...]
    files: tuple[str, ...]  # absolute paths of downloaded results, in output order
    error: TaskError | None  # the task's own failure (or why it counts as lost)
    problem: str | None  # the last transient problem, in words, while it lasts
    cost: Cost
    model: str | None
    media_kind: MediaKind | None
    created_at: datetime | None
    first_seen_at: datetime
    started_at: datetime | None  # first seen running
    finished_at: datetime | None  # first seen terminal
    eta_at: datetime | None
    next_poll_at: datetime | None
    polls: int
    downloads_pending: bool
    download_failed: bool
    history: tuple[HistoryEntry, ...]
    provider_task_id: str | None
    raw: Any
    # What this provider and model usually take, creation to end (p10, p90 seconds).
    usual_total_s: tuple[float, float] | None = None
    # What the provider echoed about the request (prompt, resolution…), bounded by the
    # provider module; None when it echoes nothing.
    request: dict[str, Any] | None = None
    # Some result downloads failed and wait to be tried again (downloads_pending stays
    # True meanwhile): the results are not saved, though taskmon has not given up.
    download_waiting: bool = False

    @property
    def prompt(self) -> str | None:
        """The prompt the provider echoed, when it echoed one as text."""
        untrusted = None if self.request is None else self.request.get("prompt")
        return untrusted if isinstance(untrusted, str) and untrusted.strip() else None

    @property
    def key(self) -> str:
        return self.ref.key

    @property
    def is_done(self) -> bool:
        """Terminal, and no result file still on its way."""
        return self.state.is_terminal and not self.downloads_pending


@dataclass(frozen=True, slots=True)
class Change:
    """What an update changed, so a list view redraws only that."""

    state_changed: bool
    progress_changed: bool
    first: bool

    NONE: ClassVar[Change]  # nothing a list view draws changed (a problem, a poll time)


Change.NONE = Change(False, False, False)


def utcnow() -> datetime:
    return datetime.now(UTC)
