"""What the engine tells its subscribers (the CLI, and later the Qt model).

Subscribers are plain callables run on the engine's event loop; they must not
block. A Qt adapter turns them into signals; nothing here knows about Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from taskmon.engine.task import TaskView


@dataclass(frozen=True, slots=True)
class TaskEvent:
    """A task changed. `state_changed`/`progress_changed` say what a list view must redraw."""

    view: TaskView
    state_changed: bool
    progress_changed: bool
    first: bool  # the task's first observation


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    """A provider-wide problem appeared (`problem` set) or cleared (`problem` None)."""

    provider: str
    problem: str | None
    kind: str  # "no_key" | "key_rejected" | "access_denied" | "ok"


EngineEvent = TaskEvent | ProviderEvent
Subscriber = Callable[[EngineEvent], None]
