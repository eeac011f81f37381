"""Start-up time to the first painted window, for measuring an installation (issue 14).

With `TASKMON_FIRST_PAINT_EPOCH` set to the launcher's `time.time()` when it
started taskmon, the window prints one line to stderr when the task table's
viewport is first painted (the same moment bench/ui.py calls first paint):

    taskmon: first paint 0.812 s after start

so a PyInstaller bundle and a pip install can be timed alike from outside
(packaging/startup-time.sh); interpreter start and imports count. Without the
variable nothing is installed and nothing is printed.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Final

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QTableView, QWidget

EPOCH_ENV: Final = "TASKMON_FIRST_PAINT_EPOCH"


class _FirstPaint(QObject):
    def __init__(self, app: QApplication, epoch: float) -> None:
        super().__init__(app)
        self._app = app
        self._epoch = epoch

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Paint or not isinstance(watched, QWidget):
            return False
        table = watched.parent()
        if isinstance(table, QTableView) and table.viewport() is watched:
            elapsed = time.time() - self._epoch
            print(f"taskmon: first paint {elapsed:.3f} s after start", file=sys.stderr, flush=True)
            self._app.removeEventFilter(self)
        return False


def install_first_paint_probe(app: QApplication) -> None:
    """Report the first paint of the task table when TASKMON_FIRST_PAINT_EPOCH is set."""
    raw = os.environ.get(EPOCH_ENV, "").strip()
    if not raw:
        return
    try:
        epoch = float(raw)
    except ValueError:
        return
    app.installEventFilter(_FirstPaint(app, epoch))
