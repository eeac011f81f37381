"""How long one download may hold a slot: a minimum rate, a deadline, a share per host.

A server that trickles a byte every few seconds never trips a read timeout, yet
holds its download slot for hours while other results expire unfetched. Each
download therefore has to bring `min_rate_bytes_per_s * rate_window_s` bytes
within every window (the next window starts once it has), must finish within a
deadline scaled to its declared size, and one host only gets some of the slots.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

DEFAULT_MIN_RATE_BYTES_PER_S = 1024.0
DEFAULT_RATE_WINDOW_S = 30.0
DEFAULT_DEADLINE_BASE_S = 120.0
# A 100 MB video then has 120 s + 51 min; a 2 GiB one about 18 h.
DEFAULT_DEADLINE_FLOOR_BYTES_PER_S = 32 * 1024.0


@dataclass(frozen=True, slots=True)
class Pacing:
    """The rate and time limits of one download (seconds and bytes per second)."""

    min_rate_bytes_per_s: float = DEFAULT_MIN_RATE_BYTES_PER_S
    rate_window_s: float = DEFAULT_RATE_WINDOW_S
    deadline_base_s: float = DEFAULT_DEADLINE_BASE_S
    deadline_floor_bytes_per_s: float = DEFAULT_DEADLINE_FLOOR_BYTES_PER_S

    def __post_init__(self) -> None:
        for name in (
            "min_rate_bytes_per_s",
            "rate_window_s",
            "deadline_base_s",
            "deadline_floor_bytes_per_s",
        ):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be a positive number")

    def deadline_s(self, remaining_bytes: int) -> float:
        """How long the body of `remaining_bytes` may take to arrive."""
        return self.deadline_base_s + remaining_bytes / self.deadline_floor_bytes_per_s

    def window(self, now: float) -> RateWindow:
        return RateWindow(now, self.rate_window_s, self.min_rate_bytes_per_s)


class RateWindow:
    """Counts the bytes of the current window; `due` is when it must have enough."""

    def __init__(self, now: float, window_s: float, min_rate_bytes_per_s: float) -> None:
        self.window_s = window_s
        self.needed = max(1, math.ceil(min_rate_bytes_per_s * window_s))
        self.started = now
        self.received = 0

    @property
    def due(self) -> float:
        return self.started + self.window_s

    def add(self, n: int, now: float) -> bool:
        """Count `n` bytes; True when this window had enough and the next one began."""
        self.received += n
        if self.received < self.needed:
            return False
        self.started, self.received = now, 0
        return True


class HostSlots:
    """At most `per_host` downloads from one origin at a time (scheme, host and port)."""

    def __init__(self, per_host: int) -> None:
        self._per_host = per_host
        self._hosts: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @asynccontextmanager
    async def hold(self, origin: str) -> AsyncIterator[None]:
        semaphore, users = self._hosts.get(origin, (asyncio.Semaphore(self._per_host), 0))
        self._hosts[origin] = (semaphore, users + 1)
        try:
            async with semaphore:
                yield
        finally:
            semaphore, users = self._hosts[origin]
            if users == 1:  # forget hosts nobody waits for: the map stays small
                del self._hosts[origin]
            else:
                self._hosts[origin] = (semaphore, users - 1)
