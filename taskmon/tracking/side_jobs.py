"""The jobs the engine runs beside polling (push streams, result downloads), by task.

Knowing whose a job is lets the engine stop a removed task's download before
its files are purged, and close a task's stream when its provider is switched
off or moved to another host.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class SideJobs:
    """Every side job, and the ones each task owns."""

    def __init__(self) -> None:
        self._all: set[asyncio.Task[None]] = set()
        self._of: dict[str, set[asyncio.Task[None]]] = {}
        self._streams: dict[str, asyncio.Task[None]] = {}  # task key -> its open stream

    def spawn(
        self, coro: Coroutine[Any, Any, None], owner: str | None = None, *, stream: bool = False
    ) -> asyncio.Task[None]:
        """Run `coro` as a job of task `owner` (None: of the engine itself)."""
        job: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._all.add(job)
        job.add_done_callback(self._all.discard)
        if owner is not None:
            self._of.setdefault(owner, set()).add(job)
            job.add_done_callback(lambda done: self._forget(owner, done))
            if stream:
                self._streams[owner] = job
        return job

    def cancel_of(self, owner: str) -> list[asyncio.Task[None]]:
        """Cancel every job of `owner`; returns them, to await their end."""
        jobs = list(self._of.pop(owner, ()))
        self._streams.pop(owner, None)
        for job in jobs:
            job.cancel()
        return jobs

    def cancel_stream(self, owner: str) -> None:
        """Close `owner`'s push stream, if one is open (the task falls back to polling)."""
        job = self._streams.pop(owner, None)
        if job is not None:
            job.cancel()

    def cancel_streams(self) -> None:
        """Close every open push stream (their tasks fall back to polling)."""
        streams, self._streams = self._streams, {}
        for job in streams.values():
            job.cancel()

    def all(self) -> list[asyncio.Task[None]]:
        return list(self._all)

    def _forget(self, owner: str, job: asyncio.Task[None]) -> None:
        if self._streams.get(owner) is job:
            del self._streams[owner]
        owned = self._of.get(owner)
        if owned is not None:
            owned.discard(job)
            if not owned:
                del self._of[owner]
