"""What the engine tells its subscribers (the CLI, and later the Qt model).

Subscribers are plain callables run on the engine's event loop; they must not
block. A Qt adapter turns them into signals; nothing here knows about Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from taskmon.domain.records import FileState
from taskmon.domain.task import TaskView


@dataclass(frozen=True, slots=True)
class TaskEvent:
    """A task changed. `state_changed`/`progress_changed` say what a list view must redraw."""

    view: TaskView
    state_changed: bool
    progress_changed: bool
    first: bool  # the task's first observation


@dataclass(frozen=True, slots=True)
class TaskRemoved:
    """A task is no longer tracked (removed here or by another process)."""

    key: str


class ProviderEventKind(StrEnum):
    """Why a provider stopped being polled, or OK when it polls again."""

    NO_KEY = "no_key"
    KEY_REJECTED = "key_rejected"
    ACCESS_DENIED = "access_denied"
    MISCONFIGURED = "misconfigured"  # its base URL cannot be used
    DISABLED = "disabled"
    OK = "ok"


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    """A provider-wide problem appeared (`problem` set) or cleared (`problem` None)."""

    provider: str
    problem: str | None
    kind: ProviderEventKind


@dataclass(frozen=True, slots=True)
class HostEvent:
    """Status calls of a provider started failing (`problem`, in words: the first
    failure of the run) or answer again (`problem` None). Polling goes on either way."""

    provider: str
    problem: str | None


@dataclass(frozen=True, slots=True)
class FileEvent:
    """A result file of a task started, finished or failed downloading."""

    key: str
    index: int  # output index
    url: str
    path: str | None
    state: FileState
    size: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class StoreEvent:
    """Saving to the store failed (`problem` set) or works again (`problem` None)."""

    problem: str | None


@dataclass(frozen=True, slots=True)
class PauseEvent:
    """Polling was paused by the user (`paused` True) or resumed."""

    paused: bool


EngineEvent = (
    TaskEvent | TaskRemoved | ProviderEvent | HostEvent | FileEvent | StoreEvent | PauseEvent
)
Subscriber = Callable[[EngineEvent], None]
