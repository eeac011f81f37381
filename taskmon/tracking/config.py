"""The engine's settings, and its per-provider runtime state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from taskmon.domain.snapshot import MediaKind
from taskmon.domain.task import TaskRef
from taskmon.keys import Secret
from taskmon.providers.base import Provider
from taskmon.tracking.pacing.host_health import HostHealth, HostHealthSettings
from taskmon.tracking.pacing.poll_policy import DurationPrior
from taskmon.tracking.pacing.rate_budget import RateBudget

HOUR = 3600.0
DISABLED = "provider disabled in settings"


class KeyLookup(Protocol):
    """What the engine needs from the key store (KeyStore, or a test's static keys)."""

    async def get(self, provider: str) -> Secret | None: ...


@runtime_checkable
class KeyStoreLike(Protocol):
    """A key store that can also change keys (KeyStore): what the window's settings need."""

    async def get(self, provider: str) -> Secret | None: ...

    async def set(self, provider: str, value: str) -> None: ...

    async def delete(self, provider: str) -> bool: ...


@dataclass(slots=True)
class EngineConfig:
    """What the engine is started with; it never changes it (run-time choices such as a
    new base URL or a provider switched off live in the provider runtimes)."""

    base_url_overrides: Mapping[str, str] = field(default_factory=dict)
    # Providers whose tasks stay in the store but are not polled (the window's settings).
    disabled_providers: frozenset[str] = frozenset()
    # What finished tasks of a provider and model took (learned), for the schedule.
    duration_prior: Callable[[str, str | None], DurationPrior | None] | None = None
    # Where a task's results go; None = do not download them.
    result_dir: Callable[[TaskRef], Path] | None = None
    # The folder the user chose that every result_dir lies in (the data dir): no folder
    # below it may be a link. None: each result_dir is its own root (a --save-dir).
    result_root: Path | None = None
    # A failed result download is tried again after this long, doubling up to the max,
    # for as long as its link can work: until the provider's documented link lifetime
    # after the task finished, else for the window. A download from the same host or a
    # status answer from it (the host is back), or room on the disk again, retries at once.
    download_retry_first_s: float = 10.0
    download_retry_max_s: float = 600.0
    download_retry_window_s: float = 24 * HOUR
    # False: a failed download is final after the quick retries (`watch` reports it).
    download_retry_later: bool = True
    workers_per_provider: int = 6
    # Polls due within one tick of the loop clock go out together, at its end
    # (0: each at its own time). Waking once per tick instead of once per poll
    # more than halves the CPU a poll costs; a poll is at most this much later.
    poll_tick_s: float = 0.1
    # Status calls and stream opens started per tick, all providers together (0: no
    # limit): bursts are spread over ticks (tracking/pacing/start_pacer.py).
    starts_per_tick: int = 25
    # Client-side give-up per media kind (None = never). Off for video by default:
    # video runs legitimately take hours (reAPI lets them run 48 h).
    give_up_after_s: Mapping[MediaKind | None, float | None] = field(
        default_factory=lambda: {
            MediaKind.IMAGE: 2 * HOUR,
            MediaKind.AUDIO: 2 * HOUR,
            MediaKind.VIDEO: None,
            MediaKind.OTHER: None,
            None: None,
        }
    )
    # A task seen alive that then answers "not found" is lost only when it keeps doing
    # so for this long (three answers at least, backing off): backends have blips. A task
    # never seen alive is lost after one confirmation a few seconds later.
    not_found_grace_s: float = 120.0
    stream_retries: int = 3
    # While a push stream is open the task is still polled on its plain schedule, at
    # least this often: a stream may speed tracking up, never slow it down.
    stream_confirm_poll_max_s: float = 60.0
    # A stream that has carried no task update (state or progress) this long is closed
    # and the task polled (heartbeats and junk are not updates).
    stream_idle_limit_s: float = 120.0
    # Over HTTP/1.1 every open stream holds a connection: past this many, tasks poll.
    max_streams_per_provider: int = 64
    # When a host counts as unwell, how its probes back off and its tasks are woken.
    host_health: HostHealthSettings = field(default_factory=HostHealthSettings)


@dataclass(slots=True)
class ProviderRuntime:
    """A provider's state while the engine runs (its base URL and switch may change)."""

    provider: Provider
    base_url: str
    host: HostHealth  # of `base_url`'s origin, shared by every provider that uses it
    budget: RateBudget = field(default_factory=RateBudget)
    # The one worker waiting for `budget` holds this; the rest queue behind it.
    budget_gate: asyncio.Lock = field(default_factory=asyncio.Lock)
    queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    queued: set[str] = field(default_factory=set)
    key: Secret | None = None
    key_loaded: bool = False
    halted: str | None = None  # provider-wide problem that stops polling
    disabled: bool = False  # switched off in settings: never contacted
    workers: list[asyncio.Task[None]] = field(default_factory=list)
    streams: int = 0  # open push streams
    failing: str | None = None  # status calls fail, in words (a HostEvent said so once)

    @property
    def stopped(self) -> str | None:
        """Why this provider's tasks are not polled now, or None when they are."""
        return DISABLED if self.disabled else self.halted
