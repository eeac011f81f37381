"""A burst of endings is one notification: the batching rules, on a clock the test moves."""

from __future__ import annotations

from notice_views import view

from taskmon.domain import State
from taskmon.service.notifications import Notice, NoticeBatcher, NoticeKind
from taskmon.service.notifications.rules import notice_for


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _notice(n: int, state: State = State.SUCCEEDED) -> Notice:
    kind = NoticeKind.SUCCEEDED if state is State.SUCCEEDED else NoticeKind.FAILED
    files = (f"/results/clip-{n}.png",) if state is State.SUCCEEDED else ()
    return notice_for(view(f"task-{n:02d}", state, label=f"clip {n}", outputs=1, files=files), kind)


def test_one_ending_is_announced_alone_once_two_quiet_seconds_passed() -> None:
    clock = Clock()
    batcher = NoticeBatcher(clock)
    batcher.add(_notice(1))
    clock.now += 1.9
    assert batcher.take_due() is None
    clock.now += 0.1
    announcement = batcher.take_due()
    assert announcement is not None and announcement.single is not None
    assert announcement.summary == "Finished: clip 1"
    notice = announcement.single
    assert announcement.body == f"{notice.provider}: image saved as clip-1.png"
    assert batcher.take_due() is None  # said once


def test_eight_endings_within_a_second_are_one_summary() -> None:
    clock = Clock()
    batcher = NoticeBatcher(clock)
    for n in range(8):
        batcher.add(_notice(n, State.FAILED if n == 3 else State.SUCCEEDED))
        clock.now += 0.12
    clock.now += 2.0
    announcement = batcher.take_due()
    assert announcement is not None
    assert announcement.summary == "8 tasks finished: 7 succeeded, 1 failed"
    assert len(announcement.keys) == 8
    assert announcement.body.splitlines()[:2] == ["clip 0 (succeeded)", "clip 1 (succeeded)"]
    assert announcement.body.splitlines()[-1] == "and 3 more"
    assert not announcement.replaces_previous
    assert batcher.take_due() is None


def test_endings_more_than_two_seconds_apart_are_announced_each() -> None:
    clock = Clock()
    batcher = NoticeBatcher(clock)
    batcher.add(_notice(1))
    clock.now += 2.5
    first = batcher.take_due()
    batcher.add(_notice(2))
    clock.now += 2.0
    second = batcher.take_due()
    assert first is not None and first.keys == (_notice(1).key,)
    assert second is not None and second.keys == (_notice(2).key,)
    assert not second.replaces_previous


def test_an_endless_burst_is_said_every_ten_seconds_replacing_its_last_summary() -> None:
    clock = Clock()
    batcher = NoticeBatcher(clock)
    announcements = []
    for n in range(30):  # one ending every half second for 15 s
        batcher.add(_notice(n))
        clock.now += 0.5
        if (due := batcher.take_due()) is not None:
            announcements.append(due)
    clock.now += 2.0
    if (last := batcher.take_due()) is not None:
        announcements.append(last)
    assert len(announcements) == 2
    interim, final = announcements
    assert interim.summary == "20 tasks finished: 20 succeeded"  # held 10 s at most
    assert not interim.replaces_previous
    assert final.summary == "30 tasks finished: 30 succeeded"  # the whole burst, in its place
    assert final.replaces_previous


def test_a_removed_task_is_never_announced() -> None:
    clock = Clock()
    batcher = NoticeBatcher(clock)
    batcher.add(_notice(1))
    batcher.add(_notice(2))
    batcher.discard(_notice(1).key)
    clock.now += 2.0
    announcement = batcher.take_due()
    assert announcement is not None and announcement.keys == (_notice(2).key,)


def test_nothing_is_said_of_the_task_the_user_is_looking_at() -> None:
    clock = Clock()
    batcher = NoticeBatcher(clock)
    batcher.add(_notice(1))
    clock.now += 2.0
    watched = _notice(1).key
    assert batcher.take_due(keep=lambda n: n.key != watched) is None
    assert batcher.due_at() is None  # dropped, not postponed


def test_results_at_risk_are_counted_apart_from_endings() -> None:
    clock = Clock()
    batcher = NoticeBatcher(clock)
    batcher.add(_notice(1))
    at_risk = view("task-09", State.SUCCEEDED, outputs=1, label="clip 9")
    batcher.add(notice_for(at_risk, NoticeKind.AT_RISK, "not saved, links expire in 30 min"))
    clock.now += 2.0
    announcement = batcher.take_due()
    assert announcement is not None
    assert announcement.summary == "1 task finished: 1 succeeded; 1 result at risk"


def test_a_task_that_ends_twice_in_one_burst_counts_once() -> None:
    clock = Clock()
    batcher = NoticeBatcher(clock)
    batcher.add(_notice(1, State.FAILED))
    batcher.add(_notice(1, State.SUCCEEDED))  # retried and found after all
    clock.now += 2.0
    announcement = batcher.take_due()
    assert announcement is not None and announcement.summary == "Finished: clip 1"
