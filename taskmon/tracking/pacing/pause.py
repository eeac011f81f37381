"""The user's pause switch: while it is on, no status call and no stream goes out.

Polls that come due meanwhile wait at the gate with their task in hand (their
worker holds them, as it does for the rate budget), so a resume sends them at
once and nothing has to be rescheduled. Open streams are closed by the engine
when the pause starts and none opens until it ends.
"""

from __future__ import annotations

import asyncio


class PollingPause:
    """Open (polling) or closed (paused); status calls `await passage()` first."""

    def __init__(self) -> None:
        self._open = asyncio.Event()
        self._open.set()

    @property
    def paused(self) -> bool:
        return not self._open.is_set()

    def pause(self) -> bool:
        """Close the gate; False when it was closed already."""
        if self.paused:
            return False
        self._open.clear()
        return True

    def resume(self) -> bool:
        """Open the gate, letting every waiting poll go; False when it was open."""
        if not self.paused:
            return False
        self._open.set()
        return True

    async def passage(self) -> None:
        """Return at once while polling, else when the pause ends."""
        if self._open.is_set():  # the usual case: no await, no scheduling
            return
        await self._open.wait()
