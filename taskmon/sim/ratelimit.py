"""A key-wide request rate limit, as providers enforce one."""

from __future__ import annotations

import math
from collections import deque


class RateLimiter:
    """A sliding-window limit of `per_s` requests per second across one key."""

    def __init__(self, per_s: float) -> None:
        if per_s <= 0:
            raise ValueError("a rate limit must be > 0 requests per second")
        self.burst = max(1, round(per_s))
        self.window_s = self.burst / per_s
        self._accepted: deque[float] = deque()

    def _expire(self, now: float) -> None:
        while self._accepted and self._accepted[0] <= now - self.window_s:
            self._accepted.popleft()

    def try_acquire(self, now: float) -> float | None:
        """None if allowed (and counted); otherwise seconds until a slot frees."""
        self._expire(now)
        if len(self._accepted) < self.burst:
            self._accepted.append(now)
            return None
        return self._accepted[0] + self.window_s - now

    def remaining(self, now: float) -> int:
        self._expire(now)
        return self.burst - len(self._accepted)

    def reset_epoch(self, now: float) -> int:
        """Unix time when the oldest counted request leaves the window."""
        self._expire(now)
        return math.ceil(self._accepted[0] + self.window_s if self._accepted else now)
