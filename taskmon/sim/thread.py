"""`SimulatorThread`: a Simulator on its own event loop, for synchronous and Qt tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from taskmon.sim.outage import Outage, OutageHit
from taskmon.sim.scripts import TaskScript
from taskmon.sim.server import Simulator
from taskmon.sim.task import SimTask, TaskStats

T = TypeVar("T")
_START_TIMEOUT_S = 10.0


class SimulatorThread:
    """Runs a Simulator in a daemon thread; every method is safe to call from any thread.

    with SimulatorThread(seed=1) as sim:
        task = sim.add_task(TaskScript("reapi"))
        ... requests to sim.api_url ...
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        host: str = "127.0.0.1",
        api_port: int = 0,
        media_port: int = 0,
        **simulator_kwargs: Any,
    ) -> None:
        self._sim = Simulator(seed, **simulator_kwargs)
        self._listen = (host, api_port, media_port)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("already started")
        self._thread = threading.Thread(target=self._run, name="taskmon-sim", daemon=True)
        self._thread.start()
        if not self._ready.wait(_START_TIMEOUT_S):
            raise RuntimeError("the simulator did not start in time")
        if self._error is not None:
            raise RuntimeError("the simulator failed to start") from self._error

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._sim.start(*self._listen))
        except BaseException as exc:  # handed to start(), which raises it in the caller
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._sim.stop())
            # Handlers of connections still open (a client's keep-alive, an event
            # stream) end here, not as "destroyed but pending" warnings at close.
            leftovers = asyncio.all_tasks(loop)
            for task in leftovers:
                task.cancel()
            if leftovers:
                loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(_START_TIMEOUT_S)

    def __enter__(self) -> SimulatorThread:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def call(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the simulator's loop and return its result (or raise its error)."""
        if self._loop is None:
            raise RuntimeError("the simulator thread is not running")

        async def hop() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(hop(), self._loop).result(_START_TIMEOUT_S)

    @property
    def simulator(self) -> Simulator:
        """The underlying Simulator: touch it only through `call()`."""
        return self._sim

    @property
    def api_url(self) -> str:
        return self._sim.api_url

    @property
    def media_url(self) -> str:
        return self._sim.media_url

    @property
    def keys(self) -> dict[str, str]:
        return self._sim.keys

    def add_task(self, script: TaskScript) -> SimTask:
        return self.call(lambda: self._sim.add_task(script))

    def remove_task(self, task_id: str, provider: str | None = None) -> None:
        self.call(lambda: self._sim.remove_task(task_id, provider))

    def stats(self, task_id: str, provider: str | None = None) -> TaskStats:
        return self.call(lambda: self._sim.stats(task_id, provider))

    def result_urls(self, task_id: str, provider: str | None = None) -> list[str]:
        return self.call(lambda: self._sim.result_urls(task_id, provider))

    @property
    def requests_by_provider(self) -> dict[str, int]:
        return self.call(lambda: dict(self._sim.requests_by_provider))

    @property
    def media_requests(self) -> list[tuple[str, dict[str, str]]]:
        return self.call(lambda: list(self._sim.media_requests))

    def expected_media(self, url: str) -> bytes:
        return self.call(lambda: self._sim.expected_media(url))

    def set_outage(self, provider: str | None, kind: str, duration_s: float) -> Outage:
        return self.call(lambda: self._sim.set_outage(provider, kind, duration_s))

    def clear_outage(self, provider: str | None) -> Outage | None:
        return self.call(lambda: self._sim.clear_outage(provider))

    def outage_hits(self, provider: str | None = None) -> list[OutageHit]:
        return self.call(lambda: self._sim.outage_hits(provider))
