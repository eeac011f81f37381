"""`Simulator`: the API and media listeners plus the Python scripting surface."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from types import TracebackType
from urllib.parse import urlsplit

from aiohttp import web

from taskmon.sim.control import add_routes as add_control_routes
from taskmon.sim.media.origin import build_media_app
from taskmon.sim.outage import Outage, OutageHit
from taskmon.sim.providers.registry import SPECS
from taskmon.sim.scripts import TaskScript
from taskmon.sim.state import STATE_KEY, SimState
from taskmon.sim.task import SimTask, TaskStats

_SHUTDOWN_S = 1.0  # open SSE streams are cut after this on stop()


def build_api_app(state: SimState) -> web.Application:
    """The API origin: each of `state`'s providers (their SPEC installs them) and /_sim/."""
    app = web.Application()
    app[STATE_KEY] = state
    for spec in state.specs.values():
        spec.install(app)
    add_control_routes(app)
    return app


class Simulator:
    """Five providers' status APIs and a media origin on loopback, driven by scripts.

    All methods run on the event loop that called `start()` (use
    `SimulatorThread` from synchronous code).
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        rate_limit_per_s: Mapping[str, float] | None = None,
        keys: Mapping[str, str] | None = None,
        reapi_cache_s: float = 5.0,
        sse_keepalive_s: float = 3.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._state = SimState(
            seed,
            specs=SPECS,
            keys=keys,
            rate_limit_per_s=rate_limit_per_s,
            reapi_cache_s=reapi_cache_s,
            sse_keepalive_s=sse_keepalive_s,
            clock=clock,
        )
        self._runners: list[web.AppRunner] = []
        self._api_url = ""

    async def start(self, host: str = "127.0.0.1", api_port: int = 0, media_port: int = 0) -> None:
        """Listen on both ports (0 = any free port)."""
        if self._runners:
            raise RuntimeError("the simulator is already running")
        try:
            api_host, api_bound = await self._listen(build_api_app(self._state), host, api_port)
            media_host, media_bound = await self._listen(
                build_media_app(self._state.media), host, media_port
            )
        except BaseException:
            await self.stop()
            raise
        self._api_url = f"http://{api_host}:{api_bound}"
        self._state.media_base = f"http://{media_host}:{media_bound}"

    async def _listen(self, app: web.Application, host: str, port: int) -> tuple[str, int]:
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=_SHUTDOWN_S
        )
        await runner.setup()
        self._runners.append(runner)
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        return (f"[{bound_host}]" if ":" in bound_host else bound_host), bound_port

    async def stop(self) -> None:
        """Close both listeners and every open connection."""
        runners, self._runners = self._runners, []
        for runner in reversed(runners):
            await runner.cleanup()

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        """Base URL of the API origin, e.g. http://127.0.0.1:8800 (paths are appended)."""
        return self._api_url

    @property
    def media_url(self) -> str:
        """Base URL of the media origin, another port and so another origin."""
        return self._state.media_base

    @property
    def keys(self) -> dict[str, str]:
        """Provider name -> the API key the simulator accepts."""
        return dict(self._state.keys)

    @property
    def seed(self) -> int:
        return self._state.seed

    def add_task(self, script: TaskScript) -> SimTask:
        """Start a task's life now; ValueError if the provider cannot express it."""
        return self._state.add(script)

    def remove_task(self, task_id: str, provider: str | None = None) -> None:
        """Forget the task: from now on its provider answers 404 (lost)."""
        self._state.remove(task_id, provider)

    def task(self, task_id: str, provider: str | None = None) -> SimTask:
        return self._state.lookup(task_id, provider)

    def tasks(self) -> list[SimTask]:
        return list(self._state.history)

    def stats(self, task_id: str, provider: str | None = None) -> TaskStats:
        """A snapshot of what clients asked of one task so far."""
        return self._state.lookup(task_id, provider).stats()

    def global_stats(self) -> dict[str, object]:
        return self._state.global_stats()

    @property
    def requests_by_provider(self) -> dict[str, int]:
        """API requests per provider, every status code included."""
        return self._state.requests_by_provider

    @property
    def media_requests(self) -> list[tuple[str, dict[str, str]]]:
        """(raw path with query, request headers) of every media request, in order."""
        return self._state.media.requests

    @property
    def media_bytes_sent(self) -> int:
        """Body bytes the media origin has written to clients so far, all requests together."""
        return self._state.media.bytes_sent

    def result_urls(self, task_id: str, provider: str | None = None) -> list[str]:
        task = self._state.lookup(task_id, provider)
        return task.result_urls(self._state.media_base, self._state.secret)

    def expected_media(self, url: str) -> bytes:
        """The exact bytes the media origin serves for a result URL (KeyError if none)."""
        parts = urlsplit(url).path.split("/")
        files = self._state.media.files
        if len(parts) < 3 or parts[1] != "media" or parts[2] not in files:
            raise KeyError(f"not a simulator media URL: {url!r}")
        return files[parts[2]].content()

    def set_outage(self, provider: str | None, kind: str, duration_s: float) -> Outage:
        """From now for `duration_s`, answer every request to `provider` with `kind`.

        `provider` None takes the whole API port down (every provider; the
        /_sim/ control API keeps working). Kinds: `OUTAGE_KINDS`. A later
        outage of the same scope replaces this one. Tasks keep their timelines.
        """
        return self._state.outages.start(provider, kind, self._state.clock(), duration_s)

    def clear_outage(self, provider: str | None) -> Outage | None:
        """End the outage of that scope now; the window as it ended, None if none was in force."""
        return self._state.outages.clear(provider, self._state.clock())

    def outages(self) -> list[Outage]:
        """The outages in force now."""
        return self._state.outages.active(self._state.clock())

    def outage_hits(self, provider: str | None = None) -> list[OutageHit]:
        """Every request an outage answered (of one provider, or all), in order."""
        return [h for h in self._state.outages.hits if provider in (None, h.provider)]
