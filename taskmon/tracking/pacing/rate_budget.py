"""One request budget per provider key, shared by every task of that key.

A token bucket whose rate adapts (AIMD): a 429 or 503 halves the rate and
pauses the whole key until the server's Retry-After, successes slowly win the
rate back. So a rate limit slows every task of the key and fails none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MAX_PAUSE_S: Final = 900.0  # a hostile Retry-After of a day is not obeyed blindly
DEFAULT_PAUSE_S: Final = 5.0  # a 429 without any hint


@dataclass(slots=True)
class RateBudget:
    """Token bucket for one (provider, key); all times on one monotonic clock."""

    rate_per_s: float = 20.0
    burst: float = 20.0
    min_rate_per_s: float = 0.2
    max_rate_per_s: float = 50.0
    recovery_per_success: float = 0.05  # requests/s regained per success
    _tokens: float = 20.0
    _updated: float = 0.0
    paused_until: float = 0.0
    throttled_count: int = 0

    def reserve(self, now: float) -> float:
        """Take a token: 0.0 means go now, else the seconds to wait (nothing taken)."""
        if now < self.paused_until:
            return self.paused_until - now
        self._refill(now)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate_per_s

    def on_throttled(self, now: float, retry_after_s: float | None) -> float:
        """Record a 429/503; returns the pause applied to the whole key."""
        self.throttled_count += 1
        self.rate_per_s = max(self.min_rate_per_s, self.rate_per_s / 2.0)
        pause = DEFAULT_PAUSE_S if retry_after_s is None else retry_after_s
        pause = min(max(pause, 0.0), MAX_PAUSE_S)
        self.paused_until = max(self.paused_until, now + pause)
        self._tokens = 0.0
        self._updated = self.paused_until
        return pause

    def on_success(self) -> None:
        self.rate_per_s = min(self.max_rate_per_s, self.rate_per_s + self.recovery_per_success)

    def _refill(self, now: float) -> None:
        if now > self._updated:
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate_per_s)
            self._updated = now
