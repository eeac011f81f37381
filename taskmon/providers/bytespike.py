"""BytesPike (its docs spell it ByteSpike): `POST /v1/tasks/query`, plus cancel and SSE.

A task is queried by the server's `task_id` or by the caller's `out_task_id`;
the response always carries the server's `task_id`, which the stream and the
path form of cancel need.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ConfigDict, ValidationError

from taskmon.domain.snapshot import Cost, Output, PollHints, Snapshot, State, TaskError
from taskmon.domain.task import TaskRef
from taskmon.providers.base import (
    ApiError,
    ApiProblem,
    IdMatch,
    MalformedResponse,
    PastedUrl,
    Provider,
    RequestSpec,
    clip,
    decode_json,
)
from taskmon.providers.fields import (
    ItemList,
    LenientModel,
    Number,
    OrNone,
    Percent,
    Text,
    Token,
    Url,
    clip_or_none,
    kind_from_label,
    kind_from_url,
    kind_of_outputs,
    loads_or_none,
    map_status,
    parse_object,
    path_segment,
    positive,
    scalar_extras,
    to_number,
    unique_outputs,
)

_STATES = {
    "pending": State.QUEUED,
    "running": State.RUNNING,
    "completed": State.SUCCEEDED,
    "failed": State.FAILED,
    "cancelled": State.CANCELLED,
}
MAX_RATE_LIMIT_WAIT_S = 3600.0
# `task_` + an upper-case ULID (Crockford base 32; a 48-bit time makes the first
# character 0-7). reAPI's ULIDs are lower case.
_TASK_ID = re.compile(r"task_[0-7][0-9A-HJKMNP-TV-Z]{25}")
# The submit reply's exact body is unpublished; it carries these beside task_id.
_SUBMIT_FIELDS = ("estimated_credits", "estimated_seconds")


class _Output(LenientModel):
    model_config = ConfigDict(extra="allow")  # model-specific fields become Output.extra

    type: Text = None
    url: Url = None
    duration_seconds: Number = None


class _Task(LenientModel):
    task_id: Text = None
    status: Text = None
    model: Text = None
    progress: Percent = None
    estimated_credits: Number = None
    estimated_seconds: Number = None
    credits_used: Number = None
    output: ItemList[_Output] = None
    error_code: Token = None
    error_message: Text = None


class _ErrorDetail(LenientModel):
    type: Token = None
    code: Token = None
    message: Text = None


class _ErrorBody(LenientModel):
    error: OrNone[_ErrorDetail] = None


class BytesPike(Provider):
    name = "bytespike"
    display_name = "BytesPike"
    default_base_url = "https://llm.bytespike.ai"
    supports_out_task_id = True
    supports_cancel = True
    supports_stream = True

    def status_request(self, ref: TaskRef) -> RequestSpec:
        self.validate_ref(ref)
        key = "out_task_id" if ref.by_out_task_id else "task_id"
        return RequestSpec("POST", "/v1/tasks/query", json_body={key: ref.task_id})

    def parse_status(self, untrusted_body: bytes) -> Snapshot:
        doc = decode_json(untrusted_body, self.display_name)
        return self._snapshot(doc)

    def stream_request(self, ref: TaskRef, provider_task_id: str | None) -> RequestSpec | None:
        self.validate_ref(ref)
        task_id = provider_task_id if ref.by_out_task_id else ref.task_id
        if not task_id:
            return None  # the stream takes only the server's task_id
        return RequestSpec("GET", f"/v1/tasks/stream/{path_segment(task_id)}")

    def parse_stream_event(self, event: str, untrusted_data: str) -> Snapshot | None:
        # The wire format is unpublished: whatever parses as a task object (the
        # query response shape) is an update; heartbeats and anything else are not.
        doc = loads_or_none(untrusted_data)
        if not (isinstance(doc, dict) and "status" in doc and "task_id" in doc):
            return None
        try:
            return self._snapshot(doc)
        except (MalformedResponse, ApiError):
            return None

    def cancel_request(self, ref: TaskRef, provider_task_id: str | None) -> RequestSpec | None:
        self.validate_ref(ref)
        task_id = provider_task_id if ref.by_out_task_id else ref.task_id
        if task_id:
            return RequestSpec("POST", f"/v1/tasks/cancel/{path_segment(task_id)}")
        return RequestSpec("POST", "/v1/tasks/cancel", json_body={"out_task_id": ref.task_id})

    def id_match(self, untrusted_token: str) -> IdMatch:
        # An out_task_id is whatever the caller chose: only the server's ID has a shape.
        return IdMatch.CERTAIN if _TASK_ID.fullmatch(untrusted_token) else IdMatch.NO

    def ref_from_url(self, url: PastedUrl) -> TaskRef | None:
        """The stream or cancel URL (the query call is a POST: its URL names no task)."""
        match url.segments:
            case ("v1", "tasks", "stream" | "cancel", task_id):
                return TaskRef(self.name, task_id)
        return None

    def refs_from_json(self, untrusted_doc: Any) -> list[TaskRef]:
        """A query, cancel or submit reply: task_id (preferred) or out_task_id."""
        if not isinstance(untrusted_doc, dict) or "state" in untrusted_doc:
            return []  # Xenodia's task object has task_id too, with `state`
        status = untrusted_doc.get("status")
        if isinstance(status, str):
            if status.strip().lower() not in _STATES:
                return []
        elif not any(key in untrusted_doc for key in _SUBMIT_FIELDS):
            return []
        task_id, out_task_id = untrusted_doc.get("task_id"), untrusted_doc.get("out_task_id")
        if isinstance(task_id, str) and task_id.strip():
            return [TaskRef(self.name, task_id)]
        if isinstance(out_task_id, str) and out_task_id.strip():
            return [TaskRef(self.name, out_task_id, by_out_task_id=True)]
        return []

    def rate_limit_reset_s(self, headers: Mapping[str, str], now_epoch_s: float) -> float | None:
        """Seconds until X-RateLimit-Reset (a Unix time), within [0, 3600]."""
        raw = next((v for k, v in headers.items() if k.lower() == "x-ratelimit-reset"), None)
        reset_at = to_number(raw)
        if reset_at is None or not math.isfinite(now_epoch_s):
            return None
        return min(MAX_RATE_LIMIT_WAIT_S, max(0.0, reset_at - now_epoch_s))

    def parse_error(self, untrusted_body: bytes) -> ApiProblem:
        doc = loads_or_none(untrusted_body)
        if not isinstance(doc, dict):
            return ApiProblem()
        try:
            detail = _ErrorBody.model_validate(doc).error
        except ValidationError:
            return ApiProblem()
        if detail is None:
            return ApiProblem()
        return ApiProblem(
            message=clip_or_none(detail.message, 500),
            code=detail.code or detail.type,  # e.g. task_not_found, else rate_limit_error
        )

    def _snapshot(self, doc: object) -> Snapshot:
        task = parse_object(_Task, doc, self.display_name)
        state, raw_status = map_status(task.status, _STATES, self.display_name)
        outputs = unique_outputs(
            Output(
                url=item.url,
                kind=kind_from_label(item.type) or kind_from_url(item.url),
                duration_s=positive(item.duration_seconds),
                extra=scalar_extras(item.model_extra),
            )
            for item in task.output or ()
            if item.url
        )
        error = None
        if task.error_message or task.error_code:
            error = TaskError(
                message=clip(task.error_message or task.error_code or ""), code=task.error_code
            )
        return Snapshot(
            state=state,
            raw_status=raw_status,
            progress=task.progress,
            outputs=outputs,
            error=error,
            cost=Cost(credits=task.credits_used, estimated_credits=task.estimated_credits),
            model=clip_or_none(task.model, 200),
            media_kind=kind_of_outputs(outputs),
            hints=PollHints(estimated_total_s=positive(task.estimated_seconds)),
            provider_task_id=task.task_id if task.task_id and len(task.task_id) <= 256 else None,
            raw=doc,
        )
