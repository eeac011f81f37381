"""A host's run of failures, its parked tasks and its probe: pure logic, no I/O."""

from __future__ import annotations

import random
from datetime import datetime

from taskmon.tracking.pacing.host_health import HostHealth, HostHealthSettings

SETTINGS = HostHealthSettings(unwell_after=3, probe_base_s=1.0, probe_cap_s=8.0, wake_spread_s=1.0)
T_1402 = datetime(2026, 12, 6, 14, 2, 30).timestamp()  # local time


def _host(clock: float = T_1402) -> HostHealth:
    return HostHealth("http://127.0.0.1:1", SETTINGS, clock=lambda: clock, rng=random.Random(3))


def test_three_failures_in_a_row_across_tasks_make_the_host_unwell() -> None:
    host = _host()
    assert not host.failed("a")
    assert not host.failed("b")
    assert host.failed("a")
    assert host.unwell and host.probe_key == "a"
    assert host.holds("b") and not host.holds("a")


def test_an_answer_in_between_starts_the_count_again() -> None:
    host = _host()
    host.failed("a")
    host.failed("b")
    assert host.answered() == []
    assert not host.failed("c")
    assert not host.failed("a")
    assert not host.unwell


def test_one_task_failing_alone_on_a_busy_host_leaves_the_host_well() -> None:
    host = _host()
    for _ in range(10):
        assert not host.failed("broken", alone=lambda: False)
    assert not host.unwell and not host.holds("other")


def test_the_host_s_only_task_failing_makes_the_host_unwell() -> None:
    host = _host()
    assert not host.failed("only", alone=lambda: True)
    assert not host.failed("only", alone=lambda: True)
    assert host.failed("only", alone=lambda: True)
    assert host.probe_key == "only"


def test_probes_back_off_by_doubling_and_never_exceed_the_cap() -> None:
    host = _host()
    for key in "abc":
        host.failed(key)
    gaps = [host.next_probe_delay() for _ in range(10)]
    for gap, plain in zip(gaps, (1.0, 2.0, 4.0, 8.0, 8.0, 8.0), strict=False):
        assert plain * 0.8 <= gap <= plain  # jitter only downwards
    assert max(gaps) <= SETTINGS.probe_cap_s


def test_the_first_answer_wakes_every_parked_task_spread_over_a_second() -> None:
    host = _host()
    for key in "abc":
        host.failed(key)
    parked = [f"t{i}" for i in range(20)]
    for key in parked:
        assert not host.park(key)
    woken = host.answered()
    assert [key for key, _ in woken] == parked
    delays = [delay for _, delay in woken]
    assert all(0.0 <= d <= SETTINGS.wake_spread_s for d in delays)
    assert delays == sorted(delays)  # evenly spread, in parking order
    assert not host.unwell and not host.holds("t0") and host.parked() == []


def test_the_problem_says_since_when_in_local_time() -> None:
    host = _host()
    for key in "abc":
        host.failed(key)
    assert host.problem() == "host unreachable since 14:02, retrying"


def test_when_the_probe_leaves_a_parked_task_takes_over() -> None:
    host = _host()
    for key in "abc":
        host.failed(key)
    assert host.probe_key == "c"  # the task whose failure tipped the host
    host.park("a")
    host.park("b")
    assert host.release("a") is None  # not the probe: it just stops waiting
    assert host.release("c") == "b"
    assert host.probe_key == "b" and host.parked() == []


def test_a_task_parked_when_no_probe_is_left_becomes_the_probe() -> None:
    host = _host()
    for key in "abc":
        host.failed(key)
    assert host.release("c") is None
    assert host.release("a") is None  # nobody left to probe
    assert host.park("new")
    assert host.probe_key == "new" and not host.holds("new")
