"""A scripted task's timeline (the ground truth) and what clients asked of it."""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass, field
from typing import Any

from taskmon.sim.media.files import MediaFile
from taskmon.sim.outage import OutageHit
from taskmon.sim.scripts import TaskScript

TERMINAL_PHASES = frozenset({"succeeded", "failed", "cancelled"})


@dataclass(frozen=True)
class PollRecord:
    """One status request of a task, as the simulator answered it."""

    at_epoch: float
    http_status: int  # 0: the connection was reset without a response
    state: str | None = None  # provider-native state in the body sent (None: no state)
    phase: str | None = None  # that state normalized: queued|running|succeeded|failed|cancelled
    cache_hit: bool = False
    fault: str | None = None


@dataclass
class TaskStats:
    """What happened to one task: its polls, stream connections and true end.

    `polls` are the status requests the provider answered; requests that an
    outage answered instead are in `outage_hits` (they never reached the task).
    """

    task_id: str
    provider: str
    polls: list[PollRecord]
    cache_hits: int
    finished_at_epoch: float  # the true terminal moment
    stream_connections: int
    stream_events: int
    cancel_requests: int
    outage_hits: list[OutageHit] = field(default_factory=list)

    @property
    def request_times(self) -> list[float]:
        return [p.at_epoch for p in self.polls]

    @property
    def states(self) -> list[str | None]:
        return [p.state for p in self.polls]

    def to_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "provider": self.provider,
            "polls": [vars(p) for p in self.polls],
            "request_times": self.request_times,
            "states": self.states,
            "cache_hits": self.cache_hits,
            "finished_at_epoch": self.finished_at_epoch,
            "stream_connections": self.stream_connections,
            "stream_events": self.stream_events,
            "cancel_requests": self.cancel_requests,
            "outage_hits": [asdict(h) for h in self.outage_hits],
        }


@dataclass(eq=False)
class SimTask:
    """A task the simulator answers for, and its recorded traffic."""

    script: TaskScript
    task_id: str
    provider: str
    kind: str
    model: str
    out_task_id: str | None
    outcome: str
    added_at_epoch: float
    finishes_at_epoch: float
    estimate_factor: float
    request_id: str
    files: list[MediaFile]
    last_frame: MediaFile | None
    rng: random.Random = field(repr=False)
    # Progress curve: exponent, wiggle amplitude (< 1 keeps it monotonic), wiggle count.
    progress_shape: tuple[float, float, int] = (1.0, 0.0, 1)
    polls: list[PollRecord] = field(default_factory=list)
    stream_connections: int = 0
    stream_events: int = 0
    cancel_requests: int = 0
    outage_hits: list[OutageHit] = field(default_factory=list)
    removed: bool = False
    cache: tuple[float, Any] | None = field(default=None, repr=False)  # reAPI: (filled at, body)

    @property
    def running_at_epoch(self) -> float:
        return self.added_at_epoch + self.script.queue_s

    @property
    def true_total_s(self) -> float:
        return self.script.queue_s + self.script.run_s

    @property
    def estimated_total_s(self) -> int:
        """The pre-flight ETA a provider announces: honest but imperfect."""
        return max(1, round(self.true_total_s * self.estimate_factor))

    def phase_at(self, now: float) -> str:
        if now >= self.finishes_at_epoch:
            return self.outcome
        return "running" if now >= self.running_at_epoch else "queued"

    def changed_at(self, now: float) -> float:
        """When the phase in force at `now` began."""
        phase = self.phase_at(now)
        if phase in TERMINAL_PHASES:
            return self.finishes_at_epoch
        return self.running_at_epoch if phase == "running" else self.added_at_epoch

    def next_change_after(self, now: float) -> float | None:
        for moment in (self.running_at_epoch, self.finishes_at_epoch):
            if moment > now:
                return moment
        return None

    def running_progress(self, now: float) -> int:
        """0-99 while running: elapsed/run time, bent by a per-task monotonic curve."""
        run_s = self.script.run_s
        fraction = 1.0 if run_s <= 0 else min(1.0, max(0.0, (now - self.running_at_epoch) / run_s))
        exponent, wiggle, waves = self.progress_shape
        # f + w*sin(2πkf)/(2πk) has derivative 1 + w*cos(...) > 0 for w < 1.
        bent = fraction + wiggle * math.sin(2 * math.pi * waves * fraction) / (2 * math.pi * waves)
        return min(99, int(100 * max(0.0, min(1.0, bent)) ** exponent))

    def cancel(self, now: float) -> bool:
        """Cancel if not yet terminal; False when there was nothing to cancel."""
        if self.phase_at(now) in TERMINAL_PHASES:
            return False
        self.outcome = "cancelled"
        self.finishes_at_epoch = now
        for media in self.all_files:
            media.available = False
        return True

    @property
    def all_files(self) -> list[MediaFile]:
        return self.files + ([self.last_frame] if self.last_frame else [])

    def result_urls(self, media_base: str, secret: bytes) -> list[str]:
        if self.script.output_urls is not None:
            return list(self.script.output_urls)
        return [media.url(media_base, secret) for media in self.files]

    def renew_expired_links(self, now: float) -> None:
        """With `media_renew_s`: links that expired are signed anew, valid that long more."""
        renew_s = self.script.media_renew_s
        if renew_s is None or now < self.finishes_at_epoch:
            return
        for media in self.all_files:
            if media.expires_at_epoch is not None and now >= media.expires_at_epoch:
                media.expires_at_epoch = now + renew_s

    def last_frame_url(self, media_base: str, secret: bytes) -> str | None:
        return self.last_frame.url(media_base, secret) if self.last_frame else None

    def stats(self) -> TaskStats:
        return TaskStats(
            task_id=self.task_id,
            provider=self.provider,
            polls=list(self.polls),
            cache_hits=sum(1 for p in self.polls if p.cache_hit),
            finished_at_epoch=self.finishes_at_epoch,
            stream_connections=self.stream_connections,
            stream_events=self.stream_events,
            cancel_requests=self.cancel_requests,
            outage_hits=list(self.outage_hits),
        )

    def to_dict(self, media_base: str, secret: bytes) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "provider": self.provider,
            "kind": self.kind,
            "model": self.model,
            "out_task_id": self.out_task_id,
            "outcome": self.outcome,
            "added_at_epoch": self.added_at_epoch,
            "finishes_at_epoch": self.finishes_at_epoch,
            "estimate_factor": self.estimate_factor,
            "foreign": self.script.foreign,
            "result_urls": self.result_urls(media_base, secret),
        }
