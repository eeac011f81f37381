"""Garbage collection happens on the Qt thread, never on a worker thread."""

from __future__ import annotations

import gc
import threading
from typing import Any, ClassVar

from taskmon.ui.main_thread_gc import MainThreadCollector


class Cycle:
    """A reference cycle that records the thread it is freed on."""

    freed_on: ClassVar[list[str]] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        Cycle.freed_on.append(threading.current_thread().name)


def test_cycles_are_freed_by_the_qt_thread_not_by_workers(qtbot: Any) -> None:
    collector = MainThreadCollector()
    try:
        assert not gc.isenabled()
        Cycle.freed_on.clear()
        for _ in range(2000):  # past the first generation's threshold (700)
            Cycle()

        def allocate() -> None:  # a worker allocating plenty would trigger automatic gc
            junk = [[i] for i in range(200_000)]
            del junk

        worker = threading.Thread(target=allocate, name="worker")
        worker.start()
        worker.join()
        assert Cycle.freed_on == []
        qtbot.waitUntil(lambda: len(Cycle.freed_on) == 2000, timeout=3000)
        assert set(Cycle.freed_on) == {threading.main_thread().name}
    finally:
        collector.stop()
    assert gc.isenabled()


def test_what_survived_start_up_is_left_out_of_later_collections(qtbot: Any) -> None:
    collector = MainThreadCollector(freeze_after_ms=50)
    try:
        qtbot.waitUntil(lambda: gc.get_freeze_count() > 0, timeout=3000)
        Cycle.freed_on.clear()
        for _ in range(2000):  # made after the freeze: still collected, on the Qt thread
            Cycle()
        qtbot.waitUntil(lambda: len(Cycle.freed_on) == 2000, timeout=3000)
    finally:
        collector.stop()
    assert gc.get_freeze_count() == 0  # handed back with automatic collection
