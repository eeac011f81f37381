"""Fixtures for the download hardening tests: origins on loopback, stopped after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from download_origin import Origin, start


@pytest.fixture
async def origin() -> AsyncIterator[Origin]:
    """A file origin on loopback (aiohttp, a real socket)."""
    state = Origin()
    runner = await start(state)
    yield state
    await runner.cleanup()


@pytest.fixture
async def other_origin() -> AsyncIterator[Origin]:
    """A second origin on another port: another host, as the downloader counts them."""
    state = Origin()
    runner = await start(state)
    yield state
    await runner.cleanup()
