"""Apixo: `GET /api/v1/statusTask/{model}?taskId=...` in a `{code, message, data}` envelope.

Times are Unix milliseconds and the result URLs sit in `resultJson`, a JSON
string that has to be decoded a second time.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from taskmon.domain.snapshot import Cost, Output, Snapshot, State, TaskError
from taskmon.domain.task import TaskRef
from taskmon.providers.base import (
    ApiError,
    ApiProblem,
    BadReference,
    IdMatch,
    MalformedResponse,
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
    Text,
    Token,
    UnixMillis,
    UrlItem,
    clip_or_none,
    kind_from_url,
    kind_of_outputs,
    loads_or_none,
    map_status,
    parse_object,
    path_segment,
    unique_outputs,
)

_STATES = {
    "pending": State.QUEUED,
    "processing": State.RUNNING,
    "success": State.SUCCEEDED,
    "failed": State.FAILED,
}
MALFORMED_RESULT = "malformed_result"
MAX_MODEL_CHARS = 200


class _Data(LenientModel):
    state: Text = None
    resultJson: Any = None  # a JSON string; decoded separately so a bad one stays visible
    costTime: Number = None  # milliseconds
    createTime: UnixMillis = None
    completeTime: UnixMillis = None
    failCode: Token = None  # opaque: the two error pages use different code sets
    failMsg: Text = None
    model: Text = None
    error: Text = None  # the detail of an envelope error (400 example)


class _Envelope(LenientModel):
    code: Number = None
    message: Text = None
    data: OrNone[_Data] = None


class _ResultJson(LenientModel):
    resultUrls: ItemList[UrlItem] = None


class Apixo(Provider):
    name = "apixo"
    display_name = "Apixo"
    default_base_url = "https://api.apixo.ai"
    requires_model = True  # the status path names the model used at submit
    example_model = "nano-banana"
    result_url_ttl_s = 86_400.0  # result URLs expire 24 h after generation

    def status_request(self, ref: TaskRef) -> RequestSpec:
        self.validate_ref(ref)
        model = path_segment((ref.model or "").strip())
        return RequestSpec("GET", f"/api/v1/statusTask/{model}", params={"taskId": ref.task_id})

    def parse_status(self, untrusted_body: bytes) -> Snapshot:
        doc = decode_json(untrusted_body, self.display_name)
        envelope = parse_object(_Envelope, doc, self.display_name)
        data = envelope.data
        # HTTP 200 can still carry an error code in the envelope.
        if envelope.code is not None and int(envelope.code) != 200:
            raise ApiError(
                status=int(envelope.code),
                message=_envelope_message(envelope) or f"Apixo error code {int(envelope.code)}",
                code=data.failCode if data else None,
            )
        if data is None:
            raise MalformedResponse("Apixo: the response has no task data")
        state, raw_status = map_status(data.state, _STATES, self.display_name)
        urls, problem = _result_urls(data.resultJson)
        outputs = unique_outputs(Output(url=url, kind=kind_from_url(url)) for url in urls)
        error = None
        if state is State.FAILED:
            error = _task_error(data)
        elif state is State.SUCCEEDED and problem:
            # The task did succeed; the user still needs to see why nothing can be downloaded.
            error = TaskError(
                message=f"Apixo reported success, but {problem}", code=MALFORMED_RESULT
            )
        return Snapshot(
            state=state,
            raw_status=raw_status,
            outputs=outputs,
            error=error,
            cost=Cost(processing_s=None if data.costTime is None else data.costTime / 1000),
            created_at=data.createTime,
            completed_at=data.completeTime,
            model=clip_or_none(data.model, 200),
            media_kind=kind_of_outputs(outputs),
            raw=doc,
        )

    def id_match(self, untrusted_token: str) -> IdMatch:
        # No format is documented (`task_abc123xyz789`, `task_12345678`).
        return IdMatch.POSSIBLE if looks_like_task_id(untrusted_token) else IdMatch.NO

    def ref_from_url(self, url: PastedUrl) -> TaskRef | None:
        """`/api/v1/statusTask/{model}?taskId={id}`: the model comes with the ID."""
        match url.segments:
            case ("api", "v1", "statusTask", model):
                task_id = url.param("taskId")
                if not (task_id and task_id.strip()):
                    raise BadReference("Apixo: the status URL has no taskId")
                if len(model) > MAX_MODEL_CHARS:
                    raise BadReference("Apixo: the model in the status URL is too long")
                return TaskRef(self.name, task_id, model=model)
        return None

    def refs_from_json(self, untrusted_doc: Any) -> list[TaskRef]:
        """The `{code, message, data: {taskId, …}}` envelope of submit, status and callback.

        The documented bodies name no model; `data.model` is used when present.
        A bare `data` object (`taskId` with an Apixo `state`) is read too.
        """
        if not isinstance(untrusted_doc, dict):
            return []
        data, state = untrusted_doc.get("data"), untrusted_doc.get("state")
        if isinstance(data, dict) and "code" in untrusted_doc:
            task = data
        elif isinstance(state, str) and state.strip().lower() in _STATES:
            task = untrusted_doc
        else:
            return []
        task_id, model = task.get("taskId"), task.get("model")
        if not isinstance(task_id, str):
            return []
        model_name = model.strip() if isinstance(model, str) else ""
        usable_model = 0 < len(model_name) <= MAX_MODEL_CHARS
        return [TaskRef(self.name, task_id, model=model_name if usable_model else None)]

    def parse_error(self, untrusted_body: bytes) -> ApiProblem:
        doc = loads_or_none(untrusted_body)
        if not isinstance(doc, dict):
            return ApiProblem()
        try:
            envelope = _Envelope.model_validate(doc)
        except ValidationError:
            return ApiProblem()
        code = None if envelope.code is None else str(int(envelope.code))
        if envelope.data is not None and envelope.data.failCode:
            code = envelope.data.failCode  # provider codes can come back on immediate errors
        return ApiProblem(message=_envelope_message(envelope), code=code)


def _envelope_message(envelope: _Envelope) -> str | None:
    """`message`, with the `data.error` detail the 400 example adds."""
    detail = (envelope.data.error or envelope.data.failMsg) if envelope.data else None
    parts = [p for p in (envelope.message, detail) if p]
    return clip(": ".join(parts)) if parts else None


def _result_urls(untrusted_result_json: Any) -> tuple[list[str], str | None]:
    """The URLs in resultJson, and what was wrong with it when it could not be read."""
    if untrusted_result_json is None:
        return [], "it sent no resultJson"
    doc = (
        loads_or_none(untrusted_result_json)
        if isinstance(untrusted_result_json, str)
        else untrusted_result_json
    )
    if not isinstance(doc, dict):
        return [], "resultJson is not a JSON object"
    urls = _ResultJson.model_validate(doc).resultUrls
    if urls is None:
        return [], "resultJson has no resultUrls list"
    return urls, None


def _task_error(data: _Data) -> TaskError | None:
    if not (data.failMsg or data.failCode):
        return None
    return TaskError(message=clip(data.failMsg or data.failCode or ""), code=data.failCode)
