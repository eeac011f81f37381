"""Which endings are news: seen ending in this run, files in, wanted by the settings."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from notice_views import T0, event, view

from taskmon.domain import State
from taskmon.service.notifications import NoticeKind, NoticeRules, NotifySettings
from taskmon.tracking import TaskRemoved


def _rules(settings: NotifySettings | None = None) -> NoticeRules:
    return NoticeRules(lambda: settings or NotifySettings())


def test_a_success_is_news_once_its_files_are_in() -> None:
    rules = _rules()
    assert rules.on_event(event(view(state=State.RUNNING), first=True)) is None
    fetching = view(state=State.SUCCEEDED, outputs=1, downloads_pending=True)
    assert rules.on_event(event(fetching)) is None
    saved = view(state=State.SUCCEEDED, outputs=1, files=("/results/cat.png",), label="cat")
    notice = rules.on_event(event(saved, changed=False))
    assert notice is not None
    assert (notice.kind, notice.name, notice.files) == (
        NoticeKind.SUCCEEDED,
        "cat",
        ("/results/cat.png",),
    )
    assert notice.detail == "image saved as cat.png"
    assert rules.on_event(event(saved, changed=False)) is None  # said once


def test_a_task_first_seen_ended_or_resumed_ended_is_not_news() -> None:
    rules = _rules()
    assert rules.on_event(event(view(state=State.SUCCEEDED), first=True)) is None
    assert rules.on_event(event(view(state=State.SUCCEEDED), changed=False)) is None


def test_failed_and_lost_are_one_kind_and_cancelled_is_not_news() -> None:
    rules = _rules()
    failed = rules.on_event(event(view("a", State.FAILED)))
    lost = rules.on_event(event(view("b", State.LOST)))
    assert failed is not None and failed.kind is NoticeKind.FAILED
    assert failed.detail == "the prompt was refused"
    assert lost is not None and lost.kind is NoticeKind.FAILED and lost.outcome == "lost"
    assert rules.on_event(event(view("c", State.CANCELLED))) is None


def test_a_result_that_could_not_be_saved_is_at_risk() -> None:
    rules = _rules()
    broken = view(
        state=State.SUCCEEDED, outputs=1, download_failed=True, problem="disk full"
    )
    notice = rules.on_event(event(broken))
    assert notice is not None and notice.kind is NoticeKind.AT_RISK
    assert notice.detail == "the result could not be saved: disk full"


def test_settings_switch_kinds_off_and_mute_providers() -> None:
    quiet = _rules(NotifySettings(succeeded=False))
    assert quiet.on_event(event(view(state=State.SUCCEEDED))) is None
    assert quiet.on_event(event(view("x", State.FAILED))) is not None
    task = view("y", State.FAILED)
    muted = _rules(NotifySettings(muted_providers=frozenset({task.ref.provider})))
    assert muted.on_event(event(task)) is None


def test_a_task_removed_before_its_files_came_is_not_news() -> None:
    rules = _rules()
    rules.on_event(event(view(state=State.SUCCEEDED, outputs=1, downloads_pending=True)))
    rules.on_event(TaskRemoved(view().key))
    done = view(state=State.SUCCEEDED, outputs=1, files=("/r/a.png",))
    assert rules.on_event(event(done, changed=False)) is None


def test_unsaved_links_that_expire_within_the_hour_are_at_risk_once() -> None:
    rules = _rules()
    soon = view("soon", State.SUCCEEDED, outputs=1)
    later = view("later", State.SUCCEEDED, outputs=1)
    saved = view("saved", State.SUCCEEDED, outputs=1, files=("/r/s.png",))
    expires = T0 + timedelta(minutes=40)
    stamp = f"?Expires={int(expires.timestamp())}"
    soon = dataclasses.replace(
        soon, outputs=(dataclasses.replace(soon.outputs[0], url=soon.outputs[0].url + stamp),)
    )
    far = f"?Expires={int((T0 + timedelta(hours=5)).timestamp())}"
    later = dataclasses.replace(
        later, outputs=(dataclasses.replace(later.outputs[0], url=later.outputs[0].url + far),)
    )
    notices = rules.expiring([soon, later, saved], T0)
    assert [(n.key, n.kind) for n in notices] == [(soon.key, NoticeKind.AT_RISK)]
    assert notices[0].detail == "not saved, and its links expire in 40 min"
    assert rules.expiring([soon], T0 + timedelta(minutes=1)) == []
