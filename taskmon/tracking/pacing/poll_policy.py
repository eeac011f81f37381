"""When to look at a task again: adaptive backoff that listens to the provider.

Pure functions over a small `PollInput`, so the policy can be read, tested and
benchmarked without any I/O. All times are seconds on one monotonic clock.

The plain schedule keeps every gap below a fraction of the task's age, so a
task that ends at age D is seen at most ~max(floor, fraction·D) later: the
detection delay stays proportional to the task's own length while the number
of requests only grows with log(D). Provider hints (reported progress,
estimates) let the engine look just after the predicted end instead, but a
hint may only stretch a gap to `HINT_STRETCH_MAX` times the plain one.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass
from typing import Final

from taskmon.domain.snapshot import MediaKind


@dataclass(frozen=True, slots=True)
class Profile:
    """Backoff shape for one media kind."""

    floor_s: float  # shortest gap once the first look is done
    cap_s: float  # longest gap
    age_fraction: float  # gap ≤ this fraction of the task's age


PROFILES: Final[dict[MediaKind | None, Profile]] = {
    MediaKind.IMAGE: Profile(floor_s=4.5, cap_s=12.0, age_fraction=0.18),
    MediaKind.AUDIO: Profile(floor_s=4.5, cap_s=12.0, age_fraction=0.18),
    MediaKind.VIDEO: Profile(floor_s=4.5, cap_s=45.0, age_fraction=0.18),
    MediaKind.OTHER: Profile(floor_s=4.5, cap_s=30.0, age_fraction=0.18),
    None: Profile(floor_s=4.5, cap_s=30.0, age_fraction=0.18),
}

HINT_STRETCH_MAX: Final = 3.0  # a hint never pushes a poll past 3× the plain gap
DENSE_FLOOR_S: Final = 2.5  # near a predicted end, look at least this far apart
DENSE_AGE_FRACTION: Final = 0.08
LOOK_AFTER_S: Final = 0.4  # land just after the predicted end, not on it
RESAMPLE_FRACTION: Final = 0.7  # far from the end: re-sample progress 70 % of the way
ESTIMATE_EARLY_FRACTION: Final = 0.85  # estimates err both ways: start looking at 85 %
PROVIDER_MIN_INTERVAL_CAP_S: Final = 60.0  # a hostile "poll every day" is not obeyed
JITTER: Final = 0.1  # ±10 %, applied below the bound so the bound still holds
MIN_GAP_S: Final = 1.0  # whatever the arithmetic says, never hammer a task
ERROR_BACKOFF_BASE_S: Final = 2.0
ERROR_BACKOFF_CAP_S: Final = 120.0


@dataclass(frozen=True, slots=True)
class ProgressSample:
    at: float
    progress: float  # 0-100


@dataclass(frozen=True, slots=True)
class DurationPrior:
    """How long this provider and model took lately (queue + run, seconds)."""

    p10_s: float
    median_s: float
    p90_s: float
    samples: int


PRIOR_MIN_SAMPLES: Final = 5  # fewer finished tasks teach nothing reliable
PRIOR_WINDOW_MARGIN: Final = 0.15  # widen the learned p10..p90 window by 15 % each side


def prior_from_totals(totals: list[float]) -> DurationPrior | None:
    """A prior from recent total durations, or None when there are too few."""
    if len(totals) < PRIOR_MIN_SAMPLES:
        return None
    ordered = sorted(totals)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return DurationPrior(at(0.1), statistics.median(ordered), at(0.9), len(ordered))


@dataclass(frozen=True, slots=True)
class PollInput:
    """What is known about a task when choosing the next poll."""

    now: float
    age_s: float  # since the task was created (or first seen, when unknown)
    polls_done: int
    kind: MediaKind | None = None
    provider_min_interval_s: float = 0.0  # the provider's documented floor (reAPI cache)
    hinted_min_interval_s: float | None = None  # what the server asked for in the response
    created_at: float | None = None  # monotonic time of creation, for estimates
    estimated_total_s: float | None = None  # provider's pre-flight estimate of the whole run
    progress: tuple[ProgressSample, ...] = ()  # recent samples, oldest first
    prior: DurationPrior | None = None  # learned from finished tasks, when no hint exists


def plain_gap(inp: PollInput) -> float:
    """The hint-free gap: a fraction of the task's age, between floor and cap."""
    profile = PROFILES.get(inp.kind, PROFILES[None])
    return min(profile.cap_s, max(profile.floor_s, profile.age_fraction * inp.age_s))


