"""reAPI: `GET /api/v1/tasks/{id}`; the output key (`image_urls`, ...) names the media kind."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationError

from taskmon.domain.snapshot import MediaKind, Output, Snapshot, State, TaskError
from taskmon.domain.task import TaskRef
from taskmon.providers.base import (
    ApiProblem,
    IdMatch,
    PastedUrl,
    Provider,
    RequestSpec,
    clip,
    decode_json,
)
from taskmon.providers.fields import (
    ItemList,
    LenientModel,
    OrNone,
    Percent,
    Text,
    Token,
    UnixSeconds,
    Url,
    UrlItem,
    clip_or_none,
    loads_or_none,
    map_status,
    message_object,
    parse_object,
    path_segment,
    unique_outputs,
)

_STATES = {
    "processing": State.RUNNING,
    "completed": State.SUCCEEDED,
    "failed": State.FAILED,
}
# `task_` + 32 hex digits, or + a lower-case ULID (Crockford base 32, no i l o u;
# a 48-bit time makes the first character 0-7). BytesPike's ULIDs are upper case.
_ID_BODY = re.compile(r"[0-9a-f]{32}|[0-7][0-9a-hjkmnp-tv-z]{25}")
_ID_PREFIX = "task_"
_CDN_HOST = "cdn.reapi.ai"


class _Output(LenientModel):
    image_urls: ItemList[UrlItem] = None
    video_urls: ItemList[UrlItem] = None
    audio_urls: ItemList[UrlItem] = None
    last_frame_url: Url = None  # some video models, when the request asked for it


class _Error(LenientModel):
    code: Token = None  # an int on the wire (80002 timeout, 80006 content policy...)
    message: Text = None


class _Task(LenientModel):
    status: Text = None
    model: Text = None
    progress: Percent = None
    created_at: UnixSeconds = None
    updated_at: UnixSeconds = None
    completed_at: UnixSeconds = None
    output: OrNone[_Output] = None
    error: Annotated[OrNone[_Error], BeforeValidator(message_object)] = None


class _ErrorBody(LenientModel):
    error: Annotated[OrNone[_Error], BeforeValidator(message_object)] = None


class ReApi(Provider):
    name = "reapi"
    display_name = "reAPI"
    default_base_url = "https://reapi.ai"
    # Status is cached for 5 s while a task runs: faster polls repeat it and spend rate limit.
    min_poll_interval_s = 5.0
    example_model = "gpt-image-2"  # the image task in the status docs

    def status_request(self, ref: TaskRef) -> RequestSpec:
        self.validate_ref(ref)
        return RequestSpec("GET", f"/api/v1/tasks/{path_segment(ref.task_id)}")

    def parse_status(self, untrusted_body: bytes) -> Snapshot:
        doc = decode_json(untrusted_body, self.display_name)
        task = parse_object(_Task, doc, self.display_name)
        state, raw_status = map_status(task.status, _STATES, self.display_name)
        outputs, media_kind = _outputs(task.output)
        error = None
        if task.error is not None and (task.error.message or task.error.code):
            error = TaskError(
                message=clip(task.error.message or task.error.code or ""), code=task.error.code
            )
        return Snapshot(
            state=state,
            raw_status=raw_status,
            progress=task.progress,
            outputs=outputs,
            error=error,
            created_at=task.created_at,
            updated_at=task.updated_at,
            completed_at=task.completed_at,
            model=clip_or_none(task.model, 200),
            media_kind=media_kind,
            raw=doc,
        )

    def id_match(self, untrusted_token: str) -> IdMatch:
        body = untrusted_token.removeprefix(_ID_PREFIX)
        if body != untrusted_token and _ID_BODY.fullmatch(body):
            return IdMatch.CERTAIN
        return IdMatch.NO

    def ref_from_url(self, url: PastedUrl) -> TaskRef | None:
        """`/api/v1/tasks/{id}` on any host; a result URL on the CDN names its task too."""
        match url.segments:
            case ("api", "v1", "tasks", task_id):
                return TaskRef(self.name, task_id)
            case ("media", "tasks", id_body, *_) if url.host == _CDN_HOST:
                # cdn.reapi.ai/media/tasks/<id without task_>/<n>.<ext>
                task_id = _ID_PREFIX + id_body
                if self.id_match(task_id) is IdMatch.CERTAIN:
                    return TaskRef(self.name, task_id)
        return None

    def refs_from_json(self, untrusted_doc: Any) -> list[TaskRef]:
        """The submit reply and the status body: `{"id": "task_…", "status": …}`."""
        if not isinstance(untrusted_doc, dict):
            return []
        task_id, status = untrusted_doc.get("id"), untrusted_doc.get("status")
        # `id` + `status` alone is common (OpenAI objects): the prefix and the
        # status vocabulary make it reAPI's.
        if (
            isinstance(task_id, str)
            and task_id.startswith(_ID_PREFIX)
            and isinstance(status, str)
            and status.strip().lower() in _STATES
        ):
            return [TaskRef(self.name, task_id)]
        return []

    def parse_error(self, untrusted_body: bytes) -> ApiProblem:
        """`{"error": {"code": <5-digit int>, "message", "request_id"?}}`."""
        doc = loads_or_none(untrusted_body)
        if not isinstance(doc, dict):
            return ApiProblem()
        try:
            error = _ErrorBody.model_validate(doc).error
        except ValidationError:
            return ApiProblem()
        if error is None:
            return ApiProblem()
        return ApiProblem(message=clip_or_none(error.message, 500), code=error.code)


def _outputs(output: _Output | None) -> tuple[tuple[Output, ...], MediaKind | None]:
    """The outputs, and the media kind named by the first `*_urls` key that has URLs."""
    if output is None:
        return (), None
    lists = (
        (MediaKind.IMAGE, output.image_urls),
        (MediaKind.VIDEO, output.video_urls),
        (MediaKind.AUDIO, output.audio_urls),
    )
    found: list[Output] = []
    for kind, urls in lists:
        found.extend(Output(url=url, kind=kind) for url in urls or ())
    outputs = unique_outputs(found)
    if output.last_frame_url:
        # One last frame per task: it belongs to the (normally single) video.
        outputs = _with_last_frame(outputs, output.last_frame_url)
    media_kind = next((kind for kind, urls in lists if urls), None)
    if media_kind is None:  # `{"video_urls": []}` still says what the task makes
        media_kind = next((kind for kind, urls in lists if urls is not None), None)
    return outputs, media_kind


def _with_last_frame(outputs: tuple[Output, ...], last_frame_url: str) -> tuple[Output, ...]:
    index = next((i for i, o in enumerate(outputs) if o.kind is MediaKind.VIDEO), None)
    if index is None:
        return outputs  # a last frame without a video is not a result on its own
    with_frame = replace(outputs[index], last_frame_url=last_frame_url)
    return (*outputs[:index], with_frame, *outputs[index + 1 :])
