"""Xenodia: `GET /v1/tasks/{taskId}` (xenodia.txt, facts.md).

- States: waiting → queuing → generating → success | fail. Times are Unix
  seconds; `result` and `error` stay `{}` until the task ends; `billing`
  (micro-USDC) appears on success only; a failure carries only `message` and
  progress 100, as in the documented example.
- 403 means another account's task (the task page says so).
- Errors: `{error: <slug>, message, type, code}`, all strings (generated reference).
- IDs: no format is specified (`task_123` placeholder): a random hex tail.
"""

from __future__ import annotations

import random

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

NAME = "xenodia"
NATIVE_STATES: dict[str, str] = {"running": "generating", "succeeded": "success", "failed": "fail"}
PHASE_OF: dict[str, str] = {
    "waiting": "queued",
    "queuing": "queued",
    "generating": "running",
    "success": "succeeded",
    "fail": "failed",
}
DEFAULT_ERROR: tuple[str | None, str] = (None, "upstream task failed")

_SLUGS: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
}
_TYPES: dict[int, str] = {
    401: "authentication_error",
    403: "permission_error",
    429: "rate_limit_error",
}
_MESSAGES: dict[int, str] = {502: "The gateway could not refresh or read upstream task state."}


def new_task_id(epoch_s: float, rng: random.Random) -> str:
    return f"task_{rng.getrandbits(96):024x}"


def native_state(task: SimTask, now: float) -> str:
    phase = task.phase_at(now)
    if phase == "queued":
        # Xenodia has two queued states: scheduled first, then an upstream queue.
        waited = now - task.added_at_epoch
        return "waiting" if waited < 0.4 * task.script.queue_s else "queuing"
    return NATIVE_STATES.get(phase, phase)


def status_body(task: SimTask, now: float, media_base: str, secret: bytes) -> tuple[str, Body]:
    state, phase = native_state(task, now), task.phase_at(now)
    video = task.kind == "video"
    prompt = task.script.prompt or f"Simulated {task.kind} {task.task_id}"
    request: Body = {"prompt": prompt}
    request |= (
        {"resolution": "720p"} if video else {"n": task.script.outputs, "response_format": "url"}
    )
    total_ms = task.estimated_total_s * 1000
    body: Body = {
        "task_id": task.task_id,
        "object": "task",
        "request_id": task.request_id,
        "model": task.model,
        "type": task.kind,
        "state": state,
        "request": request,
        "result": {},
        "error": {},
        "progress": 0,
        "poll_url": f"/v1/tasks/{task.task_id}",
        "recommended_poll_interval_ms": int(min(15000, max(1000, total_ms / 10))),
        "eta_hint_seconds": task.estimated_total_s,
        "created_at": int(task.added_at_epoch),
        "updated_at": int(task.changed_at(now)),
    }
    if phase == "running":
        body["progress"] = task.running_progress(now)
        body["updated_at"] = int(now)  # progress moves, so the task object does too
    elif phase == "succeeded":
        urls = task.result_urls(media_base, secret)
        result: Body = {"created": int(task.finishes_at_epoch), "data": [{"url": u} for u in urls]}
        if video:  # documented as possible beside data for videos
            result |= {"origin_data": [{"url": u} for u in urls], "resolution": "720p"}
        micro_usdc = (400_000 if video else 100_000) * max(1, task.script.outputs)
        body |= {
            "result": result,
            "progress": 100,
            "billing": {
                "status": "committed",
                "reserve_amount_micro_usdc": micro_usdc,
                "actual_amount_micro_usdc": micro_usdc,
                "released_amount_micro_usdc": 0,
            },
        }
    elif phase == "failed":
        code, message = scripted_error(task, DEFAULT_ERROR)
        body["error"] = {"message": message} | ({"code": code} if code else {})
        body["progress"] = 100  # as in the documented failure example
    if phase in ("succeeded", "failed"):
        body["completed_at"] = int(task.finishes_at_epoch)
    return state, body


def error_body(
    status: int,
    message: str | None = None,
    *,
    detail: str | None = None,
    cause: str | None = None,
) -> Body:
    slug = _SLUGS.get(status, "error")
    text = message or _MESSAGES.get(status, default_message(status))
    err_type = _TYPES.get(status, "invalid_request_error" if status < 500 else "api_error")
    return {"error": slug, "message": text, "type": err_type, "code": slug}


async def status(request: web.Request) -> web.StreamResponse:
    task = request.app[STATE_KEY].find(NAME, request.match_info["task_id"])
    denied = guard(request, SPEC, task=task)
    if denied is not None:
        return denied
    return await serve_status(request, SPEC, task)


def install(app: web.Application) -> None:
    app.router.add_get("/v1/tasks/{task_id}", status)


SPEC = ProviderSpec(
    name=NAME,
    default_key="sim-xenodia-key",
    kinds=frozenset({"image", "video"}),  # `type` image|video
    default_models={"image": "nano-banana-pro", "video": "veo3_fast"},
    phase_of=PHASE_OF,
    status_body=status_body,
    error_body=error_body,
    new_task_id=new_task_id,
    file_stem=hex_file_stem,
    install=install,
    forbidden_means_foreign=True,
)
