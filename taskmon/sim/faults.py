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
"""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

from aiohttp import web

from taskmon.sim.bodies import status_body
from taskmon.sim.errors import error_response
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
        if fault.first and poll_index < fault.first:
            return fault
        if fault.until_s and now - task.added_at_epoch < fault.until_s:
            return fault
        if fault.probability and task.rng.random() < fault.probability:
            return fault
    return None


def retry_after_value(seconds: float) -> str:
    """Retry-After is whole seconds on the wire; round up so clients never come early."""
    return str(max(0, math.ceil(seconds)))


def rate_limit_headers(provider: str, wait_s: float, now: float) -> dict[str, str]:
    headers = {"Retry-After": retry_after_value(wait_s)}
    if provider == "bytespike":  # BytesPike documents waiting until X-RateLimit-Reset
        headers |= {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(math.ceil(now + wait_s))}
    return headers


def _without_state(provider: str, body: dict[str, Any]) -> dict[str, Any]:
    body = json.loads(json.dumps(body))  # deep copy, never mutate a cached body
    holder = body["data"] if provider in ("apixo", "vidgo") else body
    for key in ("state", "status"):
        holder.pop(key, None)
    return body


async def apply_fault(
    request: web.Request, state: SimState, task: SimTask, fault: Fault, now: float
) -> web.StreamResponse | None:
    """Answer with the fault, or None when the request goes on normally ("slow")."""
    provider = task.provider

    def record(status: int) -> None:
        task.polls.append(PollRecord(now, status, fault=fault.kind))

    kind = fault.kind
    if kind == "slow":
        await asyncio.sleep(fault.delay_s)
        return None
    if kind == "reset":
        record(0)
        if request.transport is not None:
            request.transport.abort()
        # Writing this to the aborted transport fails quietly inside aiohttp.
        return web.Response(status=500)
    if kind in ("429", "503"):
        record(int(kind))
        headers = rate_limit_headers(provider, fault.retry_after_s, now)
        if kind == "503":
            headers = {"Retry-After": headers["Retry-After"]}
        return error_response(provider, int(kind), headers=headers)
    if kind in ("500", "502"):
        record(int(kind))
        return error_response(provider, int(kind))
    if kind == "401":
        record(401)
        return error_response(provider, 401, "API key revoked", reapi_code=10004)
    if kind in ("html", "html502"):
        status = 502 if kind == "html502" else 200
        record(status)
        return web.Response(status=status, text=PROXY_HTML, content_type="text/html")
    if kind == "empty":
        record(200)
        return web.Response(status=200, body=b"", content_type="application/json")
    _, body = status_body(task, now, state.media_base, state.secret)
    record(200)
    if kind == "malformed":
        return web.json_response(_without_state(provider, body))
    raw = json.dumps(body).encode()  # "truncated"
    return web.Response(status=200, body=raw[: len(raw) // 2], content_type="application/json")
