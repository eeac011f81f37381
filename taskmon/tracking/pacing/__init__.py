"""When the engine may ask next: the poll schedule, each key's rate budget, how many
calls start per tick, each API host's health and the user's pause. Pure logic (the
pause and the start pacer excepted, asyncio gates): no I/O, no other part of the engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskmon.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from taskmon.tracking.pacing.host_health import HostBook, HostHealth, HostHealthSettings
    from taskmon.tracking.pacing.pause import PollingPause
    from taskmon.tracking.pacing.poll_policy import (
        DurationPrior,
        PollInput,
        ProgressSample,
        error_delay,
        next_delay,
        prior_from_totals,
    )
    from taskmon.tracking.pacing.rate_budget import RateBudget
    from taskmon.tracking.pacing.start_pacer import StartPacer

_EXPORTS = {
    "HostBook": "host_health",
    "HostHealth": "host_health",
    "HostHealthSettings": "host_health",
    "PollingPause": "pause",
    "DurationPrior": "poll_policy",
    "PollInput": "poll_policy",
    "ProgressSample": "poll_policy",
    "error_delay": "poll_policy",
    "next_delay": "poll_policy",
    "prior_from_totals": "poll_policy",
    "RateBudget": "rate_budget",
    "StartPacer": "start_pacer",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = [
    "DurationPrior",
    "HostBook",
    "HostHealth",
    "HostHealthSettings",
    "PollInput",
    "PollingPause",
    "ProgressSample",
    "RateBudget",
    "StartPacer",
    "error_delay",
    "next_delay",
    "prior_from_totals",
]
