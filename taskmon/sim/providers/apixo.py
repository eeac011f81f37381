"""Apixo: `GET /api/v1/statusTask/{model}?taskId=...` (apixo.txt, facts.md).

- The model is part of the reference: the same ID under another model is
  another (unknown) task.
- Envelope `{code, message, data}`; states pending → processing → success |
  failed, a failed task is still HTTP 200; times are Unix milliseconds;
  `resultJson` is a JSON document inside a string. The failed example has
  `completeTime` but no `costTime`.
- 403 is an access error, so another account's task is 404.
- Errors: `{code: <http status>, message}`; 400 adds `data: {error}`.
- IDs: `task_abc123xyz789` in the examples; no format is specified.
"""

from __future__ import annotations

import json
import random
import string

from aiohttp import web

from taskmon.sim.pipeline import guard, serve_status
from taskmon.sim.provider_spec import (
    Body,
    ProviderSpec,
    default_message,
    hex_file_stem,
    scripted_error,
)
from taskmon.sim.state import STATE_KEY
from taskmon.sim.task import SimTask

NAME = "apixo"
NATIVE_STATES: dict[str, str] = {
    "queued": "pending",
    "running": "processing",
    "succeeded": "success",
}
PHASE_OF: dict[str, str] = {
    "pending": "queued",
    "processing": "running",
    "success": "succeeded",
    "failed": "failed",
}
DEFAULT_ERROR: tuple[str | None, str] = ("CONTENT_VIOLATION", "Content violates usage policy")

_LOWER_ALNUM = string.ascii_lowercase + string.digits


def new_task_id(epoch_s: float, rng: random.Random) -> str:
    return "task_" + "".join(rng.choice(_LOWER_ALNUM) for _ in range(12))


def status_body(task: SimTask, now: float, media_base: str, secret: bytes) -> tuple[str, Body]:
    phase = task.phase_at(now)
    state = NATIVE_STATES.get(phase, phase)
    created_ms = int(task.added_at_epoch * 1000)
    data: Body = {"taskId": task.task_id, "state": state}
    if phase == "succeeded":
        complete_ms = int(task.finishes_at_epoch * 1000)
        urls = task.result_urls(media_base, secret)
        # resultJson is a JSON document inside a string, parsed a second time by clients.
        data["resultJson"] = json.dumps({"resultUrls": urls}, separators=(",", ":"))
        data["costTime"] = complete_ms - created_ms
        data["createTime"] = created_ms
        data["completeTime"] = complete_ms
    elif phase == "failed":
        code, message = scripted_error(task, DEFAULT_ERROR)
        data |= {"failCode": code, "failMsg": message, "createTime": created_ms}
        data["completeTime"] = int(task.finishes_at_epoch * 1000)
    else:
        data["createTime"] = created_ms
    return state, {"code": 200, "message": "success", "data": data}


def error_body(
    status: int,
    message: str | None = None,
    *,
    detail: str | None = None,
    cause: str | None = None,
) -> Body:
    text = message or default_message(status)
    body: Body = {"code": status, "message": text}
    if status == 400:
        body["data"] = {"error": detail or text}
    return body


async def status(request: web.Request) -> web.StreamResponse:
    task_id = request.query.get("taskId", "")
    task = request.app[STATE_KEY].find(NAME, task_id) if task_id else None
    if task is not None and task.model != request.match_info["model"]:
        task = None  # the model is part of the reference: another model, another task
    denied = guard(request, SPEC, task=task)
    if denied is not None:
        return denied
    if not task_id:
        return SPEC.error_response(400, detail="taskId is required")
    return await serve_status(request, SPEC, task)


def install(app: web.Application) -> None:
    app.router.add_get("/api/v1/statusTask/{model}", status)


SPEC = ProviderSpec(
    name=NAME,
    default_key="sim-apixo-key",
    # resultUrls carry audio too; the audio model is a placeholder (none is named).
    kinds=frozenset({"image", "video", "audio"}),
    default_models={"image": "nano-banana", "video": "sora-2", "audio": "suno-v4"},
    phase_of=PHASE_OF,
    status_body=status_body,
    error_body=error_body,
    new_task_id=new_task_id,
    file_stem=hex_file_stem,
    install=install,
    wrapped_in_data=True,
)
