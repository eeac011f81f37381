"""Qt tests: offscreen, with the engine on a qasync loop inside pytest-qt's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# tests/ is not a package (each directory is its own root): make the shared module importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import faulthandler
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import qasync
from keyring_fixture import secret_service, secret_service_session  # noqa: F401
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from taskmon.sim import SimulatorThread

T = TypeVar("T")


@pytest.fixture
def qloop(qapp: QApplication, qtbot: Any) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop that runs whenever pytest-qt spins Qt's event loop (qtbot.wait...)."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    with contextlib.suppress(Exception):  # let them unwind; a stuck one is not this test's
        qtbot.waitUntil(lambda: all(t.done() for t in pending), timeout=2000)
    # Collect this test's windows, bridges and timers here, on the Qt thread: left to
    # the garbage collector they may be freed on a worker thread, which corrupts
    # Qt's timer lists (a segfault in a later test).
    gc.collect()
    # Not loop.stop(): it calls QApplication.exit(), after which the next test's
    # loop never runs again. Mark it stopped the way run_forever would.
    loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
    asyncio.events._set_running_loop(None)
    loop.close()
    asyncio.set_event_loop(None)


Runner = Callable[..., Any]


@pytest.fixture
def run_async(qloop: asyncio.AbstractEventLoop, qtbot: Any) -> Runner:
    """Run a coroutine on the qasync loop while Qt keeps processing events."""

    def run(awaitable: Awaitable[T], timeout_s: float = 20.0) -> T:
        future = asyncio.ensure_future(awaitable, loop=qloop)
        try:
            qtbot.waitUntil(future.done, timeout=int(timeout_s * 1000))
        except Exception:
            faulthandler.dump_traceback(all_threads=True)
            for task in asyncio.all_tasks(qloop):  # say what it is stuck on
                task.print_stack(limit=8, file=sys.stderr)
            raise
        return future.result()

    return run


@pytest.fixture
def sim_thread() -> Iterator[SimulatorThread]:
    with SimulatorThread(seed=5) as sim:
        yield sim


@pytest.fixture
def qsettings(tmp_path: Path) -> QSettings:
    """Window settings in a file of the test's own, never the user's."""
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    # pytest-qt closes the window after each test: no "keep polling?" question then.
    settings.setValue("close/choice", "background")
    return settings


@pytest.fixture
def app(
    sim_thread: SimulatorThread, tmp_path: Path, qsettings: QSettings, run_async: Runner, qtbot: Any
) -> Iterator[Any]:
    """The window over a real engine, simulator and store (window_app.App)."""
    from window_app import App

    application = App(sim_thread, tmp_path / "data", qsettings, run_async)
    qtbot.addWidget(application.window)
    yield application
    application.stop()
