"""Vidgo: `{code, data}` envelope, zone-less ISO creation time, typed files."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from taskmon.domain.snapshot import MediaKind, Output, Snapshot, State, TaskError
from taskmon.domain.task import TaskRef
from taskmon.providers.base import ApiError, MalformedResponse, RequestSpec
from taskmon.providers.vidgo import Vidgo

from .examples import (
    VIDGO_FAILED,
    VIDGO_FINISHED_IMAGE,
    VIDGO_FINISHED_VIDEO,
    VIDGO_NOT_STARTED,
    VIDGO_RUNNING,
    body,
)

vidgo = Vidgo()


def parse(doc: Any) -> Snapshot:
    return vidgo.parse_status(body(doc))


def with_data(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    updated = copy.deepcopy(doc)
    updated["data"].update(changes)
    return updated


CREATED = parse(VIDGO_RUNNING).created_at


def test_finished_image_example_is_succeeded_with_its_file() -> None:
    assert parse(VIDGO_FINISHED_IMAGE) == Snapshot(
        state=State.SUCCEEDED,
        raw_status="finished",
        progress=100.0,
        outputs=(
            Output(url="https://storage.vidgo.ai/generated/image-abc123.jpg", kind=MediaKind.IMAGE),
        ),
        created_at=CREATED,
        media_kind=MediaKind.IMAGE,
        raw=VIDGO_FINISHED_IMAGE,
    )


def test_finished_video_example_is_a_video() -> None:
    snapshot = parse(VIDGO_FINISHED_VIDEO)
    assert snapshot.media_kind is MediaKind.VIDEO
    assert [o.kind for o in snapshot.outputs] == [MediaKind.VIDEO]


def test_failed_example_is_failed_with_its_message_and_no_files() -> None:
    snapshot = parse(VIDGO_FAILED)
    assert (snapshot.state, snapshot.outputs, snapshot.progress) == (State.FAILED, (), 0.0)
    assert snapshot.error == TaskError(message="Content violates our usage policy")


def test_not_started_example_is_queued() -> None:
    assert parse(VIDGO_NOT_STARTED).state is State.QUEUED


def test_running_example_is_running_with_progress() -> None:
    snapshot = parse(VIDGO_RUNNING)
    assert (snapshot.state, snapshot.progress, snapshot.error) == (State.RUNNING, 45.0, None)


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        ("not_started", State.QUEUED),
        ("running", State.RUNNING),
        ("finished", State.SUCCEEDED),
        ("failed", State.FAILED),
        ("Finished", State.SUCCEEDED),
    ],
)
def test_documented_states_map_to_normalized_states(raw: str, state: State) -> None:
    assert parse(with_data(VIDGO_RUNNING, status=raw)).state is state


def test_unknown_status_has_no_normalized_state_but_keeps_the_raw_one() -> None:
    snapshot = parse(with_data(VIDGO_RUNNING, status="uploading"))
    assert (snapshot.state, snapshot.raw_status) == (None, "uploading")


def test_missing_status_is_malformed() -> None:
    doc = copy.deepcopy(VIDGO_RUNNING)
    del doc["data"]["status"]
    with pytest.raises(MalformedResponse):
        parse(doc)


def test_zone_less_created_time_is_read_as_aware_utc() -> None:
    assert CREATED is not None
    assert CREATED.isoformat() == "2025-11-12T10:30:00+00:00"


def test_created_time_with_an_offset_is_converted_to_utc() -> None:
    created = parse(with_data(VIDGO_RUNNING, created_time="2025-11-12T18:30:00+08:00")).created_at
    assert created == CREATED


@pytest.mark.parametrize("junk", ["yesterday", "2025-13-45T99:00:00", 1762943400, None])
def test_unreadable_created_time_is_none(junk: Any) -> None:
    assert parse(with_data(VIDGO_RUNNING, created_time=junk)).created_at is None


def test_file_kind_falls_back_to_the_url_extension() -> None:
    doc = with_data(VIDGO_FINISHED_IMAGE, files=[{"file_url": "https://s/x.mp4", "file_type": 3}])
    assert parse(doc).outputs[0].kind is MediaKind.VIDEO


def test_files_without_a_string_url_are_dropped() -> None:
    files = [
        {"file_url": None},
        {"file_type": "image"},
        {"file_url": ""},
        {"file_url": "https://s/a"},
    ]
    assert [o.url for o in parse(with_data(VIDGO_FINISHED_IMAGE, files=files)).outputs] == [
        "https://s/a"
    ]


def test_other_scalar_file_fields_are_kept_as_extra() -> None:
    files = [{"file_url": "https://s/x.jpg", "file_type": "image", "width": 512}]
    assert parse(with_data(VIDGO_FINISHED_IMAGE, files=files)).outputs[0].extra == {"width": 512}


def test_extra_fields_and_nulls_are_tolerated() -> None:
    doc = with_data(VIDGO_RUNNING, files=None, progress=None, newcomer=[1])
    doc["trace_id"] = "t"
    snapshot = parse(doc)
    assert (snapshot.state, snapshot.outputs, snapshot.progress) == (State.RUNNING, (), None)


def test_envelope_error_code_in_a_2xx_body_is_an_api_error() -> None:
    with pytest.raises(ApiError) as raised:
        parse({"code": 404, "message": "task not found"})
    assert (raised.value.status, raised.value.message) == (404, "task not found")


def test_envelope_error_without_a_message_still_names_the_code() -> None:
    with pytest.raises(ApiError) as raised:
        parse({"code": 500, "data": None})
    assert "500" in raised.value.message


def test_success_code_without_data_is_malformed() -> None:
    with pytest.raises(MalformedResponse):
        parse({"code": 200})


def test_success_code_with_non_object_data_is_malformed() -> None:
    with pytest.raises(MalformedResponse):
        parse({"code": 200, "data": "ok"})


def test_status_request_is_get_on_the_status_path() -> None:
    ref = TaskRef("vidgo", "task-unified-1757165031-uyujaw3d")
    assert vidgo.status_request(ref) == RequestSpec(
        "GET", "/api/generate/status/task-unified-1757165031-uyujaw3d"
    )


def test_status_request_percent_encodes_a_hostile_id() -> None:
    spec = vidgo.status_request(TaskRef("vidgo", "../x?y"))
    assert spec.path == "/api/generate/status/..%2Fx%3Fy"


def test_status_request_encodes_a_dot_dot_id_so_it_cannot_climb_the_path() -> None:
    assert vidgo.status_request(TaskRef("vidgo", "..")).path == "/api/generate/status/%2E%2E"


def test_403_means_the_task_is_lost() -> None:
    assert Vidgo.forbidden_means_lost is True
