"""The simulator's shared state: tasks, media files, keys, limits, outages, counters.

Only touched from the simulator's event loop (`SimulatorThread` hops onto it).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aiohttp import web

from taskmon.sim.media.files import MediaLibrary
from taskmon.sim.outage import Outages
from taskmon.sim.provider_spec import ProviderSpec
from taskmon.sim.ratelimit import RateLimiter
from taskmon.sim.scripts import TaskScript
from taskmon.sim.task import SimTask
from taskmon.sim.task_factory import build_task

# BytesPike sends X-RateLimit-* on every response; without a configured limit
# the simulator reports this nominal per-second budget.
NOMINAL_LIMIT_PER_S = 1000.0


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
        specs: Mapping[str, ProviderSpec],
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
        self.specs = dict(specs)
        providers = tuple(self.specs)
        self.keys = {**{p: s.default_key for p, s in self.specs.items()}, **(keys or {})}
        limits = dict(rate_limit_per_s or {})
        unknown = set(limits) - set(providers)
        if unknown:
            raise ValueError(f"rate limits for unknown providers: {sorted(unknown)}")
        self.limits = {
            p: ProviderLimits(RateLimiter(limits.get(p, NOMINAL_LIMIT_PER_S)), p in limits)
            for p in providers
        }
        # Named after reAPI, the provider that documents it (caches_in_flight_status).
        self.reapi_cache_s = reapi_cache_s
        self.sse_keepalive_s = sse_keepalive_s
        self.tasks: dict[tuple[str, str], SimTask] = {}
        self.by_out_task_id: dict[str, SimTask] = {}
        self.history: list[SimTask] = []  # removed tasks too, for stats
        self.media = MediaLibrary(self.secret, clock)
        self.requests_by_provider: dict[str, int] = dict.fromkeys(providers, 0)
        self.outages = Outages(providers)
        self.media_base = ""

    def spec(self, provider: str) -> ProviderSpec:
        """The provider's spec; ValueError for a name the simulator does not know."""
        try:
            return self.specs[provider]
        except KeyError:
            known = ", ".join(self.specs)
            raise ValueError(f"unknown provider {provider!r} (known: {known})") from None

    def add(self, script: TaskScript) -> SimTask:
        task = build_task(script, self.spec(script.provider), self.rng, self.clock())
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
            self.media.add(media)
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
            "media_requests": len(self.media.requests),
            "media_bytes_sent": self.media.bytes_sent,
            "outage_hits_by_provider": self.outages.hits_by_provider(),
        }


STATE_KEY: web.AppKey[SimState] = web.AppKey("taskmon_sim_state", SimState)
