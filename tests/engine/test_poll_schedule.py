"""The polling policy, as numbers: bounds that hold whatever the jitter draws."""

from __future__ import annotations

import random

import pytest

from taskmon.domain.snapshot import MediaKind
from taskmon.tracking.pacing import poll_policy as ps
from taskmon.tracking.pacing.poll_policy import PollInput, ProgressSample

RNG = random.Random(7)


def _inp(**kw: object) -> PollInput:
    base: dict[str, object] = {"now": 1000.0, "age_s": 10.0, "polls_done": 1}
    base.update(kw)
    return PollInput(**base)  # type: ignore[arg-type]


def test_first_look_is_immediate() -> None:
    assert ps.next_delay(_inp(polls_done=0), RNG) == 0.0


@pytest.mark.parametrize("kind", [MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.AUDIO, None])
@pytest.mark.parametrize("age", [0.5, 5, 20, 60, 300, 3600, 86400])
def test_plain_gap_stays_within_floor_fraction_and_cap(kind: MediaKind | None, age: float) -> None:
    profile = ps.PROFILES[kind]
    for _ in range(50):
        gap = ps.next_delay(_inp(kind=kind, age_s=age), RNG)
        bound = min(profile.cap_s, max(profile.floor_s, profile.age_fraction * age))
        assert gap <= bound + 1e-9
        assert gap >= ps.MIN_GAP_S


def test_detection_delay_without_hints_is_bounded_by_a_fifth_of_the_duration() -> None:
    # Simulate one task of each length and measure the plain schedule's lateness.
    for duration in (5, 12, 30, 60, 120, 480):
        t, polls = 0.0, 0
        while True:
            t += ps.next_delay(_inp(now=t, age_s=t, polls_done=polls, kind=MediaKind.VIDEO), RNG)
            polls += 1
            if t >= duration:
                break
        assert t - duration <= max(5.0, 0.2 * duration)


def test_requests_grow_logarithmically_with_duration() -> None:
    def polls_for(duration: float) -> int:
        t, polls = 0.0, 0
        while t < duration:
            t += ps.next_delay(_inp(now=t, age_s=t, polls_done=polls, kind=MediaKind.VIDEO), RNG)
            polls += 1
        return polls

    assert polls_for(480) < 2.5 * polls_for(60)
    assert polls_for(480) < 480 / 3 * 0.25  # far below a fixed 3-second poller


def test_provider_floor_is_never_undercut() -> None:
    for age in (0.0, 1.0, 100.0):
        gap = ps.next_delay(_inp(age_s=age, provider_min_interval_s=5.0), RNG)
        assert gap >= 5.0


def test_server_recommended_interval_is_a_floor_but_capped() -> None:
    assert ps.next_delay(_inp(hinted_min_interval_s=8.0), RNG) >= 8.0
    assert ps.next_delay(_inp(hinted_min_interval_s=86400.0), RNG) <= ps.PROVIDER_MIN_INTERVAL_CAP_S


def test_progress_rate_predicts_the_end_and_looks_just_after_it() -> None:
    # 10 %/s from t=100: ends at t=108 when at 20 % at t=101.
    samples = (ProgressSample(100.0, 10.0), ProgressSample(101.0, 20.0))
    end, measured = ps.predicted_end(_inp(now=101.0, progress=samples))
    assert measured and end == pytest.approx(109.0)
    gap = ps.next_delay(_inp(now=106.5, age_s=60, progress=samples), random.Random(0))
    assert 106.5 + gap == pytest.approx(109.0 + ps.LOOK_AFTER_S, abs=0.3)


def test_far_prediction_resamples_part_of_the_way() -> None:
    samples = (ProgressSample(0.0, 1.0), ProgressSample(10.0, 2.0))  # 0.1 %/s: ends at ~990 s
    gap = ps.next_delay(_inp(now=10.0, age_s=300, kind=MediaKind.VIDEO, progress=samples), RNG)
    plain_bound = ps.PROFILES[MediaKind.VIDEO].cap_s
    assert gap <= plain_bound * ps.HINT_STRETCH_MAX
    assert gap > plain_bound  # a trusted prediction lets the gap exceed the plain cap


