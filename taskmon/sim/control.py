"""The control API under /_sim/, so another process (a benchmark) can script tasks.

    POST   /_sim/tasks              TaskScript as JSON -> 201, the SimTask as JSON
    GET    /_sim/tasks              every task added so far
    GET    /_sim/tasks/{id}/stats   TaskStats as JSON (?provider= when IDs collide)
    DELETE /_sim/tasks/{id}         remove the task: from then on it is lost (404)
    GET    /_sim/stats              counters across the whole simulator
    GET    /_sim/keys               provider -> API key, and the base URLs

No auth: the simulator listens on loopback and holds no real secrets.
"""

from __future__ import annotations

import json

from aiohttp import web

from taskmon.sim.scripts import TaskScript
from taskmon.sim.state import STATE_KEY


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


def add_routes(app: web.Application) -> None:
    app.router.add_post("/_sim/tasks", add_task)
    app.router.add_get("/_sim/tasks", list_tasks)
    app.router.add_get("/_sim/tasks/{task_id}/stats", task_stats)
    app.router.add_delete("/_sim/tasks/{task_id}", remove_task)
    app.router.add_get("/_sim/stats", global_stats)
    app.router.add_get("/_sim/keys", keys)
