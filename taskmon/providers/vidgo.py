"""Vidgo: `GET /api/generate/status/{task_id}` in a `{code, data}` envelope.

`created_time` is ISO 8601 without a zone; the zone is undocumented, so it is
read as UTC.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ConfigDict

from taskmon.domain.snapshot import Output, Snapshot, State, TaskError
from taskmon.domain.task import TaskRef
from taskmon.providers.base import (
    ApiError,
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
    IsoTime,
    ItemList,
    LenientModel,
    Number,
    OrNone,
    Percent,
    Text,
    Url,
    clip_or_none,
    kind_from_label,
    kind_from_url,
    kind_of_outputs,
    map_status,
    parse_object,
    path_segment,
    scalar_extras,
    unique_outputs,
)

_STATES = {
    "not_started": State.QUEUED,
    "running": State.RUNNING,
    "finished": State.SUCCEEDED,
    "failed": State.FAILED,
}
# Usually `task-unified-<10 digits>-<8 lower-case letters/digits>`; the prefix is
# Vidgo's alone, so the parts' lengths are not checked.
_UNIFIED_ID = re.compile(r"task-unified-[0-9]+-[a-z0-9]+")
# One model page shows `KC9IIO8MLOAN18JX`: upper-case letters and digits, which
# Xenodia's and Apixo's free-form IDs may be as well.
_SHORT_ID = re.compile(r"[A-Z0-9]{12,32}")


class _File(LenientModel):
    model_config = ConfigDict(extra="allow")

    file_url: Url = None
    file_type: Text = None  # image or video


class _Data(LenientModel):
    status: Text = None
    model: Text = None
    files: ItemList[_File] = None
    created_time: IsoTime = None
    updated_time: IsoTime = None  # undocumented; read if it ever appears
    progress: Percent = None
    error_message: Text = None


class _Envelope(LenientModel):
    code: Number = None
    message: Text = None
    msg: Text = None
    data: OrNone[_Data] = None


class Vidgo(Provider):
    name = "vidgo"
    display_name = "Vidgo"
    default_base_url = "https://api.vidgo.ai"
    forbidden_means_lost = True  # the status page: 403 = task belongs to another user

    def status_request(self, ref: TaskRef) -> RequestSpec:
        self.validate_ref(ref)
        return RequestSpec("GET", f"/api/generate/status/{path_segment(ref.task_id)}")

    def id_match(self, untrusted_token: str) -> IdMatch:
        if _UNIFIED_ID.fullmatch(untrusted_token):
            return IdMatch.CERTAIN
        if _SHORT_ID.fullmatch(untrusted_token) and looks_like_task_id(untrusted_token):
            return IdMatch.POSSIBLE
        return IdMatch.NO

    def ref_from_url(self, url: PastedUrl) -> TaskRef | None:
        match url.segments:
            case ("api", "generate", "status", task_id):
                return TaskRef(self.name, task_id)
        return None

    def refs_from_json(self, untrusted_doc: Any) -> list[TaskRef]:
        """`{"code", "data": {"task_id", "status"?, "created_time"?, …}}` (submit or status)."""
        if not isinstance(untrusted_doc, dict) or "code" not in untrusted_doc:
            return []
        data = untrusted_doc.get("data")
        if not isinstance(data, dict):
            return []
        task_id, status = data.get("task_id"), data.get("status")
        # Some submit replies carry only task_id and created_time.
        known_status = isinstance(status, str) and status.strip().lower() in _STATES
        if isinstance(task_id, str) and (known_status or "created_time" in data):
            return [TaskRef(self.name, task_id)]
        return []

    def parse_status(self, untrusted_body: bytes) -> Snapshot:
        doc = decode_json(untrusted_body, self.display_name)
        envelope = parse_object(_Envelope, doc, self.display_name)
        if envelope.code is not None and int(envelope.code) != 200:
            message = envelope.message or envelope.msg
            raise ApiError(
                status=int(envelope.code),
                message=clip(message) if message else f"Vidgo error code {int(envelope.code)}",
            )
        data = envelope.data
        if data is None:
            raise MalformedResponse("Vidgo: the response has no task data")
        state, raw_status = map_status(data.status, _STATES, self.display_name)
        outputs = unique_outputs(
            Output(
                url=f.file_url,
                kind=kind_from_label(f.file_type) or kind_from_url(f.file_url),
                extra=scalar_extras(f.model_extra),
            )
            for f in data.files or ()
            if f.file_url
        )
        # The finished example carries `error_message: null`; only a message is an error.
        error = TaskError(message=clip(data.error_message)) if data.error_message else None
        return Snapshot(
            state=state,
            raw_status=raw_status,
            progress=data.progress,
            outputs=outputs,
            error=error,
            created_at=data.created_time,
            updated_at=data.updated_time,
            model=clip_or_none(data.model, 200),
            media_kind=kind_of_outputs(outputs),
            raw=doc,
        )
