"""The engine: tracks tasks to a terminal state and fetches their results (asyncio, no Qt)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskmon.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from taskmon.tracking.commands import NOT_TRACKED
    from taskmon.tracking.config import EngineConfig, KeyLookup, KeyStoreLike, ProviderRuntime
    from taskmon.tracking.engine import Engine
    from taskmon.tracking.events import (
        EngineEvent,
        FileEvent,
        HostEvent,
        PauseEvent,
        ProviderEvent,
        ProviderEventKind,
        StoreEvent,
        Subscriber,
        TaskEvent,
        TaskRemoved,
    )
    from taskmon.tracking.pacing.poll_policy import DurationPrior, prior_from_totals

_EXPORTS = {
    "Engine": "engine",
    "EngineConfig": "config",
    "KeyLookup": "config",
    "KeyStoreLike": "config",
    "ProviderRuntime": "config",
    "EngineEvent": "events",
    "TaskEvent": "events",
    "ProviderEvent": "events",
    "FileEvent": "events",
    "HostEvent": "events",
    "PauseEvent": "events",
    "StoreEvent": "events",
    "Subscriber": "events",
    "TaskRemoved": "events",
    "ProviderEventKind": "events",
    "NOT_TRACKED": "commands",
    "DurationPrior": "pacing.poll_policy",
    "prior_from_totals": "pacing.poll_policy",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = [
    "NOT_TRACKED",
    "DurationPrior",
    "Engine",
    "EngineConfig",
    "EngineEvent",
    "FileEvent",
    "HostEvent",
    "KeyLookup",
    "KeyStoreLike",
    "PauseEvent",
    "ProviderEvent",
    "ProviderEventKind",
    "ProviderRuntime",
    "StoreEvent",
    "Subscriber",
    "TaskEvent",
    "TaskRemoved",
    "prior_from_totals",
]
