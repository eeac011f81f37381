"""The simulator's shared state: tasks, media files, keys, limits, counters.

Only touched from the simulator's event loop (`SimulatorThread` hops onto it).
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aiohttp import web

from taskmon.sim.media.files import MediaFile
from taskmon.sim.scripts import PROVIDERS, TaskScript
from taskmon.sim.task import SimTask, build_task

# Keys follow the documented prefixes where there is one (BytesPike sk-byts-,
# reAPI rk_live_), so a client that checks prefixes accepts them.
DEFAULT_KEYS: dict[str, str] = {
    "xenodia": "sim-xenodia-key",
    "apixo": "sim-apixo-key",
    "bytespike": "sk-byts-sim-bytespike-key",
    "vidgo": "sim-vidgo-key",
    "reapi": "rk_live_sim_reapi_key",
}

# BytesPike sends X-RateLimit-* on every response; without a configured limit
# the simulator reports this nominal per-second budget.
NOMINAL_LIMIT_PER_S = 1000.0


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


@dataclass
class ProviderLimits:
    limiter: RateLimiter
    enforced: bool


class SimState:
    """Everything the API and media handlers read and write."""

    def __init__(
        self,
        seed: int,
        *,
        keys: Mapping[str, str] | None = None,
        rate_limit_per_s: Mapping[str, float] | None = None,
        reapi_cache_s: float = 5.0,
        sse_keepalive_s: float = 3.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.clock = clock
        self.secret = f"taskmon-sim-{seed}".encode()
        self.keys = {**DEFAULT_KEYS, **(keys or {})}
        limits = dict(rate_limit_per_s or {})
        unknown = set(limits) - set(PROVIDERS)
        if unknown:
            raise ValueError(f"rate limits for unknown providers: {sorted(unknown)}")
        self.limits = {
            p: ProviderLimits(RateLimiter(limits.get(p, NOMINAL_LIMIT_PER_S)), p in limits)
            for p in PROVIDERS
        }
        self.reapi_cache_s = reapi_cache_s
        self.sse_keepalive_s = sse_keepalive_s
        self.tasks: dict[tuple[str, str], SimTask] = {}
        self.by_out_task_id: dict[str, SimTask] = {}
        self.history: list[SimTask] = []  # removed tasks too, for stats
        self.media: dict[str, MediaFile] = {}
        self.requests_by_provider: dict[str, int] = dict.fromkeys(PROVIDERS, 0)
        self.media_requests: list[tuple[str, dict[str, str]]] = []
        self.media_base = ""

    def add(self, script: TaskScript) -> SimTask:
        task = build_task(script, self.rng, self.clock())
        key = (task.provider, task.task_id)
        if key in self.tasks:
            raise ValueError(f"{task.provider} task {task.task_id} already exists")
        if task.out_task_id is not None:
            if task.out_task_id in self.by_out_task_id:
                raise ValueError(f"out_task_id {task.out_task_id} already exists")
            self.by_out_task_id[task.out_task_id] = task
        self.tasks[key] = task
        self.history.append(task)
        for media in task.all_files:
            self.media[media.token] = media
        return task

    def find(self, provider: str, task_id: str) -> SimTask | None:
        """The live task a provider endpoint would see (removed = gone)."""
        return self.tasks.get((provider, task_id))

    def find_by_out_task_id(self, out_task_id: str) -> SimTask | None:
        return self.by_out_task_id.get(out_task_id)

    def lookup(self, task_id: str, provider: str | None = None) -> SimTask:
        """Any task ever added, removed ones included; KeyError if none or ambiguous."""
        found = [
            t
            for t in self.history
            if t.task_id == task_id and (provider is None or t.provider == provider)
        ]
        if not found:
            raise KeyError(f"no simulated task {task_id!r}")
        if len({t.provider for t in found}) > 1:
            raise KeyError(f"task ID {task_id!r} exists for several providers: name one")
        return found[-1]

    def remove(self, task_id: str, provider: str | None = None) -> None:
        task = self.lookup(task_id, provider)
        task.removed = True
        self.tasks.pop((task.provider, task.task_id), None)
        if task.out_task_id is not None:
            self.by_out_task_id.pop(task.out_task_id, None)

    def global_stats(self) -> dict[str, object]:
        return {
            "requests_by_provider": dict(self.requests_by_provider),
            "tasks": len(self.history),
            "live_tasks": len(self.tasks),
            "polls": sum(len(t.polls) for t in self.history),
            "cache_hits": sum(1 for t in self.history for p in t.polls if p.cache_hit),
            "stream_connections": sum(t.stream_connections for t in self.history),
            "media_requests": len(self.media_requests),
        }


STATE_KEY: web.AppKey[SimState] = web.AppKey("taskmon_sim_state", SimState)
