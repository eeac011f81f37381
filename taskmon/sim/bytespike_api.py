"""BytesPike's task endpoints: query, cancel (two forms) and the SSE stream.

The stream's wire format is not published. The simulator's choice:

    event: task
    data: <the same JSON object /v1/tasks/query returns>

sent once on connect, then once per state change (BytesPike reports no
progress), with `: keep-alive` comment lines while nothing changes. The
server closes the stream after sending a terminal state. There are no event
IDs: the docs say a dropped stream cannot be resumed, only reopened.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from taskmon.sim.api import guard, serve_status
from taskmon.sim.bodies import status_body
from taskmon.sim.errors import error_response
from taskmon.sim.state import STATE_KEY, SimState
from taskmon.sim.task import TERMINAL_PHASES, SimTask

_POLL_S = 0.05  # how often an open stream looks for a change (cancel, phase edge)


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


def _find(state: SimState, field: str, value: str) -> SimTask | None:
    if field == "task_id":
        return state.find("bytespike", value)
    return state.find_by_out_task_id(value)


async def query(request: web.Request) -> web.StreamResponse:
    denied = guard(request, "bytespike")
    if denied is not None:
        return denied
    ident = _one_identifier(await _json_object(request))
    if isinstance(ident, str):
        return error_response("bytespike", 400, detail=ident)
    task = _find(request.app[STATE_KEY], *ident)
    return await serve_status(request, task, "bytespike")


def _cancel(request: web.Request, task: SimTask | None) -> web.Response:
    """Idempotent: a terminal task comes back unchanged, still 200."""
    state = request.app[STATE_KEY]
    if task is None or task.script.foreign:  # another key's task is not found
        return error_response("bytespike", 404)
    now = state.clock()
    task.cancel_requests += 1
    task.cancel(now)
    _, body = status_body(task, now, state.media_base, state.secret)
    return web.json_response(body)


async def cancel_by_path(request: web.Request) -> web.Response:
    denied = guard(request, "bytespike")
    if denied is not None:
        return denied
    # The path ID wins over anything in a body, so the body is not read.
    task_id = request.match_info["task_id"]
    return _cancel(request, request.app[STATE_KEY].find("bytespike", task_id))


async def cancel_by_body(request: web.Request) -> web.Response:
    denied = guard(request, "bytespike")
    if denied is not None:
        return denied
    ident = _one_identifier(await _json_object(request))
    if isinstance(ident, str):
        return error_response("bytespike", 400, detail=ident)
    return _cancel(request, _find(request.app[STATE_KEY], *ident))


def _event(body: dict[str, Any]) -> bytes:
    return b"event: task\ndata: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"


async def stream(request: web.Request) -> web.StreamResponse:
    denied = guard(request, "bytespike")
    if denied is not None:
        return denied
    state = request.app[STATE_KEY]
    task = state.find("bytespike", request.match_info["task_id"])
    if task is None or task.script.foreign:
        return error_response("bytespike", 404)
    task.stream_connections += 1
    if not task.script.stream:
        # 503 rather than 404, so a client cannot mistake it for a lost task.
        return error_response("bytespike", 503, detail="task streaming is unavailable")
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    opened = last_write = loop.time()
    drop_after = task.script.stream_drop_after_s
    sent_state: str | None = None
    try:
        while True:
            if drop_after is not None and loop.time() - opened >= drop_after:
                if request.transport is not None:
                    request.transport.abort()  # no terminal event, no clean end
                return response
            now = state.clock()
            native, body = status_body(task, now, state.media_base, state.secret)
            if native != sent_state:
                await response.write(_event(body))
                task.stream_events += 1
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
