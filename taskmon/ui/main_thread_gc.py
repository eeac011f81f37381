"""Python's cycle collector, run on the Qt thread only.

Left automatic, the collector runs in whichever thread happens to allocate:
an executor or keyring thread may then free a cycle holding Qt objects (a
closed dialog, a timer), and a QObject destroyed off its own thread corrupts
Qt's timer lists. The tests saw exactly that as a segfault. So automatic
collection is switched off and this timer collects, generation by generation,
at the same thresholds, from the main thread.

A full (generation 2) collection walks every tracked object: with 1,000 tasks
in the window that is about 50 ms of the main thread, a visible stall, each
time one comes due. What is alive a few seconds after start (modules, the
window, the restored tasks) is frozen out of later collections (`gc.freeze`),
so those walk only what was made since (bench/NOTES.md).
"""

from __future__ import annotations

import gc
from typing import Final

from PySide6.QtCore import QObject, QTimer

CHECK_MS: Final = 500
FREEZE_AFTER_MS: Final = 5000  # start-up done: the window is up, its rows are in


class MainThreadCollector(QObject):
    """Owns garbage collection while it lives; `stop()` hands it back to Python."""

    def __init__(
        self, parent: QObject | None = None, freeze_after_ms: int = FREEZE_AFTER_MS
    ) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.collect_due)
        self._freeze = QTimer(self)
        self._freeze.setSingleShot(True)
        self._freeze.setInterval(freeze_after_ms)
        self._freeze.timeout.connect(self.freeze_survivors)
        gc.disable()
        self._timer.start()
        self._freeze.start()

    def freeze_survivors(self) -> None:
        """Leave what is alive now out of every later collection (no collection now:
        that would be the very stall this avoids; start-up's few cycles stay)."""
        gc.freeze()

    def collect_due(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds."""
        counts = gc.get_count()
        for generation in (2, 1, 0):  # the oldest due generation includes the younger ones
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        self._timer.stop()
        self._freeze.stop()
        gc.unfreeze()  # frozen objects go back to the oldest generation
        gc.enable()
