"""Python's cycle collector, run on the Qt thread only.

Left automatic, the collector runs in whichever thread happens to allocate:
an executor or keyring thread may then free a cycle holding Qt objects (a
closed dialog, a timer), and a QObject destroyed off its own thread corrupts
Qt's timer lists. The tests saw exactly that as a segfault. So automatic
collection is switched off and this timer collects, generation by generation,
at the same thresholds, from the main thread.
"""

from __future__ import annotations

import gc
from typing import Final

from PySide6.QtCore import QObject, QTimer

CHECK_MS: Final = 500


class MainThreadCollector(QObject):
    """Owns garbage collection while it lives; `stop()` hands it back to Python."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.collect_due)
        gc.disable()
        self._timer.start()

    def collect_due(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds."""
        counts = gc.get_count()
        for generation in (2, 1, 0):  # the oldest due generation includes the younger ones
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()
