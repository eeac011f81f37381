"""Whether an API host answers: a host's bad minute is the host's, not each task's.

Consecutive transient failures (5xx, resets, timeouts, malformed or empty
bodies) on one API origin make the host unwell. Its tasks then wait, parked
(no timer each), while one probe at a time goes out with a jittered backoff;
the first proper answer wakes every parked task at once, spread over a second
or so so they do not land in one burst. A fault that only one task of a busy
host meets leaves the host well: that task backs off on its own.

Pure logic: the wall clock and the random source are handed in.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

# Three in a row: one or two failures are everyday blips (one gateway 502, one reset
# connection) that a task's own retry covers, and with six calls in flight a dead host
# shows three within a second. The streak must span two tasks (or the host's only
# task): one task whose answers are broken (a parser bug, a poisoned cache entry)
# must not park its healthy neighbours, nor be the probe that never succeeds.
UNWELL_AFTER: Final = 3
PROBE_BASE_S: Final = 1.0
# Under the 10 s that a recovered host may wait to be seen: a probe gap plus the wake
# spread then stays within it.
PROBE_CAP_S: Final = 8.0
PROBE_JITTER: Final = 0.2  # downwards only, so the cap stays a cap
WAKE_SPREAD_S: Final = 1.0  # parked tasks are woken over this long, inside the rate budget


@dataclass(frozen=True, slots=True)
class HostHealthSettings:
    unwell_after: int = UNWELL_AFTER
    probe_base_s: float = PROBE_BASE_S
    probe_cap_s: float = PROBE_CAP_S
    wake_spread_s: float = WAKE_SPREAD_S


class HostHealth:
    """One API origin's run of failures, its parked tasks and its probe."""

    def __init__(
        self,
        origin: str,
        settings: HostHealthSettings | None = None,
        *,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.origin = origin
        self._settings = settings or HostHealthSettings()
        self._clock = clock  # wall clock, epoch seconds: for "since 14:02"
        self._rng = rng or random.Random()
        self.failures = 0  # consecutive transient failures across the host's tasks
        self.unwell = False
        self.probe_key: str | None = None  # the one task whose poll may go out while unwell
        self.unwell_since: float | None = None  # epoch seconds of the streak's first failure
        self._streak_key: str | None = None
        self._streak_spans_tasks = False
        self._streak_started = 0.0
        self._probes = 0
        self._parked: dict[str, None] = {}  # keys in parking order

    # -- what the engine reports ------------------------------------------------

    def failed(self, key: str, alone: Callable[[], bool] = lambda: False) -> bool:
        """A transient failure of task `key`; True when it makes the host unwell.

        `alone` says whether `key` is the host's only task (asked only when it matters).
        """
        if self.unwell:
            return False
        if self.failures == 0:
            self._streak_key, self._streak_spans_tasks = key, False
            self._streak_started = self._clock()
        elif key != self._streak_key:
            self._streak_spans_tasks = True
        self.failures += 1
        if self.failures < self._settings.unwell_after:
            return False
        if not self._streak_spans_tasks and not alone():
            return False
        self.unwell = True
        self.unwell_since = self._streak_started
        self.probe_key = key
        self._probes = 0
        return True

    def answered(self) -> list[tuple[str, float]]:
        """A proper answer came (any but a transient failure): the host is well.

        Returns the parked tasks to wake, each with its delay in seconds, spread
        evenly over the wake spread (empty when nothing was parked).
        """
        self.failures = 0
        if not self.unwell:
            return []
        self.unwell = False
        self.unwell_since = None
        self.probe_key = None
        keys, self._parked = list(self._parked), {}
        spread, rng = self._settings.wake_spread_s, self._rng
        n = len(keys)
        return [(key, spread * (i + rng.random()) / n) for i, key in enumerate(keys)]

    # -- parking ---------------------------------------------------------------------

    def holds(self, key: str) -> bool:
        """Whether task `key` must wait instead of polling."""
        return self.unwell and key != self.probe_key

    def park(self, key: str) -> bool:
        """Park task `key` until the host answers; True when it becomes the probe instead
        (there was none: every other task left)."""
        if self.probe_key is None:
            self.probe_key = key
            return True
        if key != self.probe_key:
            self._parked[key] = None
        return False

    def release(self, key: str) -> str | None:
        """Task `key` stopped waiting (removed, ended, its provider halted).

        Returns the task that becomes the probe when `key` was it, else None.
        """
        self._parked.pop(key, None)
        if key != self.probe_key:
            return None
        self.probe_key = next(iter(self._parked), None)
        if self.probe_key is not None:
            del self._parked[self.probe_key]
        return self.probe_key

    def parked(self) -> list[str]:
        return list(self._parked)

    def next_probe_delay(self) -> float:
        """Seconds until the next probe: doubling from the base, capped, jittered downwards."""
        s = self._settings
        gap = min(s.probe_cap_s, s.probe_base_s * 2.0 ** min(self._probes, 16))
        self._probes += 1
        return gap * (1.0 - PROBE_JITTER * self._rng.random())

    def problem(self) -> str:
        """What the host's waiting tasks say, in words (local time)."""
        since = datetime.fromtimestamp(self.unwell_since or self._clock())
        return f"host unreachable since {since:%H:%M}, retrying"


class HostBook:
    """The health of every API origin the engine talks to, made on first use."""

    def __init__(
        self,
        settings: HostHealthSettings | None = None,
        *,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._rng = rng
        self._hosts: dict[str, HostHealth] = {}

    def of(self, origin: str) -> HostHealth:
        host = self._hosts.get(origin)
        if host is None:
            host = HostHealth(origin, self._settings, clock=self._clock, rng=self._rng)
            self._hosts[origin] = host
        return host
