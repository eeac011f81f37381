"""Scripted misbehaviour on status requests.

Choices where the brief left one open:
- "html": a proxy's HTML error page with HTTP 200 (the parser must cope
  without a status hint); "html502" is the same page with HTTP 502.
- "malformed": HTTP 200 with valid JSON in the provider's envelope but the
  state field missing, the "looks right, isn't" case.
- "truncated": the first half of the real body, with a Content-Length that
  matches what is sent, so the client gets a complete response that is not
  valid JSON (a cut connection is "reset", or media_cut_after for downloads).
- "reset": the TCP connection is closed with no response at all.
- "404": the provider's own "no such task" answer for a task that exists (a
  blip of an eventually consistent backend); with `from_s` it can hit a task
  already seen running.

Host-wide outages (`taskmon.sim.outage`) are answered here too, with the same
proxy page and the same reset.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from taskmon.sim.outage import Outage
from taskmon.sim.provider_spec import KEY_REVOKED, ProviderSpec, retry_after_value
from taskmon.sim.scripts import Fault
from taskmon.sim.state import SimState
from taskmon.sim.task import PollRecord, SimTask

PROXY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def pick_fault(task: SimTask, now: float, poll_index: int) -> Fault | None:
    """The first of the task's faults that applies to this status request."""
    for fault in task.script.faults:
        if fault.from_s and now - task.added_at_epoch < fault.from_s:
            continue
        if fault.first and poll_index < fault.first:
            return fault
        if fault.until_s and now - task.added_at_epoch < fault.until_s:
            return fault
        if fault.probability and task.rng.random() < fault.probability:
            return fault
    return None


def _reset(request: web.Request) -> web.Response:
    if request.transport is not None:
        request.transport.abort()
    # Writing this to the aborted transport fails quietly inside aiohttp.
    return web.Response(status=500)


def _proxy_page(status: int) -> web.Response:
    return web.Response(status=status, text=PROXY_HTML, content_type="text/html")


def _without_state(spec: ProviderSpec, body: dict[str, Any]) -> dict[str, Any]:
    body = json.loads(json.dumps(body))  # deep copy, never mutate a cached body
    holder = body["data"] if spec.wrapped_in_data else body
    for key in ("state", "status"):
        holder.pop(key, None)
    return body


async def apply_fault(
    request: web.Request,
    state: SimState,
    spec: ProviderSpec,
    task: SimTask,
    fault: Fault,
    now: float,
) -> web.StreamResponse | None:
    """Answer with the fault, or None when the request goes on normally ("slow")."""

    def record(status: int) -> None:
        task.polls.append(PollRecord(now, status, fault=fault.kind))

    kind = fault.kind
    if kind == "slow":
        await asyncio.sleep(fault.delay_s)
        return None
    if kind == "reset":
        record(0)
        return _reset(request)
    if kind in ("429", "503"):
        record(int(kind))
        headers = spec.rate_limit_headers(fault.retry_after_s, now)
        if kind == "503":
            headers = {"Retry-After": headers["Retry-After"]}
        return spec.error_response(int(kind), headers=headers)
    if kind in ("500", "502"):
        record(int(kind))
        return spec.error_response(int(kind))
    if kind == "404":
        record(404)
        return spec.error_response(404)
    if kind == "401":
        record(401)
        return spec.error_response(401, "API key revoked", cause=KEY_REVOKED)
    if kind in ("html", "html502"):
        status = 502 if kind == "html502" else 200
        record(status)
        return _proxy_page(status)
    if kind == "empty":
        record(200)
        return web.Response(status=200, body=b"", content_type="application/json")
    _, body = spec.status_body(task, now, state.media_base, state.secret)
    record(200)
    if kind == "malformed":
        return web.json_response(_without_state(spec, body))
    raw = json.dumps(body).encode()  # "truncated"
    return web.Response(status=200, body=raw[: len(raw) // 2], content_type="application/json")


def outage_response(
    request: web.Request, spec: ProviderSpec, outage: Outage, now: float
) -> tuple[int, web.Response]:
    """(HTTP status, 0 for a reset; the response) of a request an outage answers."""
    kind = outage.kind
    if kind == "reset":
        return 0, _reset(request)
    if kind == "html502":
        return 502, _proxy_page(502)
    headers = {"Retry-After": retry_after_value(outage.seconds_left(now))} if kind == "503" else {}
    return int(kind), spec.error_response(int(kind), headers=headers)
