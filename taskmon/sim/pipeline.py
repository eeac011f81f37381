"""The path every provider endpoint shares.

A request goes: count → outage (the whole answer, while one is in force) →
auth (401) → key-wide rate limit (429) → task lookup (404, or 403 where the
provider says so) → scripted fault → status body. Each provider module finds
the task its request names, then calls `guard` and `serve_status` with its SPEC.
"""

from __future__ import annotations

import hmac
from typing import Any

from aiohttp import web

from taskmon.sim.faults import apply_fault, outage_response, pick_fault
from taskmon.sim.outage import OutageHit
from taskmon.sim.provider_spec import KEY_INVALID, KEY_MALFORMED, KEY_MISSING, ProviderSpec
from taskmon.sim.state import STATE_KEY
from taskmon.sim.task import TERMINAL_PHASES, PollRecord, SimTask

# Per request: which provider answered (unset when an outage answered instead).
# web.RequestKey is aiohttp >= 3.12; the declared floor is 3.9, where a plain
# string key is the way.
PROVIDER_KEY: Any = (
    web.RequestKey("taskmon_sim_provider", str)
    if hasattr(web, "RequestKey")
    else "taskmon_sim_provider"
)


def _presented_key(request: web.Request, spec: ProviderSpec) -> tuple[str | None, str]:
    """(key, why it would be refused)."""
    if spec.accepts_x_api_key and "x-api-key" in request.headers:
        return request.headers["x-api-key"], KEY_INVALID  # x-api-key wins over Bearer
    header = request.headers.get("Authorization")
    if header is None:
        return None, KEY_MISSING
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None, KEY_MALFORMED
    return token.strip(), KEY_INVALID


def guard(
    request: web.Request,
    spec: ProviderSpec,
    *,
    call: str = "status",
    task: SimTask | None = None,
) -> web.StreamResponse | None:
    """Count the request, then outage, key and rate limit; a response means stop.

    `task` is the live task the request names, if any: an outage hit is
    recorded on it too.
    """
    state = request.app[STATE_KEY]
    state.requests_by_provider[spec.name] += 1
    now = state.clock()
    outage = state.outages.in_force(spec.name, now)
    if outage is not None:
        status, response = outage_response(request, spec, outage, now)
        task_id = task.task_id if task is not None else None
        hit = OutageHit(now, spec.name, outage.kind, status, call, task_id)
        state.outages.hits.append(hit)
        if task is not None:
            task.outage_hits.append(hit)
        return response
    request[PROVIDER_KEY] = spec.name
    key, cause = _presented_key(request, spec)
    if key is None or not hmac.compare_digest(key.encode(), state.keys[spec.name].encode()):
        return spec.error_response(401, cause=cause)
    limits = state.limits[spec.name]
    wait_s = limits.limiter.try_acquire(now)
    if limits.enforced and wait_s is not None:
        return spec.error_response(429, headers=spec.rate_limit_headers(wait_s, now))
    return None


def foreign_response(spec: ProviderSpec, task: SimTask, now: float) -> web.Response:
    """Another account's task: 403 where the provider documents it, else 404."""
    status = 403 if spec.forbidden_means_foreign else 404
    task.polls.append(PollRecord(now, status))
    return spec.error_response(status)


async def serve_status(
    request: web.Request, spec: ProviderSpec, task: SimTask | None
) -> web.StreamResponse:
    """Answer one status request for `task` (None: unknown to this key)."""
    state = request.app[STATE_KEY]
    now = state.clock()
    if task is None:
        return spec.error_response(404)
    if task.script.foreign:
        return foreign_response(spec, task, now)
    fault = pick_fault(task, now, len(task.polls))
    if fault is not None:
        response = await apply_fault(request, state, spec, task, fault, now)
        if response is not None:
            return response
        now = state.clock()  # "slow": the answer reflects the moment it is sent
    task.renew_expired_links(now)
    cache_hit = False
    if spec.caches_in_flight_status and task.cache and now - task.cache[0] < state.reapi_cache_s:
        native, body = task.cache[1]
        cache_hit = True
    else:
        native, body = spec.status_body(task, now, state.media_base, state.secret)
        if spec.caches_in_flight_status:  # cached only while in flight, as the docs say
            in_flight = task.phase_at(now) not in TERMINAL_PHASES
            task.cache = (now, (native, body)) if in_flight else None
    task.polls.append(
        PollRecord(
            now,
            200,
            native,
            spec.phase_of.get(native),
            cache_hit,
            fault.kind if fault else None,
        )
    )
    return web.json_response(body)
