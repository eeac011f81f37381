"""The control API under /_sim/, so another process (a benchmark) can script tasks.

    POST   /_sim/tasks              TaskScript as JSON -> 201, the SimTask as JSON
    GET    /_sim/tasks              every task added so far
    GET    /_sim/tasks/{id}/stats   TaskStats as JSON (?provider= when IDs collide)
    DELETE /_sim/tasks/{id}         remove the task: from then on it is lost (404)
    GET    /_sim/stats              counters across the whole simulator
    GET    /_sim/keys               provider -> API key, and the base URLs
    POST   /_sim/outages            {"provider": name|null, "kind", "duration_s"} -> 201, the Outage
    DELETE /_sim/outages            end the outage of ?provider= (absent: the port-wide one)
    GET    /_sim/outages            outages in force, every OutageHit, hits per provider

No auth: the simulator listens on loopback and holds no real secrets.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from taskmon.sim.scripts import TaskScript
from taskmon.sim.state import STATE_KEY

_OUTAGE_FIELDS = frozenset({"provider", "kind", "duration_s"})


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def add_task(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    try:
        script = TaskScript.from_dict(json.loads(await request.read()))
        task = state.add(script)
    except (UnicodeDecodeError, ValueError) as exc:
        return _problem(400, str(exc))
    return web.json_response(task.to_dict(state.media_base, state.secret), status=201)


async def list_tasks(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    return web.json_response([t.to_dict(state.media_base, state.secret) for t in state.history])


async def task_stats(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    try:
        task = state.lookup(request.match_info["task_id"], request.query.get("provider"))
    except KeyError as exc:
        return _problem(404, str(exc.args[0]))
    return web.json_response(task.stats().to_dict())


async def remove_task(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    try:
        state.remove(request.match_info["task_id"], request.query.get("provider"))
    except KeyError as exc:
        return _problem(404, str(exc.args[0]))
    return web.Response(status=204)


async def global_stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE_KEY].global_stats())


async def keys(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    api_base = f"{request.scheme}://{request.host}"
    return web.json_response(
        {"keys": state.keys, "api_url": api_base, "media_url": state.media_base}
    )


def _outage_request(untrusted: Any) -> tuple[str | None, str, float]:
    """(provider, kind, duration_s) from a POST /_sim/outages body; ValueError if malformed."""
    if not isinstance(untrusted, dict):
        raise ValueError("an outage must be a JSON object")
    unknown = sorted(set(untrusted) - _OUTAGE_FIELDS)
    if unknown:
        raise ValueError(f"unknown outage fields: {', '.join(unknown)}")
    provider, kind = untrusted.get("provider"), untrusted.get("kind")
    duration_s = untrusted.get("duration_s")
    if provider is not None and not isinstance(provider, str):
        raise ValueError("provider must be a provider name or null")
    if not isinstance(kind, str):
        raise ValueError("kind is required")
    if isinstance(duration_s, bool) or not isinstance(duration_s, int | float):
        raise ValueError("duration_s must be a number of seconds")
    return provider, kind, float(duration_s)


async def start_outage(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    try:
        provider, kind, duration_s = _outage_request(json.loads(await request.read()))
        outage = state.outages.start(provider, kind, state.clock(), duration_s)
    except (UnicodeDecodeError, ValueError) as exc:
        return _problem(400, str(exc))
    return web.json_response(outage.to_dict(), status=201)


async def end_outage(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    provider = request.query.get("provider")
    ended = state.outages.clear(provider, state.clock())
    if ended is None:
        return _problem(404, f"no outage in force for {provider or 'the whole port'}")
    return web.json_response(ended.to_dict())


async def list_outages(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    outages = state.outages
    return web.json_response(
        {
            "active": [o.to_dict() for o in outages.active(state.clock())],
            "hits": [h.to_dict() for h in outages.hits],
            "hits_by_provider": outages.hits_by_provider(),
        }
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post("/_sim/tasks", add_task)
    app.router.add_get("/_sim/tasks", list_tasks)
    app.router.add_get("/_sim/tasks/{task_id}/stats", task_stats)
    app.router.add_delete("/_sim/tasks/{task_id}", remove_task)
    app.router.add_get("/_sim/stats", global_stats)
    app.router.add_get("/_sim/keys", keys)
    app.router.add_post("/_sim/outages", start_outage)
    app.router.add_delete("/_sim/outages", end_outage)
    app.router.add_get("/_sim/outages", list_outages)
