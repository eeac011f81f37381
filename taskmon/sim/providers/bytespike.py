"""BytesPike (spelled ByteSpike in its docs): query, cancel, the SSE stream (bytespike.txt).

- `POST /v1/tasks/query` with exactly one of `task_id` / `out_task_id`;
  states pending → running → completed | failed, or cancelled. On completion
  `credits_used` replaces `estimated_credits` and `output` lists the files.
- Cancel: `POST /v1/tasks/cancel/{task_id}` (the path wins, the body is not
  read) or `POST /v1/tasks/cancel` with a JSON identifier; idempotent.
- Keys start `sk-byts-`; `x-api-key` is accepted beside Bearer and wins.
  Every response carries X-RateLimit-* headers (outage answers excepted:
  the host never saw those requests).
- Errors: OpenAI style `{error: {type, message}}`, type = the documented code;
  another key's task is 404 task_not_found.
- IDs: `task_` and a 26-character ULID; result files are named by a ULID.

The stream's wire format is not published. The simulator's choice:

    event: task
    data: <the same JSON object /v1/tasks/query returns>

sent once on connect, then once per state change (BytesPike reports no
progress), with `: keep-alive` comment lines while nothing changes. The
server closes the stream after sending a terminal state. A script's
`stream_events_max` makes a connection fall silent (keep-alives only) after
that many events: a stream that never ends. There are no event
IDs: the docs say a dropped stream cannot be resumed, only reopened. An
outage of the host cuts open streams.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
from typing import Any

from aiohttp import web

from taskmon.sim.pipeline import PROVIDER_KEY, guard, serve_status
from taskmon.sim.provider_spec import (
    Body,
    ProviderSpec,
    default_message,
    retry_after_value,
    scripted_error,
)
from taskmon.sim.state import STATE_KEY, SimState
from taskmon.sim.task import TERMINAL_PHASES, SimTask

NAME = "bytespike"
NATIVE_STATES: dict[str, str] = {"queued": "pending", "succeeded": "completed"}
PHASE_OF: dict[str, str] = {
    "pending": "queued",
    "running": "running",
    "completed": "succeeded",
    "failed": "failed",
    "cancelled": "cancelled",
}
DEFAULT_ERROR: tuple[str | None, str] = (
    "generation_failed",
    "The model could not generate this output",
)

_TYPES: dict[int, str] = {
    400: "invalid_param",
    401: "invalid_api_key",
    403: "permission_denied",
    404: "task_not_found",
    429: "rate_limit_error",
    500: "internal_error",
    502: "upstream_error",
    503: "service_unavailable",
}
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_POLL_S = 0.05  # how often an open stream looks for a change (cancel, phase edge, outage)


def ulid(epoch_s: float, rng: random.Random) -> str:
    """A 26-character ULID: 48-bit millisecond time then 80 random bits."""
    value = (int(epoch_s * 1000) & ((1 << 48) - 1)) << 80 | rng.getrandbits(80)
    chars = [_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5)]
    return "".join(chars)


def new_task_id(epoch_s: float, rng: random.Random) -> str:
    """task_01HQX9F2P6Y8VEX3CRZ8GXJVD9"""
    return "task_" + ulid(epoch_s, rng)


def file_stem(index: int, epoch_s: float, rng: random.Random) -> str:
    """.../multimodal/<model>/<date>/<ULID>.mp4"""
    return ulid(epoch_s, rng)


def _estimated_credits(task: SimTask) -> float:
    per_output = 1.5 if task.kind == "video" else 0.04
    return round(per_output * max(1, task.script.outputs), 2)


def status_body(task: SimTask, now: float, media_base: str, secret: bytes) -> tuple[str, Body]:
    phase = task.phase_at(now)
    state = NATIVE_STATES.get(phase, phase)
    body: Body = {"task_id": task.task_id}
    if task.out_task_id is not None:
        body["out_task_id"] = task.out_task_id
    body["status"] = state
    if phase == "succeeded":
        # credits_used replaces estimated_credits; the ETA stays.
        body["estimated_seconds"] = task.estimated_total_s
        body["credits_used"] = round(_estimated_credits(task) * 0.98, 2)
        output: list[Body] = []
        for url in task.result_urls(media_base, secret):
            item: Body = {"type": task.kind, "url": url}
            if task.kind == "video":
                item["duration_seconds"] = 8
            output.append(item)
        body["output"] = output
        return state, body
    body["estimated_credits"] = _estimated_credits(task)
    body["estimated_seconds"] = task.estimated_total_s
    if phase == "failed":
        code, message = scripted_error(task, DEFAULT_ERROR)
        body |= {"error_code": code, "error_message": message}
    return state, body


def error_body(
    status: int,
    message: str | None = None,
    *,
    detail: str | None = None,
    cause: str | None = None,
) -> Body:
    err_type = _TYPES.get(status, "api_error")
    return {"error": {"type": err_type, "message": detail or message or default_message(status)}}


def rate_limit_headers(wait_s: float, now: float) -> dict[str, str]:
    """BytesPike documents waiting until X-RateLimit-Reset."""
    return {
        "Retry-After": retry_after_value(wait_s),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(math.ceil(now + wait_s)),
    }


async def _json_object(request: web.Request) -> dict[str, Any] | None:
    try:
        untrusted = json.loads(await request.read() or b"null")
    except (UnicodeDecodeError, ValueError):
        return None
    return untrusted if isinstance(untrusted, dict) else None


def _one_identifier(body: dict[str, Any] | None) -> tuple[str, str] | str:
    """("task_id"|"out_task_id", value), or the reason the body is invalid."""
    if body is None:
        return "the body must be a JSON object"
    given = [(k, body.get(k)) for k in ("task_id", "out_task_id") if body.get(k) not in (None, "")]
    if len(given) != 1:
        return "exactly one of task_id or out_task_id is required"
    field, value = given[0]
    if not isinstance(value, str):
        return f"{field} must be a string"
    return field, value


def _find(state: SimState, ident: tuple[str, str] | str) -> SimTask | None:
    if isinstance(ident, str):
        return None
    field, value = ident
    if field == "task_id":
        return state.find(NAME, value)
    return state.find_by_out_task_id(value)


async def query(request: web.Request) -> web.StreamResponse:
    ident = _one_identifier(await _json_object(request))
    task = _find(request.app[STATE_KEY], ident)
    denied = guard(request, SPEC, task=task)
    if denied is not None:
        return denied
    if isinstance(ident, str):
        return SPEC.error_response(400, detail=ident)
    return await serve_status(request, SPEC, task)


def _cancel(request: web.Request, task: SimTask | None) -> web.Response:
    """Idempotent: a terminal task comes back unchanged, still 200."""
    state = request.app[STATE_KEY]
    if task is None or task.script.foreign:  # another key's task is not found
        return SPEC.error_response(404)
    now = state.clock()
    task.cancel_requests += 1
    task.cancel(now)
    _, body = status_body(task, now, state.media_base, state.secret)
    return web.json_response(body)


async def cancel_by_path(request: web.Request) -> web.StreamResponse:
    # The path ID wins over anything in a body, so the body is not read.
    task = request.app[STATE_KEY].find(NAME, request.match_info["task_id"])
    denied = guard(request, SPEC, call="cancel", task=task)
    if denied is not None:
        return denied
    return _cancel(request, task)


async def cancel_by_body(request: web.Request) -> web.StreamResponse:
    ident = _one_identifier(await _json_object(request))
    task = _find(request.app[STATE_KEY], ident)
    denied = guard(request, SPEC, call="cancel", task=task)
    if denied is not None:
        return denied
    if isinstance(ident, str):
        return SPEC.error_response(400, detail=ident)
    return _cancel(request, task)


def _event(body: Body) -> bytes:
    return b"event: task\ndata: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"


def _abort(request: web.Request) -> None:
    if request.transport is not None:
        request.transport.abort()  # no terminal event, no clean end


async def stream(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    task = state.find(NAME, request.match_info["task_id"])
    denied = guard(request, SPEC, call="stream", task=task)
    if denied is not None:
        return denied
    if task is None or task.script.foreign:
        return SPEC.error_response(404)
    task.stream_connections += 1
    if not task.script.stream:
        # 503 rather than 404, so a client cannot mistake it for a lost task.
        return SPEC.error_response(503, detail="task streaming is unavailable")
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    opened = last_write = loop.time()
    drop_after = task.script.stream_drop_after_s
    events_max = task.script.stream_events_max
    sent_state: str | None = None
    sent_events = 0
    try:
        while True:
            if drop_after is not None and loop.time() - opened >= drop_after:
                _abort(request)
                return response
            now = state.clock()
            if state.outages.in_force(NAME, now) is not None:
                _abort(request)  # the host went down under the open stream
                return response
            native, body = status_body(task, now, state.media_base, state.secret)
            mute = events_max is not None and sent_events >= events_max
            if native != sent_state and not mute:
                await response.write(_event(body))
                task.stream_events += 1
                sent_events += 1
                sent_state, last_write = native, loop.time()
                if task.phase_at(now) in TERMINAL_PHASES:
                    break
            elif loop.time() - last_write >= state.sse_keepalive_s:
                await response.write(b": keep-alive\n\n")
                last_write = loop.time()
            await asyncio.sleep(_POLL_S)
        await response.write_eof()
    except ConnectionError:
        pass  # the client went away
    return response


async def _rate_limit_state(request: web.Request, response: web.StreamResponse) -> None:
    """X-RateLimit-* on every BytesPike response, errors and streams included."""
    if request.get(PROVIDER_KEY) != NAME:
        return
    state = request.app[STATE_KEY]
    limiter = state.limits[NAME].limiter
    now = state.clock()
    response.headers.setdefault("X-RateLimit-Limit", str(limiter.burst))
    response.headers.setdefault("X-RateLimit-Remaining", str(limiter.remaining(now)))
    response.headers.setdefault("X-RateLimit-Reset", str(limiter.reset_epoch(now)))
    response.headers.setdefault("X-Quota-Remaining-Credits", "1000.00")


def install(app: web.Application) -> None:
    app.on_response_prepare.append(_rate_limit_state)
    app.router.add_get("/v1/tasks/stream/{task_id}", stream)
    app.router.add_post("/v1/tasks/query", query)
    app.router.add_post("/v1/tasks/cancel/{task_id}", cancel_by_path)
    app.router.add_post("/v1/tasks/cancel", cancel_by_body)


SPEC = ProviderSpec(
    name=NAME,
    default_key="sk-byts-sim-bytespike-key",  # the documented sk-byts- prefix
    kinds=frozenset({"image", "video"}),  # image and video models only
    default_models={"image": "seedream-4", "video": "seedance-1-pro"},
    phase_of=PHASE_OF,
    status_body=status_body,
    error_body=error_body,
    new_task_id=new_task_id,
    file_stem=file_stem,
    install=install,
    outcomes=frozenset({"succeeded", "failed", "cancelled"}),
    has_out_task_id=True,
    accepts_x_api_key=True,
    rate_limit_headers=rate_limit_headers,
)
