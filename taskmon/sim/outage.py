"""Host-wide outages: one provider's API host (or the whole API port) down for a while.

While an outage is in force every request to the affected provider endpoints
is answered with its kind before anything else happens (no key check, no
rate limit, no task lookup), and each such answer is recorded as an
`OutageHit`. The control API under /_sim/ is never affected, and the tasks
keep advancing on their own timelines: a task can finish during an outage and
be seen finished after it.

Kinds, named as the per-task faults are:
- "html502": a proxy's HTML error page with HTTP 502 (what a dead upstream
  behind nginx looks like);
- "502", "500": the provider's own JSON error envelope with that status;
- "503": the provider's envelope with Retry-After = the seconds left;
- "reset": the TCP connection is closed with no response at all.
An open BytesPike event stream is cut when an outage of its host begins.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

OUTAGE_KINDS: tuple[str, ...] = ("html502", "502", "500", "503", "reset")


@dataclass(frozen=True)
class Outage:
    """One outage window; `provider` None means every provider on the API port."""

    provider: str | None
    kind: str
    starts_at_epoch: float
    ends_at_epoch: float

    def in_force_at(self, now: float) -> bool:
        return self.starts_at_epoch <= now < self.ends_at_epoch

    def seconds_left(self, now: float) -> float:
        return max(0.0, self.ends_at_epoch - now)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class OutageHit:
    """One request answered with an outage instead of by the provider."""

    at_epoch: float
    provider: str
    kind: str
    http_status: int  # 0: the connection was reset without a response
    call: str  # "status", "stream" or "cancel"
    task_id: str | None  # the live task the request named, when it named one

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Outages:
    """The outage windows of one simulator and every request they answered."""

    def __init__(self, providers: Sequence[str]) -> None:
        self._providers = tuple(providers)
        self._windows: dict[str | None, Outage] = {}  # one per scope, the latest
        self.hits: list[OutageHit] = []

    def start(self, provider: str | None, kind: str, now: float, duration_s: float) -> Outage:
        """Begin an outage now, replacing any earlier one of the same scope."""
        if provider is not None and provider not in self._providers:
            known = ", ".join(self._providers)
            raise ValueError(f"unknown provider {provider!r} (known: {known})")
        if kind not in OUTAGE_KINDS:
            raise ValueError(f"unknown outage kind {kind!r} (known: {', '.join(OUTAGE_KINDS)})")
        if not math.isfinite(duration_s) or duration_s <= 0:
            raise ValueError("an outage's duration_s must be a finite number > 0")
        outage = Outage(provider, kind, now, now + duration_s)
        self._windows[provider] = outage
        return outage

    def clear(self, provider: str | None, now: float) -> Outage | None:
        """End the scope's outage now; the window as it ended, or None if none was in force."""
        outage = self._windows.get(provider)
        if outage is None or not outage.in_force_at(now):
            return None
        ended = replace(outage, ends_at_epoch=now)
        self._windows[provider] = ended
        return ended

    def in_force(self, provider: str, now: float) -> Outage | None:
        """The outage answering for `provider` at `now`: its own first, then the port's."""
        for scope in (provider, None):
            outage = self._windows.get(scope)
            if outage is not None and outage.in_force_at(now):
                return outage
        return None

    def active(self, now: float) -> list[Outage]:
        return [o for o in self._windows.values() if o.in_force_at(now)]

    def hits_by_provider(self) -> dict[str, int]:
        counts = dict.fromkeys(self._providers, 0)
        for hit in self.hits:
            counts[hit.provider] += 1
        return counts