def test_a_wrong_hint_cannot_push_a_poll_past_the_bounded_factor() -> None:
    inp = _inp(age_s=30, kind=MediaKind.IMAGE, created_at=970.0, estimated_total_s=100000.0)
    plain = ps.plain_gap(inp)
    for _ in range(50):
        assert ps.next_delay(inp, RNG) <= plain * ps.HINT_STRETCH_MAX + 1e-9


def test_estimate_waits_for_the_early_edge_then_polls_densely() -> None:
    inp = _inp(
        now=1010.0, age_s=10, kind=MediaKind.VIDEO, created_at=1000.0, estimated_total_s=60.0
    )
    gap = ps.next_delay(inp, random.Random(0))
    assert 1010.0 + gap <= 1000.0 + 60.0 * ps.ESTIMATE_EARLY_FRACTION + 1e-6
    overdue = _inp(
        now=1070.0, age_s=70, kind=MediaKind.VIDEO, created_at=1000.0, estimated_total_s=60.0
    )
    assert ps.next_delay(overdue, RNG) <= max(ps.DENSE_FLOOR_S, ps.DENSE_AGE_FRACTION * 70) + 1e-9


def test_progress_that_does_not_rise_is_no_prediction() -> None:
    flat = (ProgressSample(0.0, 40.0), ProgressSample(5.0, 40.0))
    assert ps.progress_rate(flat) is None
    assert ps.progress_rate((ProgressSample(0.0, 0.0), ProgressSample(5.0, 100.0))) is None


def test_error_backoff_grows_and_is_capped() -> None:
    inp = _inp()
    gaps = [ps.error_delay(n, inp, random.Random(1)) for n in range(1, 12)]
    assert gaps[0] <= ps.ERROR_BACKOFF_BASE_S
    assert gaps[4] > gaps[0]
    assert max(gaps) <= ps.ERROR_BACKOFF_CAP_S


def test_error_backoff_never_spaces_polls_wider_than_the_normal_cap() -> None:
    for kind, profile in ps.PROFILES.items():
        inp = ps.PollInput(now=100.0, age_s=100.0, polls_done=5, kind=kind)
        gaps = [ps.error_delay(n, inp, random.Random(n)) for n in range(1, 12)]
        assert max(gaps) <= profile.cap_s, kind
        assert max(gaps) >= profile.cap_s * (1 - ps.JITTER), kind  # and it gets there


def test_too_few_finished_tasks_teach_nothing() -> None:
    assert ps.prior_from_totals([30.0] * (ps.PRIOR_MIN_SAMPLES - 1)) is None
    prior = ps.prior_from_totals([float(x) for x in range(10, 110, 10)])
    assert prior is not None and (prior.p10_s, prior.median_s, prior.p90_s) == (20.0, 55.0, 90.0)


def test_a_learned_prior_polls_sparsely_before_its_window_and_densely_inside() -> None:
    prior = ps.DurationPrior(p10_s=200.0, median_s=240.0, p90_s=280.0, samples=20)
    early = _inp(now=1030.0, age_s=30, kind=MediaKind.VIDEO, created_at=1000.0, prior=prior)
    plain = ps.plain_gap(early)
    gap = ps.next_delay(early, random.Random(0))
    assert plain < gap <= plain * ps.HINT_STRETCH_MAX  # sparse, but bounded
    inside = _inp(now=1220.0, age_s=220, kind=MediaKind.VIDEO, created_at=1000.0, prior=prior)
    assert ps.next_delay(inside, RNG) <= ps.DENSE_AGE_FRACTION * 220 + 1e-9
    late = _inp(now=1400.0, age_s=400, kind=MediaKind.VIDEO, created_at=1000.0, prior=prior)
    assert ps.next_delay(late, RNG) <= ps.plain_gap(late)  # slower than usual: plain again


def test_a_learned_prior_saves_requests_on_a_task_of_usual_length() -> None:
    prior = ps.DurationPrior(p10_s=250.0, median_s=300.0, p90_s=350.0, samples=50)

    def polls(p: ps.DurationPrior | None) -> tuple[int, float]:
        t, n = 0.0, 0
        while t < 300.0:
            inp = _inp(now=t, age_s=t, polls_done=n, kind=MediaKind.VIDEO, created_at=0.0, prior=p)
            t += ps.next_delay(inp, random.Random(n))
            n += 1
        return n, t - 300.0

    cold, _ = polls(None)
    warm, warm_delay = polls(prior)
    assert warm < cold * 0.8
    assert warm_delay <= max(5.0, 0.2 * 300)
