"""Apixo: `{code, message, data}` envelope, millisecond times, resultJson decoded twice."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from taskmon.domain.snapshot import Cost, MediaKind, Output, Snapshot, State, TaskError
from taskmon.domain.task import TaskRef
from taskmon.providers.apixo import Apixo
from taskmon.providers.base import ApiError, BadReference, MalformedResponse, RequestSpec

from .examples import APIXO_FAILED, APIXO_PROCESSING, APIXO_SUCCESS, body, utc

apixo = Apixo()


def parse(doc: Any) -> Snapshot:
    return apixo.parse_status(body(doc))


def with_data(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    updated = copy.deepcopy(doc)
    updated["data"].update(changes)
    return updated


def test_processing_example_is_running_since_its_creation() -> None:
    assert parse(APIXO_PROCESSING) == Snapshot(
        state=State.RUNNING,
        raw_status="processing",
        created_at=utc(1704067200),
        raw=APIXO_PROCESSING,
    )


def test_success_example_is_succeeded_with_the_urls_from_result_json() -> None:
    assert parse(APIXO_SUCCESS) == Snapshot(
        state=State.SUCCEEDED,
        raw_status="success",
        outputs=(Output(url="https://cdn.apixo.ai/output/abc123.jpg", kind=MediaKind.IMAGE),),
        cost=Cost(processing_s=12.5),
        created_at=utc(1704067200),
        completed_at=utc(1704067212.5),
        media_kind=MediaKind.IMAGE,
        raw=APIXO_SUCCESS,
    )


def test_failed_example_is_failed_with_fail_code_and_message() -> None:
    snapshot = parse(APIXO_FAILED)
    assert snapshot.state is State.FAILED
    assert snapshot.error == TaskError(
        message="Content violates usage policy", code="CONTENT_VIOLATION"
    )
    assert snapshot.completed_at == utc(1704067205)
    assert snapshot.cost == Cost()  # the failed example has no costTime


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        ("pending", State.QUEUED),
        ("processing", State.RUNNING),
        ("success", State.SUCCEEDED),
        ("failed", State.FAILED),
        ("FAILED", State.FAILED),
    ],
)
def test_documented_states_map_to_normalized_states(raw: str, state: State) -> None:
    assert parse(with_data(APIXO_FAILED, state=raw)).state is state


def test_unknown_state_has_no_normalized_state_but_keeps_the_raw_one() -> None:
    snapshot = parse(with_data(APIXO_PROCESSING, state="moderating"))
    assert (snapshot.state, snapshot.raw_status) == (None, "moderating")


def test_missing_state_is_malformed() -> None:
    doc = copy.deepcopy(APIXO_PROCESSING)
    del doc["data"]["state"]
    with pytest.raises(MalformedResponse):
        parse(doc)


def test_times_are_unix_milliseconds_as_aware_utc() -> None:
    created = parse(APIXO_PROCESSING).created_at
    assert created is not None
    assert created.isoformat() == "2024-01-01T00:00:00+00:00"


def test_several_result_urls_become_several_outputs() -> None:
    result_json = (
        '{"resultUrls":["https://cdn.apixo.ai/output/a.jpg","https://cdn.apixo.ai/output/b.mp4"]}'
    )
    snapshot = parse(with_data(APIXO_SUCCESS, resultJson=result_json))
    assert [(o.url, o.kind) for o in snapshot.outputs] == [
        ("https://cdn.apixo.ai/output/a.jpg", MediaKind.IMAGE),
        ("https://cdn.apixo.ai/output/b.mp4", MediaKind.VIDEO),
    ]


def test_malformed_result_json_keeps_success_and_reports_the_problem() -> None:
    snapshot = parse(with_data(APIXO_SUCCESS, resultJson='{"resultUrls": ["https://cdn'))
    assert snapshot.state is State.SUCCEEDED
    assert snapshot.outputs == ()
    assert snapshot.error is not None
    assert snapshot.error.code == "malformed_result"


@pytest.mark.parametrize("result_json", ["null", "[1, 2]", '{"urls": []}', '"just text"'])
def test_result_json_of_the_wrong_shape_is_a_malformed_result(result_json: str) -> None:
    snapshot = parse(with_data(APIXO_SUCCESS, resultJson=result_json))
    assert snapshot.state is State.SUCCEEDED
    assert snapshot.error is not None
    assert snapshot.error.code == "malformed_result"


def test_success_without_result_json_is_a_malformed_result() -> None:
    doc = copy.deepcopy(APIXO_SUCCESS)
    del doc["data"]["resultJson"]
    error = parse(doc).error
    assert error is not None
    assert error.code == "malformed_result"


def test_result_json_already_decoded_as_an_object_is_accepted() -> None:
    doc = with_data(APIXO_SUCCESS, resultJson={"resultUrls": ["https://cdn.apixo.ai/o/x.png"]})
    snapshot = parse(doc)
    assert [o.url for o in snapshot.outputs] == ["https://cdn.apixo.ai/o/x.png"]
    assert snapshot.error is None


def test_non_string_result_urls_are_dropped() -> None:
    doc = with_data(APIXO_SUCCESS, resultJson='{"resultUrls": [null, 3, "", "https://c/x.png"]}')
    assert [o.url for o in parse(doc).outputs] == ["https://c/x.png"]


def test_junk_result_json_while_processing_is_not_an_error() -> None:
    assert parse(with_data(APIXO_PROCESSING, resultJson="{oops")).error is None


def test_envelope_error_code_in_a_2xx_body_is_an_api_error() -> None:
    with pytest.raises(ApiError) as raised:
        parse({"code": 404, "message": "Task not found", "data": None})
    assert raised.value.status == 404
    assert raised.value.message == "Task not found"


def test_envelope_error_message_includes_the_data_detail() -> None:
    with pytest.raises(ApiError) as raised:
        parse({"code": 400, "message": "Invalid request", "data": {"error": "taskId missing"}})
    assert raised.value.message == "Invalid request: taskId missing"


def test_code_200_without_data_is_malformed() -> None:
    with pytest.raises(MalformedResponse):
        parse({"code": 200, "message": "success"})


def test_extra_fields_and_nulls_are_tolerated() -> None:
    doc = with_data(APIXO_SUCCESS, costTime=None, completeTime=None, shiny="new")
    doc["trace"] = {"id": 1}
    snapshot = parse(doc)
    assert snapshot.state is State.SUCCEEDED
    assert (snapshot.cost, snapshot.completed_at) == (Cost(), None)


def test_wrong_typed_fields_degrade_to_none() -> None:
    doc = with_data(APIXO_FAILED, createTime="soon", failCode=["x"], failMsg=42)
    snapshot = parse(doc)
    assert snapshot.state is State.FAILED
    assert (snapshot.created_at, snapshot.error) == (None, None)


def test_numeric_fail_code_becomes_a_string() -> None:
    doc = with_data(APIXO_FAILED, failCode=501)
    assert parse(doc).error == TaskError(message="Content violates usage policy", code="501")


def test_status_request_names_the_model_and_passes_the_task_id_as_a_parameter() -> None:
    ref = TaskRef("apixo", "task_abc123", model="nano-banana")
    assert apixo.status_request(ref) == RequestSpec(
        "GET", "/api/v1/statusTask/nano-banana", params={"taskId": "task_abc123"}
    )


def test_status_request_percent_encodes_a_hostile_model_and_passes_the_id_unchanged() -> None:
    spec = apixo.status_request(TaskRef("apixo", "../x?y", model="../m?n"))
    assert spec.path == "/api/v1/statusTask/..%2Fm%3Fn"
    assert spec.params == {"taskId": "../x?y"}


@pytest.mark.parametrize("model", [None, "", "  "])
def test_status_request_without_a_model_is_a_bad_reference(model: str | None) -> None:
    with pytest.raises(BadReference):
        apixo.status_request(TaskRef("apixo", "task_abc123", model=model))


def test_result_urls_are_documented_to_expire_after_a_day() -> None:
    assert Apixo.result_url_ttl_s == 86_400


def test_403_is_an_access_error_not_a_lost_task() -> None:
    assert Apixo.forbidden_means_lost is False


def test_error_body_reads_code_message_and_detail() -> None:
    problem = apixo.parse_error(
        b'{"code": 400, "message": "Invalid request", "data": {"error": "bad model"}}'
    )
    assert (problem.message, problem.code) == ("Invalid request: bad model", "400")


def test_error_body_from_a_failed_login_is_read() -> None:
    problem = apixo.parse_error(b'{"code": 401, "message": "Invalid API key"}')
    assert (problem.message, problem.code) == ("Invalid API key", "401")
