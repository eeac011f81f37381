"""Qt tests: offscreen, with the engine on a qasync loop inside pytest-qt's event loop."""

from __future__ import annotations

import asyncio
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from taskmon.sim import SimulatorThread

T = TypeVar("T")


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop that runs whenever pytest-qt spins Qt's event loop (qtbot.wait...)."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()
    loop.stop()
    asyncio.events._set_running_loop(None)
    loop.close()
    asyncio.set_event_loop(None)


Runner = Callable[..., Any]


@pytest.fixture
def run_async(qloop: asyncio.AbstractEventLoop, qtbot: Any) -> Runner:
    """Run a coroutine on the qasync loop while Qt keeps processing events."""

    def run(awaitable: Awaitable[T], timeout_s: float = 20.0) -> T:
        future = asyncio.ensure_future(awaitable, loop=qloop)
        qtbot.waitUntil(future.done, timeout=int(timeout_s * 1000))
        return future.result()

    return run


@pytest.fixture
def sim_thread() -> Iterator[SimulatorThread]:
    with SimulatorThread(seed=5) as sim:
        yield sim


@pytest.fixture
def qsettings(tmp_path: Path) -> QSettings:
    """Window settings in a file of the test's own, never the user's."""
    return QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
