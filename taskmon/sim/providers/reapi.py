"""reAPI: `GET /api/v1/tasks/{id}` (reapi.txt, facts.md).

- States processing → completed | failed (no queued state: a queue reads as
  processing); `output` holds `<kind>_urls` (and `last_frame_url` for a
  video), a failure `error: {code: int, message}`; HTTP 200 either way.
- The in-flight status answer is cached for 5 s (`reapi_cache_s`); a
  terminal answer never is.
- 403 (10006) is an access error, so another account's task is 404 (40001).
- Errors: `{error: {code: <5-digit int>, message, request_id}}`; the auth
  codes tell a missing header (10001), a malformed one (10002), an invalid
  key (10003) and a revoked one (10004) apart.
- IDs: `task_` and 32 hex digits; result files are named 0, 1, ...
"""

from __future__ import annotations

import random
import secrets

from aiohttp import web

from taskmon.sim.pipeline import guard, serve_status
from taskmon.sim.provider_spec import (
    KEY_MALFORMED,
    KEY_MISSING,
    KEY_REVOKED,
    Body,
    ProviderSpec,
    default_message,
    scripted_error,
)
from taskmon.sim.state import STATE_KEY
from taskmon.sim.task import SimTask

NAME = "reapi"
NATIVE_STATES: dict[str, str] = {
    "queued": "processing",
    "running": "processing",
    "succeeded": "completed",
}
PHASE_OF: dict[str, str] = {"processing": "running", "completed": "succeeded", "failed": "failed"}
DEFAULT_ERROR: tuple[str | None, str] = ("80006", "Request violates content policy")

_CODES: dict[int, int] = {
    400: 20002,
    401: 10003,
    403: 10006,
    404: 40001,
    429: 50001,
    500: 60099,
    502: 70001,
    503: 70002,
}
_AUTH_CODES: dict[str, int] = {KEY_MISSING: 10001, KEY_MALFORMED: 10002, KEY_REVOKED: 10004}


def new_task_id(epoch_s: float, rng: random.Random) -> str:
    """task_018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e"""
    return f"task_{rng.getrandbits(128):032x}"


def file_stem(index: int, epoch_s: float, rng: random.Random) -> str:
    """.../media/tasks/<id>/0.png"""
    return str(index)


def status_body(task: SimTask, now: float, media_base: str, secret: bytes) -> tuple[str, Body]:
    phase = task.phase_at(now)
    state = NATIVE_STATES.get(phase, phase)
    body: Body = {
        "id": task.task_id,
        "model": task.model,
        "status": state,
        "created_at": int(task.added_at_epoch),
        "output": None,
        "error": None,
    }
    if phase == "succeeded":
        output: Body = {f"{task.kind}_urls": task.result_urls(media_base, secret)}
        last_frame = task.last_frame_url(media_base, secret)
        if last_frame is not None:
            output["last_frame_url"] = last_frame
        body["output"] = output
    elif phase == "failed":
        code, message = scripted_error(task, DEFAULT_ERROR)
        body["error"] = {"code": int(code) if code and code.isdigit() else code, "message": message}
    return state, body


def error_body(
    status: int,
    message: str | None = None,
    *,
    detail: str | None = None,
    cause: str | None = None,
) -> Body:
    code = _AUTH_CODES.get(cause or "") or _CODES.get(status, 60099)
    return {
        "error": {
            "code": code,
            "message": detail or message or default_message(status),
            "request_id": f"req_{secrets.token_hex(8)}",
        }
    }


async def status(request: web.Request) -> web.StreamResponse:
    task = request.app[STATE_KEY].find(NAME, request.match_info["task_id"])
    denied = guard(request, SPEC, task=task)
    if denied is not None:
        return denied
    return await serve_status(request, SPEC, task)


def install(app: web.Application) -> None:
    app.router.add_get("/api/v1/tasks/{task_id}", status)


SPEC = ProviderSpec(
    name=NAME,
    default_key="rk_live_sim_reapi_key",  # the documented rk_live_ prefix
    kinds=frozenset({"image", "video", "audio"}),  # audio_urls; the audio model is a placeholder
    default_models={"image": "gpt-image-2", "video": "doubao-seedance-2.0", "audio": "suno-v4"},
    phase_of=PHASE_OF,
    status_body=status_body,
    error_body=error_body,
    new_task_id=new_task_id,
    file_stem=file_stem,
    install=install,
    has_last_frame=True,
    caches_in_flight_status=True,
)
