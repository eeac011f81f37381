"""BytesPike: query by task_id or out_task_id, cancel, SSE stream, X-RateLimit-Reset."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from taskmon.domain.snapshot import Cost, MediaKind, Output, PollHints, Snapshot, State, TaskError
from taskmon.domain.task import TaskRef
from taskmon.providers.base import MalformedResponse, RequestSpec
from taskmon.providers.bytespike import BytesPike

from .examples import (
    BYTESPIKE_CANCELLED,
    BYTESPIKE_COMPLETED,
    BYTESPIKE_FAILED,
    BYTESPIKE_RUNNING,
    body,
)

bytespike = BytesPike()
TASK_ID = "task_01HQX9F2P6Y8VEX3CRZ8GXJVD9"
BY_ID = TaskRef("bytespike", TASK_ID)
BY_OUT_ID = TaskRef("bytespike", "my-job-42", by_out_task_id=True)


def parse(doc: Any) -> Snapshot:
    return bytespike.parse_status(body(doc))


def with_(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    updated = copy.deepcopy(doc)
    updated.update(changes)
    return updated


# --- status ------------------------------------------------------------------


def test_running_example_is_running_with_estimates() -> None:
    assert parse(BYTESPIKE_RUNNING) == Snapshot(
        state=State.RUNNING,
        raw_status="running",
        cost=Cost(estimated_credits=1.5),
        hints=PollHints(estimated_total_s=35.0),
        provider_task_id=TASK_ID,
        raw=BYTESPIKE_RUNNING,
    )


def test_completed_example_is_succeeded_with_a_video_and_credits_used() -> None:
    url = BYTESPIKE_COMPLETED["output"][0]["url"]
    assert parse(BYTESPIKE_COMPLETED) == Snapshot(
        state=State.SUCCEEDED,
        raw_status="completed",
        outputs=(Output(url=url, kind=MediaKind.VIDEO, duration_s=8.0),),
        cost=Cost(credits=1.47),
        media_kind=MediaKind.VIDEO,
        provider_task_id=TASK_ID,
        raw=BYTESPIKE_COMPLETED,
    )


def test_failed_example_is_failed_with_error_code_and_message() -> None:
    snapshot = parse(BYTESPIKE_FAILED)
    assert snapshot.state is State.FAILED
    assert snapshot.error == TaskError(
        message="The prompt was rejected by the safety filter", code="content_policy"
    )


def test_cancelled_example_is_cancelled_without_error_and_keeps_the_estimate() -> None:
    snapshot = parse(BYTESPIKE_CANCELLED)
    assert (snapshot.state, snapshot.error) == (State.CANCELLED, None)
    assert snapshot.cost == Cost(estimated_credits=1.5)


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        ("pending", State.QUEUED),
        ("running", State.RUNNING),
        ("completed", State.SUCCEEDED),
        ("failed", State.FAILED),
        ("cancelled", State.CANCELLED),
        (" Completed ", State.SUCCEEDED),
    ],
)
def test_documented_states_map_to_normalized_states(raw: str, state: State) -> None:
    assert parse(with_(BYTESPIKE_RUNNING, status=raw)).state is state


def test_unknown_status_has_no_normalized_state_but_keeps_the_raw_one() -> None:
    snapshot = parse(with_(BYTESPIKE_RUNNING, status="paused"))
    assert (snapshot.state, snapshot.raw_status) == (None, "paused")


def test_missing_status_is_malformed() -> None:
    with pytest.raises(MalformedResponse):
        parse({"task_id": TASK_ID})


def test_output_kind_falls_back_to_the_url_extension() -> None:
    doc = with_(BYTESPIKE_COMPLETED, output=[{"url": "https://cdn.bytespike.ai/x/1.webp"}])
    assert parse(doc).outputs[0].kind is MediaKind.IMAGE


def test_other_scalar_output_fields_are_kept_as_extra() -> None:
    item = {"type": "image", "url": "https://c/x.png", "width": 1024, "seed": "7", "tags": ["a"]}
    assert parse(with_(BYTESPIKE_COMPLETED, output=[item])).outputs[0].extra == {
        "width": 1024,
        "seed": "7",
    }


def test_output_items_without_a_string_url_are_dropped() -> None:
    output = [{"type": "video"}, {"url": 9}, "https://c/x.mp4", {"url": "https://c/y.mp4"}]
    assert [o.url for o in parse(with_(BYTESPIKE_COMPLETED, output=output)).outputs] == [
        "https://c/y.mp4"
    ]


def test_extra_fields_and_nulls_are_tolerated() -> None:
    doc = with_(BYTESPIKE_RUNNING, estimated_credits=None, output=None, brand_new={"a": [1]})
    snapshot = parse(doc)
    assert (snapshot.state, snapshot.cost, snapshot.outputs) == (State.RUNNING, Cost(), ())


def test_numbers_sent_as_strings_are_read() -> None:
    doc = with_(BYTESPIKE_RUNNING, estimated_credits="1.5", estimated_seconds="35")
    assert parse(doc).hints == PollHints(estimated_total_s=35.0)


def test_wrong_typed_fields_degrade_to_none() -> None:
    doc = with_(BYTESPIKE_RUNNING, estimated_credits=[1], estimated_seconds=True, task_id=5)
    snapshot = parse(doc)
    assert (snapshot.cost, snapshot.hints, snapshot.provider_task_id) == (Cost(), PollHints(), None)


# --- requests ----------------------------------------------------------------


def test_status_request_queries_by_task_id() -> None:
    assert bytespike.status_request(BY_ID) == RequestSpec(
        "POST", "/v1/tasks/query", json_body={"task_id": TASK_ID}
    )


def test_status_request_queries_by_out_task_id() -> None:
    assert bytespike.status_request(BY_OUT_ID) == RequestSpec(
        "POST", "/v1/tasks/query", json_body={"out_task_id": "my-job-42"}
    )


def test_out_task_id_lookup_is_supported() -> None:
    bytespike.validate_ref(BY_OUT_ID)  # no BadReference
    assert BytesPike.supports_out_task_id is True


def test_stream_request_uses_the_task_id() -> None:
    assert bytespike.stream_request(BY_ID, None) == RequestSpec(
        "GET", f"/v1/tasks/stream/{TASK_ID}"
    )


def test_stream_request_by_out_task_id_uses_the_provider_task_id() -> None:
    spec = bytespike.stream_request(BY_OUT_ID, TASK_ID)
    assert spec is not None
    assert spec.path == f"/v1/tasks/stream/{TASK_ID}"


def test_stream_request_by_out_task_id_is_none_until_the_task_id_is_known() -> None:
    assert bytespike.stream_request(BY_OUT_ID, None) is None


def test_stream_request_percent_encodes_a_hostile_id() -> None:
    spec = bytespike.stream_request(TaskRef("bytespike", "../x?y"), None)
    assert spec is not None
    assert spec.path == "/v1/tasks/stream/..%2Fx%3Fy"


def test_cancel_request_posts_to_the_task_path() -> None:
    assert bytespike.cancel_request(BY_ID, None) == RequestSpec(
        "POST", f"/v1/tasks/cancel/{TASK_ID}"
    )


def test_cancel_request_by_out_task_id_uses_the_task_id_once_known() -> None:
    assert bytespike.cancel_request(BY_OUT_ID, TASK_ID) == RequestSpec(
        "POST", f"/v1/tasks/cancel/{TASK_ID}"
    )


def test_cancel_request_by_out_task_id_alone_posts_it_in_the_body() -> None:
    assert bytespike.cancel_request(BY_OUT_ID, None) == RequestSpec(
        "POST", "/v1/tasks/cancel", json_body={"out_task_id": "my-job-42"}
    )


def test_cancel_request_percent_encodes_a_hostile_id() -> None:
    spec = bytespike.cancel_request(TaskRef("bytespike", "../x?y"), None)
    assert spec is not None
    assert spec.path == "/v1/tasks/cancel/..%2Fx%3Fy"


# --- stream events -----------------------------------------------------------


def test_stream_event_with_a_task_object_is_a_snapshot() -> None:
    snapshot = bytespike.parse_stream_event("update", json.dumps(BYTESPIKE_COMPLETED))
    assert snapshot is not None
    assert snapshot.state is State.SUCCEEDED
    assert snapshot.provider_task_id == TASK_ID


def test_stream_event_name_does_not_matter() -> None:
    assert bytespike.parse_stream_event("", json.dumps(BYTESPIKE_RUNNING)) is not None


@pytest.mark.parametrize(
    "data",
    [
        "",
        "ping",
        ": keep-alive",
        "{}",
        '{"type": "heartbeat"}',
        '{"status": "running"}',  # no task_id: not the task shape
        '{"task_id": "task_x"}',  # no status
        '{"task_id": "task_x", "status": 7}',
        "[1, 2]",
        "null",
        '{"status": "running", "task_id": ',
        "[" * 50_000,
    ],
)
def test_stream_events_without_a_task_object_are_ignored(data: str) -> None:
    assert bytespike.parse_stream_event("message", data) is None


# --- rate limit and errors ---------------------------------------------------


@pytest.mark.parametrize(
    ("reset", "expected"),
    [("1000030", 30.0), ("999990", 0.0), ("2000000", 3600.0), (" 1000000.5 ", 0.5)],
)
def test_rate_limit_reset_is_seconds_from_now_within_an_hour(reset: str, expected: float) -> None:
    headers = {"X-RateLimit-Reset": reset}
    assert bytespike.rate_limit_reset_s(headers, now_epoch_s=1_000_000.0) == expected


def test_rate_limit_reset_header_name_is_case_insensitive() -> None:
    headers = {"x-ratelimit-reset": "1000010"}
    assert bytespike.rate_limit_reset_s(headers, now_epoch_s=1_000_000.0) == 10.0


@pytest.mark.parametrize("headers", [{}, {"X-RateLimit-Reset": "soon"}, {"X-RateLimit-Reset": ""}])
def test_missing_or_junk_rate_limit_reset_is_none(headers: dict[str, str]) -> None:
    assert bytespike.rate_limit_reset_s(headers, now_epoch_s=1_000_000.0) is None


def test_error_body_reads_the_openai_style_envelope() -> None:
    problem = bytespike.parse_error(
        b'{"error": {"type": "rate_limit_error", "message": "Spend limit reached"}}'
    )
    assert (problem.message, problem.code) == ("Spend limit reached", "rate_limit_error")


def test_error_body_code_wins_over_the_type() -> None:
    problem = bytespike.parse_error(
        b'{"error": {"type": "not_found", "code": "task_not_found", "message": "No task"}}'
    )
    assert problem.code == "task_not_found"
