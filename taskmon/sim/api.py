"""The API origin: every provider's documented endpoints and the control API on one port."""

from __future__ import annotations

from aiohttp import web

from taskmon.sim.control import add_routes as add_control_routes
from taskmon.sim.state import STATE_KEY, SimState


def build_api_app(state: SimState) -> web.Application:
    """An app serving each of `state`'s providers (their SPEC installs them) and /_sim/."""
    app = web.Application()
    app[STATE_KEY] = state
    for spec in state.specs.values():
        spec.install(app)
    add_control_routes(app)
    return app
