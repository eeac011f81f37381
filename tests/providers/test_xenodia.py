"""Xenodia: flat task object, Unix-second times, `{}` result/error until terminal."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from taskmon.domain.snapshot import Cost, MediaKind, Output, PollHints, Snapshot, State, TaskError
from taskmon.domain.task import TaskRef
from taskmon.providers.base import MalformedResponse, RequestSpec
from taskmon.providers.xenodia import Xenodia

from .examples import XENODIA_FAILURE, XENODIA_PROCESSING, XENODIA_SUCCESS, body, utc

xenodia = Xenodia()


def parse(doc: Any) -> Snapshot:
    return xenodia.parse_status(body(doc))


def with_(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    updated = copy.deepcopy(doc)
    updated.update(changes)
    return updated


VIDEO_SUCCESS = with_(
    XENODIA_FAILURE,
    state="success",
    error={},
    result={
        "data": [{"url": "https://cdn.example.com/v.mp4"}],
        "origin_data": [{"url": "https://upstream.example.com/v.mp4"}],
        "full_result_data": {"url": "https://upstream.example.com/full.mp4"},
        "resolution": "720p",
    },
)


def test_processing_example_is_running_with_progress_and_times() -> None:
    assert parse(XENODIA_PROCESSING) == Snapshot(
        state=State.RUNNING,
        raw_status="generating",
        progress=42.0,
        created_at=utc(1760000000),
        updated_at=utc(1760000030),
        model="veo3_fast",
        media_kind=MediaKind.VIDEO,
        request={"prompt": "A cinematic close-up of a developer dashboard.", "resolution": "720p"},
        raw=XENODIA_PROCESSING,
    )


def test_success_example_is_succeeded_with_image_and_committed_cost() -> None:
    assert parse(XENODIA_SUCCESS) == Snapshot(
        state=State.SUCCEEDED,
        raw_status="success",
        progress=100.0,
        outputs=(Output(url="https://cdn.example.com/generated.png", kind=MediaKind.IMAGE),),
        cost=Cost(micro_usdc=100000),
        created_at=utc(1760000000),
        updated_at=utc(1760000100),
        completed_at=utc(1760000100),
        model="nano-banana-pro",
        media_kind=MediaKind.IMAGE,
        request={
            "prompt": "A clean product render",
            "n": 1,
            "response_format": "url",
            "aspect_ratio": "16:9",
            "resolution": "2K",
        },
        raw=XENODIA_SUCCESS,
    )


def test_the_echoed_request_is_bounded_and_keeps_only_scalars() -> None:
    hostile = {
        "prompt": "line one\nline two\x1b[2J " + "x" * 10_000,
        "nested": {"deep": 1},
        "sizes": ["1K", 2, True],
        **{f"k{i}": i for i in range(100)},
    }
    snapshot = parse(with_(XENODIA_SUCCESS, request=hostile))
    assert snapshot.request is not None
    assert len(snapshot.request) <= 32
    assert "nested" not in snapshot.request
    assert snapshot.request["sizes"] == ["1K", 2, True]
    prompt = snapshot.request["prompt"]
    assert prompt.startswith("line one line two") and "\x1b" not in prompt
    assert len(prompt) <= 4000
    assert snapshot.request == xenodia.request_echo(with_(XENODIA_SUCCESS, request=hostile))


def test_no_request_object_echoes_nothing() -> None:
    doc = with_(XENODIA_SUCCESS)
    del doc["request"]
    assert parse(doc).request is None
    assert xenodia.request_echo("not a payload") is None


def test_failure_example_is_failed_with_the_upstream_message() -> None:
    snapshot = parse(XENODIA_FAILURE)
    assert snapshot.state is State.FAILED
    assert snapshot.error == TaskError(message="upstream task failed")
    assert snapshot.outputs == ()
    assert snapshot.completed_at == utc(1760000100)


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        ("waiting", State.QUEUED),
        ("queuing", State.QUEUED),
        ("generating", State.RUNNING),
        ("success", State.SUCCEEDED),
        ("fail", State.FAILED),
    ],
)
def test_documented_states_map_to_normalized_states(raw: str, state: State) -> None:
    assert parse(with_(XENODIA_PROCESSING, state=raw)).state is state


def test_state_matching_ignores_case_and_surrounding_space() -> None:
    snapshot = parse(with_(XENODIA_PROCESSING, state="  Generating "))
    assert snapshot.state is State.RUNNING


def test_unknown_state_has_no_normalized_state_but_keeps_the_raw_one() -> None:
    snapshot = parse(with_(XENODIA_PROCESSING, state="post_processing"))
    assert snapshot.state is None
    assert snapshot.raw_status == "post_processing"


def test_missing_state_is_malformed() -> None:
    doc = with_(XENODIA_PROCESSING)
    del doc["state"]
    with pytest.raises(MalformedResponse):
        parse(doc)


def test_non_string_state_is_malformed() -> None:
    with pytest.raises(MalformedResponse):
        parse(with_(XENODIA_PROCESSING, state=3))


def test_empty_error_object_means_no_error() -> None:
    assert parse(with_(XENODIA_SUCCESS, error={})).error is None


def test_error_given_as_a_bare_string_is_still_shown() -> None:
    assert parse(with_(XENODIA_FAILURE, error="boom")).error == TaskError(message="boom")


def test_error_code_is_kept_as_a_string() -> None:
    snapshot = parse(with_(XENODIA_FAILURE, error={"message": "no", "code": 451}))
    assert snapshot.error == TaskError(message="no", code="451")


def test_video_result_prefers_data_over_the_upstream_copies() -> None:
    snapshot = parse(VIDEO_SUCCESS)
    assert [o.url for o in snapshot.outputs] == ["https://cdn.example.com/v.mp4"]
    assert snapshot.outputs[0].kind is MediaKind.VIDEO


def test_video_result_falls_back_to_origin_and_full_result_data_without_duplicates() -> None:
    result = {
        "data": [{"url": None}],
        "origin_data": [{"url": "https://u.example/a.mp4"}, "https://u.example/b.mp4"],
        "full_result_data": [{"url": "https://u.example/a.mp4"}],
    }
    snapshot = parse(with_(VIDEO_SUCCESS, result=result))
    assert [o.url for o in snapshot.outputs] == [
        "https://u.example/a.mp4",
        "https://u.example/b.mp4",
    ]


def test_duplicate_urls_in_data_are_listed_once() -> None:
    result = {"data": [{"url": "https://c.example/x.png"}, {"url": "https://c.example/x.png"}]}
    assert len(parse(with_(XENODIA_SUCCESS, result=result)).outputs) == 1


def test_result_resolution_is_attached_to_each_output() -> None:
    assert parse(VIDEO_SUCCESS).outputs[0].resolution == "720p"


def test_other_scalar_fields_of_a_result_item_are_kept_as_extra() -> None:
    result = {"data": [{"url": "https://c.example/x.png", "revised_prompt": "p", "meta": {"a": 1}}]}
    assert parse(with_(XENODIA_SUCCESS, result=result)).outputs[0].extra == {"revised_prompt": "p"}


def test_non_string_and_empty_urls_are_dropped() -> None:
    result = {"data": [{"url": 5}, {"url": ""}, {"url": "  "}, {}, 7, {"url": "https://ok/x.png"}]}
    assert [o.url for o in parse(with_(XENODIA_SUCCESS, result=result)).outputs] == [
        "https://ok/x.png"
    ]


def test_output_list_is_capped_at_one_hundred() -> None:
    result = {"data": [{"url": f"https://c.example/{i}.png"} for i in range(500)]}
    assert len(parse(with_(XENODIA_SUCCESS, result=result)).outputs) == 100


def test_billing_reservation_stands_in_until_the_actual_amount_is_known() -> None:
    doc = with_(XENODIA_PROCESSING, billing={"reserve_amount_micro_usdc": 250000})
    assert parse(doc).cost == Cost(micro_usdc=250000)


def test_actual_billing_wins_over_the_reservation() -> None:
    billing = {"reserve_amount_micro_usdc": 250000, "actual_amount_micro_usdc": "120000"}
    assert parse(with_(XENODIA_SUCCESS, billing=billing)).cost == Cost(micro_usdc=120000)


def test_poll_hints_come_from_recommended_interval_and_eta() -> None:
    doc = with_(XENODIA_PROCESSING, recommended_poll_interval_ms=2500, eta_hint_seconds=90)
    assert parse(doc).hints == PollHints(min_interval_s=2.5, estimated_total_s=90.0)


def test_non_positive_poll_hints_are_ignored() -> None:
    doc = with_(XENODIA_PROCESSING, recommended_poll_interval_ms=0, eta_hint_seconds=-5)
    assert parse(doc).hints == PollHints()


def test_times_are_unix_seconds_as_aware_utc() -> None:
    created = parse(XENODIA_PROCESSING).created_at
    assert created is not None
    assert created.utcoffset() is not None
    assert created.isoformat() == "2025-10-09T08:53:20+00:00"


def test_progress_is_clamped_to_0_100() -> None:
    assert parse(with_(XENODIA_PROCESSING, progress=140)).progress == 100.0
    assert parse(with_(XENODIA_PROCESSING, progress=-3)).progress == 0.0


def test_extra_fields_are_ignored() -> None:
    doc = with_(XENODIA_SUCCESS, webhook_delivery={"x": 1}, brand_new_field=[1, 2])
    assert parse(doc).outputs == parse(XENODIA_SUCCESS).outputs


def test_null_optional_fields_are_tolerated() -> None:
    nulls = dict.fromkeys(("model", "type", "result", "error", "progress", "billing"))
    snapshot = parse(with_(XENODIA_SUCCESS, **nulls, created_at=None, completed_at=None))
    assert snapshot.state is State.SUCCEEDED
    assert snapshot.outputs == ()
    assert snapshot.progress is None
    assert snapshot.created_at is None


def test_a_body_with_only_the_state_is_enough() -> None:
    assert parse({"state": "waiting"}) == Snapshot(
        state=State.QUEUED, raw_status="waiting", raw={"state": "waiting"}
    )


def test_wrong_typed_fields_degrade_to_none() -> None:
    doc = with_(
        XENODIA_PROCESSING,
        progress="lots",
        created_at="yesterday",
        result=[1, 2],
        billing="free",
        type=7,
        model={"name": "x"},
    )
    snapshot = parse(doc)
    assert snapshot.state is State.RUNNING
    assert (snapshot.progress, snapshot.created_at, snapshot.model, snapshot.media_kind) == (
        None,
        None,
        None,
        None,
    )


def test_status_request_is_get_on_the_task_path() -> None:
    assert xenodia.status_request(TaskRef("xenodia", "task_123")) == RequestSpec(
        "GET", "/v1/tasks/task_123"
    )


def test_status_request_percent_encodes_a_hostile_id() -> None:
    spec = xenodia.status_request(TaskRef("xenodia", "../x?y"))
    assert spec.path == "/v1/tasks/..%2Fx%3Fy"


def test_403_means_the_task_is_lost() -> None:
    assert Xenodia.forbidden_means_lost is True


def test_error_body_slug_and_message_are_read() -> None:
    problem = xenodia.parse_error(
        b'{"error": "bad_request", "message": "prompt is required", "type": "invalid_request"}'
    )
    assert (problem.message, problem.code) == ("prompt is required", "bad_request")


def test_error_body_code_wins_over_the_slug() -> None:
    problem = xenodia.parse_error(b'{"error": "forbidden", "message": "m", "code": "group_denied"}')
    assert problem.code == "group_denied"
