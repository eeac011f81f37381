"""The API origin: every provider's documented status endpoint on one port.

A request goes: count → auth (401) → key-wide rate limit (429) → task lookup
(404, or 403 where the provider says so) → scripted fault → status body.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from taskmon.sim.bodies import PHASE_OF, status_body
from taskmon.sim.errors import error_response
from taskmon.sim.faults import apply_fault, pick_fault, rate_limit_headers
from taskmon.sim.state import STATE_KEY, SimState
from taskmon.sim.task import TERMINAL_PHASES, PollRecord, SimTask

# Per request: which provider answered. web.RequestKey is aiohttp >= 3.12; the
# declared floor is 3.9, where a plain string key is the way.
PROVIDER_KEY: Any = (
    web.RequestKey("taskmon_sim_provider", str)
    if hasattr(web, "RequestKey")
    else "taskmon_sim_provider"
)
# Only these two providers document 403 as "the task belongs to another account".
FORBIDDEN_MEANS_FOREIGN = frozenset({"xenodia", "vidgo"})


def _presented_key(request: web.Request, provider: str) -> tuple[str | None, int]:
    """(key, reAPI error code when there is no usable key)."""
    if provider == "bytespike" and "x-api-key" in request.headers:
        return request.headers["x-api-key"], 10003  # x-api-key wins over Bearer
    header = request.headers.get("Authorization")
    if header is None:
        return None, 10001
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None, 10002
    return token.strip(), 10003


def guard(request: web.Request, provider: str) -> web.Response | None:
    """Count the request, check the key and the rate limit; a response means stop."""
    state = request.app[STATE_KEY]
    request[PROVIDER_KEY] = provider
    state.requests_by_provider[provider] += 1
    key, reapi_code = _presented_key(request, provider)
    if key is None or not hmac.compare_digest(key.encode(), state.keys[provider].encode()):
        return error_response(provider, 401, reapi_code=reapi_code)
    now = state.clock()
    limits = state.limits[provider]
    wait_s = limits.limiter.try_acquire(now)
    if limits.enforced and wait_s is not None:
        return error_response(provider, 429, headers=rate_limit_headers(provider, wait_s, now))
    return None


def foreign_response(task: SimTask, now: float) -> web.Response:
    status = 403 if task.provider in FORBIDDEN_MEANS_FOREIGN else 404
    task.polls.append(PollRecord(now, status))
    return error_response(task.provider, status)


async def serve_status(
    request: web.Request, task: SimTask | None, provider: str
) -> web.StreamResponse:
    """Answer one status request for `task` (None: unknown to this key)."""
    state = request.app[STATE_KEY]
    now = state.clock()
    if task is None:
        return error_response(provider, 404)
    if task.script.foreign:
        return foreign_response(task, now)
    fault = pick_fault(task, now, len(task.polls))
    if fault is not None:
        response = await apply_fault(request, state, task, fault, now)
        if response is not None:
            return response
        now = state.clock()  # "slow": the answer reflects the moment it is sent
    cache_hit = False
    if provider == "reapi" and task.cache and now - task.cache[0] < state.reapi_cache_s:
        native, body = task.cache[1]
        cache_hit = True
    else:
        native, body = status_body(task, now, state.media_base, state.secret)
        if provider == "reapi":  # cached only while in flight, as the docs say
            in_flight = task.phase_at(now) not in TERMINAL_PHASES
            task.cache = (now, (native, body)) if in_flight else None
    task.polls.append(
        PollRecord(
            now,
            200,
            native,
            PHASE_OF[provider].get(native),
            cache_hit,
            fault.kind if fault else None,
        )
    )
    return web.json_response(body)


def _simple_status(provider: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        denied = guard(request, provider)
        if denied is not None:
            return denied
        task = request.app[STATE_KEY].find(provider, request.match_info["task_id"])
        return await serve_status(request, task, provider)

    handler.__name__ = f"{provider}_status"
    return handler


async def apixo_status(request: web.Request) -> web.StreamResponse:
    denied = guard(request, "apixo")
    if denied is not None:
        return denied
    task_id = request.query.get("taskId", "")
    if not task_id:
        return error_response("apixo", 400, detail="taskId is required")
    task = request.app[STATE_KEY].find("apixo", task_id)
    if task is not None and task.model != request.match_info["model"]:
        task = None  # the model is part of the reference: another model, another task
    return await serve_status(request, task, "apixo")


async def _bytespike_headers(request: web.Request, response: web.StreamResponse) -> None:
    """BytesPike sends X-RateLimit-* on every response, errors and streams included."""
    if request.get(PROVIDER_KEY) != "bytespike":
        return
    state: SimState = request.app[STATE_KEY]
    limiter = state.limits["bytespike"].limiter
    now = state.clock()
    response.headers.setdefault("X-RateLimit-Limit", str(limiter.burst))
    response.headers.setdefault("X-RateLimit-Remaining", str(limiter.remaining(now)))
    response.headers.setdefault("X-RateLimit-Reset", str(limiter.reset_epoch(now)))
    response.headers.setdefault("X-Quota-Remaining-Credits", "1000.00")


def build_api_app(state: SimState) -> web.Application:
    # Imported here: these modules import this one for guard/serve_status.
    from taskmon.sim import bytespike_api, control

    app = web.Application()
    app[STATE_KEY] = state
    app.on_response_prepare.append(_bytespike_headers)
    add = app.router
    add.add_get("/v1/tasks/stream/{task_id}", bytespike_api.stream)
    add.add_post("/v1/tasks/query", bytespike_api.query)
    add.add_post("/v1/tasks/cancel/{task_id}", bytespike_api.cancel_by_path)
    add.add_post("/v1/tasks/cancel", bytespike_api.cancel_by_body)
    add.add_get("/v1/tasks/{task_id}", _simple_status("xenodia"))
    add.add_get("/api/v1/statusTask/{model}", apixo_status)
    add.add_get("/api/generate/status/{task_id}", _simple_status("vidgo"))
    add.add_get("/api/v1/tasks/{task_id}", _simple_status("reapi"))
    control.add_routes(app)
    return app
