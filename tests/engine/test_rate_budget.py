"""One budget per key: a 429 slows every task of that key and fails none."""

from __future__ import annotations

from taskmon.tracking.pacing.rate_budget import MAX_PAUSE_S, RateBudget


def test_burst_then_paced_by_rate() -> None:
    budget = RateBudget(rate_per_s=2.0, burst=2.0, _tokens=2.0)
    assert budget.reserve(100.0) == 0.0
    assert budget.reserve(100.0) == 0.0
    wait = budget.reserve(100.0)
    assert 0.0 < wait <= 0.5
    assert budget.reserve(100.0 + wait) == 0.0


def test_throttle_pauses_the_whole_key_for_retry_after() -> None:
    budget = RateBudget()
    budget.on_throttled(10.0, 8.0)
    assert budget.reserve(12.0) == 6.0
    assert budget.reserve(18.5) == 0.0


def test_throttle_halves_the_rate_and_success_wins_it_back_slowly() -> None:
    budget = RateBudget(rate_per_s=20.0)
    budget.on_throttled(0.0, 1.0)
    assert budget.rate_per_s == 10.0
    for _ in range(20):
        budget.on_success()
    assert 10.0 < budget.rate_per_s < 20.0


def test_hostile_retry_after_is_bounded() -> None:
    budget = RateBudget()
    assert budget.on_throttled(0.0, 10**9) == MAX_PAUSE_S
    assert budget.on_throttled(0.0, -5) >= 0.0
