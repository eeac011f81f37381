"""What every test directory shares: a hung test says where it hangs.

pytest-timeout (`timeout` in pyproject.toml) fails a test that runs too long and
prints every thread's stack. Most of taskmon waits inside an event loop, where the
main thread's stack shows only the loop's select; so the stack of every asyncio
task that is still pending is printed too, before pytest-timeout's own report.
"""

from __future__ import annotations

import asyncio
import io
import signal
from collections.abc import Generator
from types import FrameType
from typing import Any

import pytest


def _pending_tasks() -> str:
    loop = asyncio._get_running_loop()  # the handler runs inside the loop, if one runs
    if loop is None:
        return "no event loop is running in the main thread\n"
    out = io.StringIO()
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    out.write(f"{len(tasks)} asyncio tasks pending:\n")
    for task in tasks:
        task.print_stack(limit=12, file=out)
    return out.getvalue()


@pytest.hookimpl(wrapper=True, optionalhook=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> Generator[None, Any, Any]:
    installed = yield
    timed_out = signal.getsignal(signal.SIGALRM)
    if settings.method != "signal" or not callable(timed_out):
        return installed

    def handler(signum: int, frame: FrameType | None) -> None:
        __tracebackhide__ = True
        terminal = item.config.get_terminal_writer()
        terminal.sep("+", title="asyncio tasks at the timeout")
        terminal.write(_pending_tasks())
        terminal.flush()
        timed_out(signum, frame)

    signal.signal(signal.SIGALRM, handler)
    return installed
