"""Xenodia: `GET /v1/tasks/{taskId}`, a flat task object with Unix-second times."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, ValidationError

from taskmon.domain.snapshot import Cost, MediaKind, Output, PollHints, Snapshot, State, TaskError
from taskmon.domain.task import TaskRef
from taskmon.providers.base import (
    ApiProblem,
    IdMatch,
    PastedUrl,
    Provider,
    RequestSpec,
    clip,
    decode_json,
    looks_like_task_id,
)
from taskmon.providers.fields import (
    ItemList,
    LenientModel,
    Number,
    OrNone,
    Percent,
    Text,
    Token,
    UnixSeconds,
    Url,
    clip_or_none,
    echoed_request,
    kind_from_label,
    kind_from_url,
    kind_of_outputs,
    loads_or_none,
    map_status,
    message_object,
    parse_object,
    path_segment,
    positive,
    scalar_extras,
    unique_outputs,
)

_STATES = {
    "waiting": State.QUEUED,
    "queuing": State.QUEUED,
    "generating": State.RUNNING,
    "success": State.SUCCEEDED,
    "fail": State.FAILED,
}


def _url_objects(value: Any) -> Any:
    # origin_data / full_result_data come as a list or a single object, and a
    # bare URL string is the obvious reading of a list item too.
    if isinstance(value, str):
        return [{"url": value}]
    if isinstance(value, list):
        return [{"url": item} if isinstance(item, str) else item for item in value]
    return value


class _File(LenientModel):
    model_config = ConfigDict(extra="allow")

    url: Url = None


_Files = Annotated[ItemList[_File], BeforeValidator(_url_objects)]


class _Result(LenientModel):
    data: _Files = None
    origin_data: _Files = None
    full_result_data: _Files = None
    resolution: Token = None


class _Error(LenientModel):
    message: Text = None
    code: Token = None


class _Billing(LenientModel):
    reserve_amount_micro_usdc: Number = None
    actual_amount_micro_usdc: Number = None


class _Task(LenientModel):
    task_id: Text = None
    model: Text = None
    type: Text = None
    state: Text = None
    result: OrNone[_Result] = None
    # `{}` until the task ends; `{}` means no error.
    error: Annotated[OrNone[_Error], BeforeValidator(message_object)] = None
    progress: Percent = None
    billing: OrNone[_Billing] = None
    recommended_poll_interval_ms: Number = None
    eta_hint_seconds: Number = None
    created_at: UnixSeconds = None
    updated_at: UnixSeconds = None
    completed_at: UnixSeconds = None


class _ErrorBody(LenientModel):
    """`{error: "<slug>", message, type, code}`, all strings."""

    error: Any = None
    message: Text = None
    type: Token = None
    code: Token = None


class Xenodia(Provider):
    name = "xenodia"
    display_name = "Xenodia"
    default_base_url = "https://api.xenodia.xyz"
    forbidden_means_lost = True  # the task page: 403 = another account's task
    example_model = "nano-banana-pro"  # the image task in the status docs

    def status_request(self, ref: TaskRef) -> RequestSpec:
        self.validate_ref(ref)
        return RequestSpec("GET", f"/v1/tasks/{path_segment(ref.task_id)}")

    def parse_status(self, untrusted_body: bytes) -> Snapshot:
        doc = decode_json(untrusted_body, self.display_name)
        task = parse_object(_Task, doc, self.display_name)
        state, raw_status = map_status(task.state, _STATES, self.display_name)
        media_kind = kind_from_label(task.type)
        outputs = _outputs(task.result, media_kind)
        return Snapshot(
            state=state,
            raw_status=raw_status,
            progress=task.progress,
            outputs=outputs,
            error=_task_error(task.error),
            cost=_cost(task.billing),
            created_at=task.created_at,
            updated_at=task.updated_at,
            completed_at=task.completed_at,
            model=clip_or_none(task.model, 200),
            media_kind=media_kind or kind_of_outputs(outputs),
            hints=PollHints(
                min_interval_s=_ms_to_s(positive(task.recommended_poll_interval_ms)),
                estimated_total_s=positive(task.eta_hint_seconds),
            ),
            request=self.request_echo(doc),
            raw=doc,
        )

    def request_echo(self, untrusted_payload: Any) -> dict[str, Any] | None:
        """The status object's `request` (prompt, n, aspect ratio…)."""
        if not isinstance(untrusted_payload, dict):
            return None
        return echoed_request(untrusted_payload.get("request"))

    def id_match(self, untrusted_token: str) -> IdMatch:
        # No format is documented: `task_123` in examples, a UUID on an older page.
        return IdMatch.POSSIBLE if looks_like_task_id(untrusted_token) else IdMatch.NO

    def ref_from_url(self, url: PastedUrl) -> TaskRef | None:
        """`/v1/tasks/{taskId}` (the task's `poll_url`, on the API host)."""
        match url.segments:
            # BytesPike's /v1/tasks/query, /submit, ... share the prefix: only
            # an ID-like last segment is a task.
            case ("v1", "tasks", task_id) if looks_like_task_id(task_id):
                return TaskRef(self.name, task_id)
        return None

    def refs_from_json(self, untrusted_doc: Any) -> list[TaskRef]:
        """The task object of the submit reply and the status body (`object: "task"`)."""
        if not isinstance(untrusted_doc, dict):
            return []
        task_id, state = untrusted_doc.get("task_id"), untrusted_doc.get("state")
        known_state = isinstance(state, str) and state.strip().lower() in _STATES
        if isinstance(task_id, str) and (untrusted_doc.get("object") == "task" or known_state):
            return [TaskRef(self.name, task_id)]
        return []

    def parse_error(self, untrusted_body: bytes) -> ApiProblem:
        doc = loads_or_none(untrusted_body)
        if not isinstance(doc, dict):
            return ApiProblem()
        try:
            body = _ErrorBody.model_validate(doc)
            # An OpenAI-style {"error": {"message", "code", "type"}} is read as well.
            inner = _ErrorBody.model_validate(body.error if isinstance(body.error, dict) else {})
        except ValidationError:
            return ApiProblem()
        message = body.message or inner.message
        code = body.code or inner.code or inner.type
        slug = body.error if isinstance(body.error, str) else None
        return ApiProblem(
            message=clip_or_none(message, 500),
            code=code or clip_or_none(slug, 80) or body.type,
        )


def _outputs(result: _Result | None, media_kind: MediaKind | None) -> tuple[Output, ...]:
    if result is None:
        return ()
    # Prefer `data`; the upstream copies are a fallback for when it has no URL.
    files = [f for f in result.data or () if f.url]
    if not files:
        fallback = [*(result.origin_data or ()), *(result.full_result_data or ())]
        files = [f for f in fallback if f.url]
    return unique_outputs(
        Output(
            url=f.url,
            kind=media_kind or kind_from_url(f.url),
            resolution=result.resolution,
            extra=scalar_extras(f.model_extra),
        )
        for f in files
        if f.url
    )


def _task_error(error: _Error | None) -> TaskError | None:
    if error is None or not (error.message or error.code):
        return None
    return TaskError(message=clip(error.message or error.code or ""), code=error.code)


def _cost(billing: _Billing | None) -> Cost:
    if billing is None:
        return Cost()
    # The actual charge once committed; until then the reservation is the best figure.
    amount = billing.actual_amount_micro_usdc
    if amount is None:
        amount = billing.reserve_amount_micro_usdc
    return Cost(micro_usdc=None if amount is None else round(amount))


def _ms_to_s(millis: float | None) -> float | None:
    return None if millis is None else millis / 1000
