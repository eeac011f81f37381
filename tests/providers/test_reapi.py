"""reAPI: flat task, `*_urls` keys name the media kind, 5 s status cache."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from taskmon.domain.snapshot import MediaKind, Output, Snapshot, State, TaskError
from taskmon.domain.task import TaskRef
from taskmon.providers.base import MalformedResponse, RequestSpec
from taskmon.providers.reapi import ReApi

from .examples import REAPI_FAILED, REAPI_IMAGE, REAPI_PROCESSING, REAPI_VIDEO, body, utc

reapi = ReApi()
CDN = "https://cdn.reapi.ai/media/tasks/01k9s419324drezfbwnsvxyr6h"


def parse(doc: Any) -> Snapshot:
    return reapi.parse_status(body(doc))


def with_(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    updated = copy.deepcopy(doc)
    updated.update(changes)
    return updated


def test_image_example_is_succeeded_with_two_images() -> None:
    urls = REAPI_IMAGE["output"]["image_urls"]
    assert parse(REAPI_IMAGE) == Snapshot(
        state=State.SUCCEEDED,
        raw_status="completed",
        outputs=tuple(Output(url=url, kind=MediaKind.IMAGE) for url in urls),
        created_at=utc(1735000000),
        model="gpt-image-2",
        media_kind=MediaKind.IMAGE,
        raw=REAPI_IMAGE,
    )


def test_video_example_is_succeeded_with_one_video() -> None:
    assert parse(REAPI_VIDEO) == Snapshot(
        state=State.SUCCEEDED,
        raw_status="completed",
        outputs=(Output(url=f"{CDN}/0.mp4", kind=MediaKind.VIDEO),),
        created_at=utc(1762853430),
        model="doubao-seedance-2.0",
        media_kind=MediaKind.VIDEO,
        raw=REAPI_VIDEO,
    )


def test_failed_example_is_failed_with_the_workflow_code_as_a_string() -> None:
    snapshot = parse(REAPI_FAILED)
    assert (snapshot.state, snapshot.outputs) == (State.FAILED, ())
    assert snapshot.error == TaskError(message="Request violates content policy", code="80006")


def test_processing_is_running() -> None:
    snapshot = parse(REAPI_PROCESSING)
    assert (snapshot.state, snapshot.outputs, snapshot.media_kind) == (State.RUNNING, (), None)


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        ("processing", State.RUNNING),
        ("completed", State.SUCCEEDED),
        ("failed", State.FAILED),
        ("COMPLETED", State.SUCCEEDED),
    ],
)
def test_documented_states_map_to_normalized_states(raw: str, state: State) -> None:
    assert parse(with_(REAPI_PROCESSING, status=raw)).state is state


def test_unknown_status_has_no_normalized_state_but_keeps_the_raw_one() -> None:
    snapshot = parse(with_(REAPI_PROCESSING, status="queued_upstream"))
    assert (snapshot.state, snapshot.raw_status) == (None, "queued_upstream")


def test_missing_status_is_malformed() -> None:
    with pytest.raises(MalformedResponse):
        parse({"id": "task_x", "output": None})


def test_video_with_last_frame_url_carries_it_on_the_video_output() -> None:
    output = {"video_urls": [f"{CDN}/0.mp4"], "last_frame_url": f"{CDN}/last.png"}
    assert parse(with_(REAPI_VIDEO, output=output)).outputs == (
        Output(url=f"{CDN}/0.mp4", kind=MediaKind.VIDEO, last_frame_url=f"{CDN}/last.png"),
    )


def test_last_frame_url_without_a_video_is_not_an_output() -> None:
    output = {"image_urls": [f"{CDN}/0.png"], "last_frame_url": f"{CDN}/last.png"}
    outputs = parse(with_(REAPI_VIDEO, output=output)).outputs
    assert [(o.url, o.last_frame_url) for o in outputs] == [(f"{CDN}/0.png", None)]


def test_audio_urls_make_an_audio_task() -> None:
    snapshot = parse(with_(REAPI_VIDEO, output={"audio_urls": [f"{CDN}/0.mp3"]}))
    assert snapshot.media_kind is MediaKind.AUDIO
    assert snapshot.outputs == (Output(url=f"{CDN}/0.mp3", kind=MediaKind.AUDIO),)


def test_the_urls_key_names_the_kind_even_without_an_extension() -> None:
    snapshot = parse(with_(REAPI_VIDEO, output={"audio_urls": [f"{CDN}/0"]}))
    assert snapshot.outputs[0].kind is MediaKind.AUDIO


def test_an_empty_urls_list_still_names_the_media_kind() -> None:
    assert parse(with_(REAPI_VIDEO, output={"video_urls": []})).media_kind is MediaKind.VIDEO


def test_non_string_urls_are_dropped() -> None:
    output = {"image_urls": [None, 4, "", {"url": "x"}, f"{CDN}/0.png"]}
    assert [o.url for o in parse(with_(REAPI_IMAGE, output=output)).outputs] == [f"{CDN}/0.png"]


def test_extra_fields_and_nulls_are_tolerated() -> None:
    doc = with_(REAPI_IMAGE, model=None, created_at=None, error=None, usage={"credits": 3})
    snapshot = parse(doc)
    assert (snapshot.state, snapshot.model, snapshot.created_at) == (State.SUCCEEDED, None, None)
    assert len(snapshot.outputs) == 2


def test_wrong_typed_fields_degrade_to_none() -> None:
    doc = with_(REAPI_FAILED, output="none", error=[80006], created_at="now", model=1)
    snapshot = parse(doc)
    assert snapshot.state is State.FAILED
    assert (snapshot.outputs, snapshot.error, snapshot.created_at, snapshot.model) == (
        (),
        None,
        None,
        None,
    )


def test_status_request_is_get_on_the_task_path() -> None:
    ref = TaskRef("reapi", "task_01k9s419324drezfbwnsvxyr6h")
    assert reapi.status_request(ref) == RequestSpec(
        "GET", "/api/v1/tasks/task_01k9s419324drezfbwnsvxyr6h"
    )


def test_status_request_percent_encodes_a_hostile_id() -> None:
    assert reapi.status_request(TaskRef("reapi", "../x?y")).path == "/api/v1/tasks/..%2Fx%3Fy"


def test_polls_no_faster_than_the_five_second_status_cache() -> None:
    assert ReApi.min_poll_interval_s == 5.0


def test_403_is_an_access_error_not_a_lost_task() -> None:
    assert ReApi.forbidden_means_lost is False


def test_error_body_reads_the_numeric_code_and_message() -> None:
    problem = reapi.parse_error(
        b'{"error": {"code": 50001, "message": "Rate limit exceeded", "request_id": "r1"}}'
    )
    assert (problem.message, problem.code) == ("Rate limit exceeded", "50001")