def predicted_end(
    inp: PollInput, estimate_fraction: float = ESTIMATE_EARLY_FRACTION
) -> tuple[float, bool] | None:
    """Predicted monotonic end time and whether it comes from measured progress.

    An estimate is taken at `estimate_fraction` of its value: for scheduling,
    looking a little early is cheaper than seeing the end late.
    """
    guesses: list[tuple[float, bool]] = []
    rate = progress_rate(inp.progress)
    if rate is not None:
        last = inp.progress[-1]
        guesses.append((last.at + (100.0 - last.progress) / rate, True))
    if inp.estimated_total_s is not None and inp.created_at is not None:
        guesses.append((inp.created_at + inp.estimated_total_s * estimate_fraction, False))
    # Both can be wrong; seeing the end late costs more than one extra look.
    return min(guesses, default=None)


OVERDUE_SHARE: Final = 0.25  # a guess missed by a quarter of the task's age has failed
OVERDUE_MIN_S: Final = 10.0


def expected_latest(end: float, age_s: float, now: float) -> float:
    """The latest a predicted `end` is still believable (a guess errs both ways)."""
    age_at_end = max(0.0, age_s + end - now)
    return end + max(OVERDUE_MIN_S, OVERDUE_SHARE * age_at_end)


def progress_rate(samples: tuple[ProgressSample, ...]) -> float | None:
    """Progress points per second over the recent samples, or None when not rising."""
    rising = [s for s in samples if 0.0 < s.progress < 100.0]
    if len(rising) < 2:
        return None
    first, last = rising[0], rising[-1]
    span = last.at - first.at
    if span <= 0.0 or last.progress <= first.progress:
        return None
    return (last.progress - first.progress) / span


def hinted_gap(inp: PollInput) -> float | None:
    """The gap the hints suggest, before bounds; None when there is no hint."""
    prediction = predicted_end(inp)
    if prediction is None:
        return None
    end, measured = prediction
    dense = max(DENSE_FLOOR_S, DENSE_AGE_FRACTION * inp.age_s)
    remaining = end - inp.now
    if remaining <= 0.0:
        # Overdue: the end is near, whatever the hint said; look often.
        return dense
    if measured:
        if remaining <= dense:
            return remaining + LOOK_AFTER_S
        # Far away: look again part of the way there, to refine the rate.
        return max(dense, remaining * RESAMPLE_FRACTION)
    # An estimate cannot be refined by looking: wait for the early edge of its window.
    return max(dense, remaining)


def prior_gap(inp: PollInput) -> float | None:
    """Sparse before the learned window, dense inside it, plain after it (None)."""
    prior = inp.prior
    if prior is None or inp.created_at is None:
        return None
    opens = inp.created_at + prior.p10_s * (1.0 - PRIOR_WINDOW_MARGIN)
    closes = inp.created_at + prior.p90_s * (1.0 + PRIOR_WINDOW_MARGIN)
    if inp.now < opens:
        return opens - inp.now
    if inp.now <= closes:
        return max(DENSE_FLOOR_S, DENSE_AGE_FRACTION * inp.age_s)
    return None  # slower than usual: back to the plain schedule


def next_delay(inp: PollInput, rng: random.Random | None = None) -> float:
    """Seconds until the next status call for a task that is not terminal."""
    if inp.polls_done == 0:
        return 0.0  # the first look is at once: is the ID known, does the key work?
    plain = plain_gap(inp)
    gap = plain
    hinted = hinted_gap(inp)
    if hinted is None:
        hinted = prior_gap(inp)
    if hinted is not None:
        gap = min(hinted, plain * HINT_STRETCH_MAX)
    gap = _jitter(gap, rng)
    return max(gap, _floor(inp))


def error_delay(consecutive_errors: int, inp: PollInput, rng: random.Random | None = None) -> float:
    """Back off after transient faults (5xx, timeouts, malformed bodies): never give up.

    A fault only this task meets never spaces its polls wider than its normal cap:
    the task may have ended meanwhile, and a host that is down for everyone is
    handled per host (host_health), not by each task backing off further.
    """
    exponent = min(max(consecutive_errors - 1, 0), 10)
    cap = min(ERROR_BACKOFF_CAP_S, PROFILES.get(inp.kind, PROFILES[None]).cap_s)
    gap = min(cap, ERROR_BACKOFF_BASE_S * 2.0**exponent)
    return max(_jitter(gap, rng), _floor(inp))


def _floor(inp: PollInput) -> float:
    hinted = min(inp.hinted_min_interval_s or 0.0, PROVIDER_MIN_INTERVAL_CAP_S)
    return max(MIN_GAP_S, inp.provider_min_interval_s, hinted)


def _jitter(gap: float, rng: random.Random | None) -> float:
    # Jitter only downwards, so every bound above stays a bound; it spreads
    # tasks added together so they do not poll in lockstep.
    r = (rng or random).random()
    return gap * (1.0 - JITTER * r)
